"""`yimen fuse demo|run|evaluate|load`: the data-fusion pipeline (src/yimen/fusion, docs/fusion.md).

demo, run and evaluate use only the fusion package; load writes the fused libraries into the registry.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yimen.common.errors import DomainError

STAGES = {
    "read": "读取 read",
    "govern": "治理 govern",
    "link person": "融合 link persons",
    "link enterprise": "融合 link enterprises",
    "golden person": "主数据 golden persons",
    "golden enterprise": "主数据 golden enterprises",
    "persons": "自然人 persons",
    "enterprises": "法人 enterprises",
}


class Command(BaseCommand):
    help = "数据融合 / Data fusion: department extracts -> governed -> fused person and enterprise libraries"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        demo = sub.add_parser("demo", help="write demo extracts, sources.yaml and truth.csv")
        demo.add_argument("--persons", type=int, required=True)
        demo.add_argument("--out", required=True)
        demo.add_argument("--seed", type=int, default=4406)
        run = sub.add_parser("run", help="govern, link and fuse the extracts named in a sources.yaml")
        run.add_argument("--sources", required=True)
        run.add_argument("--out", required=True)
        run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        run.add_argument("--master", help="Spark master URL (default local[*])")
        run.add_argument("--threads", type=int)
        run.add_argument("--memory-limit", help="e.g. 8GB")
        run.add_argument("--threshold", type=float)
        ev = sub.add_parser("evaluate", help="pairwise precision, recall and F1 against a truth file")
        ev.add_argument("--out", required=True)
        ev.add_argument("--truth", required=True)
        load = sub.add_parser("load", help="load the fused persons and enterprises into the registry")
        load.add_argument("--out", required=True)

    def handle(self, *args, action, **opts):
        from yimen.fusion.config import FusionError

        console = Console()
        try:
            getattr(self, f"_{action}")(console, opts)
        except FusionError as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _bar(self, console):
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )

    def _progress(self, bar):
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return progress

    def _demo(self, console, opts):
        from yimen.fusion.demo import demo_write

        if opts["persons"] < 1:
            raise CommandError("--persons must be at least 1")
        with self._bar(console) as bar:
            summary = demo_write(
                Path(opts["out"]), persons=opts["persons"], seed=opts["seed"], progress=self._progress(bar)
            )
        console.print_json(json.dumps(summary, ensure_ascii=False, default=str))

    def _run(self, console, opts):
        from yimen.fusion import link
        from yimen.fusion.pipeline import fuse_run

        with self._bar(console) as bar:
            summary = fuse_run(
                opts["sources"],
                opts["out"],
                engine=opts["engine"],
                threads=opts["threads"],
                memory_limit=opts["memory_limit"],
                master=opts["master"],
                threshold=opts["threshold"] if opts["threshold"] is not None else link.THRESHOLD,
                progress=self._progress(bar),
            )
        ents = summary["entities"]
        console.print(
            f"输入 {summary['rows_in']:,} 行 rows in -> "
            + ", ".join(f"{v['entities']:,} {k}s" for k, v in ents.items())
            + f"; 输出 output: {opts['out']}"
        )
        console.print(json.dumps(summary["timings_s"]))

    def _evaluate(self, console, opts):
        from yimen.fusion.evaluate import evaluate

        result = evaluate(opts["out"], opts["truth"])
        console.print(
            f"records {result['records']:,}; true pairs {result['true_pairs']:,}; "
            f"predicted pairs {result['predicted_pairs']:,}; correct {result['true_positive_pairs']:,}"
        )
        # the last line is machine-readable, as the issue asks
        self.stdout.write(json.dumps({k: round(result[k], 6) for k in ("precision", "recall", "f1")}))

    def _load(self, console, opts):
        from yimen.registry.fusion_load import fused_load

        with self._bar(console) as bar:
            result = fused_load(out_dir=Path(opts["out"]), progress=self._progress(bar))
        console.print_json(json.dumps(result, ensure_ascii=False, default=str))
