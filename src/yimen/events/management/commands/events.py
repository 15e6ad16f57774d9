"""`yimen events classify|train|evaluate`: the event text classifier from the command line.

    yimen events classify < reports.txt          # per input line: "<code>\t<probability>"
    yimen events classify --top 3 < reports.txt  # per input line: "<code>\t<p>\t<code>\t<p>\t<code>\t<p>"
    yimen events train [--if-missing] [--from-closed-events] [--variant NAME]
    yimen events evaluate [--variant NAME | --all-variants]
    yimen events rollup-rebuild                  # the statistics roll-up, recomputed from the events
    yimen events import-opinion FILE.csv|FILE.jsonl  # public-opinion posts (网络舆情) as reports

classify keeps line alignment: a blank input line gets a blank output line.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from yimen.common.errors import DomainError


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "一网统管事件 / City governance events: classify report texts, train and evaluate the classifier"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        classify = sub.add_parser(
            "classify",
            help="read one report text per line on stdin; print the top subcategory code and its "
            "probability, tab-separated (blank line in, blank line out)",
        )
        classify.add_argument("--top", type=int, default=1, help="codes per line (default 1)")
        train = sub.add_parser("train", help="train the classifier and install it under VAR_DIR/models")
        train.add_argument(
            "--if-missing", action="store_true", help="do nothing when a current model is installed"
        )
        train.add_argument(
            "--from-closed-events",
            action="store_true",
            help="add closed events' texts and confirmed subcategories to the corpus",
        )
        train.add_argument("--variant", default=None, help="model variant (see `evaluate --all-variants`)")
        evaluate = sub.add_parser("evaluate", help="held-out accuracy, top-3 accuracy, macro-F1 as JSON")
        evaluate.add_argument("--variant", default=None)
        evaluate.add_argument("--all-variants", action="store_true", help="one JSON line per variant")
        sub.add_parser("taxonomy", help="load or update the event taxonomy from the reference YAML")
        sub.add_parser("escalate", help="escalate overdue events one level up (run every few minutes)")
        sub.add_parser(
            "rollup-rebuild",
            help="recompute the statistics roll-up from the events (after a bulk load; the services "
            "keep it current otherwise)",
        )
        opinion = sub.add_parser(
            "import-opinion",
            help="import public-opinion posts (CSV or JSONL: source, url, posted_at, text, address) as "
            "reports on the 舆情 channel; a bad file imports nothing; a URL already imported is skipped",
        )
        opinion.add_argument("file")
        client = sub.add_parser("open311-client", help="create an Open311 client; prints its api_key once")
        client.add_argument("name")

    def handle(self, *args, action, **opts):
        try:
            getattr(self, f"_{action.replace('-', '_')}")(**opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _classify(self, *, top: int, stdin=None, **_):
        from yimen.events.classifier import classify_many, installed_model

        if top < 1:
            raise CommandError("--top 至少为 1 (must be at least 1)")
        installed_model()  # load (or train) once before reading input
        stdin = stdin if stdin is not None else sys.stdin
        batch: list[str] = []
        for line in stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= 256:
                self._classify_print(classify_many(batch, k=top))
                batch = []
        if batch:
            self._classify_print(classify_many(batch, k=top))

    def _classify_print(self, results):
        for result in results:
            self.stdout.write("\t".join(f"{code}\t{p:.4f}" for code, p in result))
        self.stdout.flush()

    def _train(self, *, if_missing: bool, from_closed_events: bool, variant: str | None, **_):
        from yimen.events import classifier

        if if_missing and classifier.model_is_current():
            self.stdout.write(
                f"事件分类模型已就绪 (classifier model already installed): {classifier.model_path()}"
            )
            return
        if from_closed_events:
            rows = classifier.closed_event_samples()
            model = classifier.train_from_closed_events(rows)
        else:
            kwargs = {"variant": variant} if variant else {}
            model = classifier.train_from_corpus(**kwargs)
        meta = model.meta
        extra = f", {meta['closed_events']} closed events" if "closed_events" in meta else ""
        heldout = meta.get("heldout") or {}
        figures = (
            f"held-out accuracy {heldout['accuracy']:.3f}, top-3 {heldout['top3_accuracy']:.3f}, "
            if heldout
            else ""
        )
        self.stdout.write(
            f"已训练事件分类模型 (trained classifier {meta['variant']}): {meta['samples']} samples{extra}, "
            f"{figures}{meta['train_seconds']:.1f} s -> {classifier.model_path()}"
        )

    def _evaluate(self, *, variant: str | None, all_variants: bool, **_):
        from yimen.events.classifier import DEFAULT_VARIANT, VARIANTS, evaluate

        names = list(VARIANTS) if all_variants else [variant or DEFAULT_VARIANT]
        for name in names:
            self.stdout.write(json.dumps(evaluate(variant=name), ensure_ascii=False))

    def _taxonomy(self, **_):
        from yimen.events.services import taxonomy_load

        self.stdout.write(f"事件分类 taxonomy: {taxonomy_load(actor='cli')}")

    def _escalate(self, **_):
        from yimen.events.services import events_escalate_overdue

        self.stdout.write(f"已升级督办 escalated: {events_escalate_overdue(actor='cli')}")

    def _rollup_rebuild(self, **_):
        import time

        from yimen.events.services import statistics_rollup_rebuild

        started = time.perf_counter()
        done = statistics_rollup_rebuild(actor="cli", progress=lambda m: self.stderr.write(m))
        self.stdout.write(
            f"已重建统计汇总 (statistics roll-up rebuilt): {done['events']:,} events, "
            f"{done['tally_rows']:,} + {done['grid_rows']:,} rows in {time.perf_counter() - started:.1f} s"
        )

    def _import_opinion(self, *, file: str, **_):
        from yimen.events.services import opinion_file_read, opinion_import

        rows = opinion_file_read(file)
        done = opinion_import(
            rows=rows, actor="cli", progress=lambda n, total: self.stderr.write(f"\r{n}/{total}", ending="")
        )
        self.stderr.write("")
        self.stdout.write(
            f"舆情导入 (opinion import): {len(rows)} 条记录 rows, 新增 imported {done['imported']}, "
            f"已存在跳过 skipped {done['skipped']}"
        )

    def _open311_client(self, *, name: str, **_):
        from yimen.events.services import open311_client_create

        client, key = open311_client_create(name=name, actor="cli")
        self.stdout.write(f"{client.name}\tapi_key={key}")
