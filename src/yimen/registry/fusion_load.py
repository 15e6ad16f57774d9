"""Step 4 of data fusion: load the fused store (docs/fusion.md) into the person and enterprise libraries,
incrementally, keeping where each field's value came from (FieldLineage).

    fused_load(out_dir=Path("var/fusion/out"), actor=user)  # reads fused/*.parquet and run.json

- Persons are matched by ID number, enterprises by USCC. Entities without a valid one stay in the fused
  store only (`skipped_no_id`).
- The Parquet files are read in Arrow record batches; each batch is one transaction, written in bulk
  (`table_writer`: COPY on PostgreSQL), so an interrupted load leaves whole batches and running it again
  finishes the job.
- Re-loading the same output changes nothing; a newer output changes only the fields whose value
  changed. A null in the fused store means no source supplied the field: it never clears a value.
- A value changed in the registry after it was loaded (a case's 数据沉淀, an administrator's fix) stays
  while the fused value is still the one loaded then (`kept_local`); a new fused value replaces it.
- Bad input (missing file, missing key column, unreadable run.json) raises before anything is written.
  One ledger entry per load, with the counts and the SHA-256 of the Parquet files.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.common.signals import subjects_changed_on_commit
from yimen.places.models import Division
from yimen.registry import fused_input
from yimen.registry.fused_entities import EnterpriseKind, PersonKind, chunks
from yimen.registry.lineage import lineage_digest
from yimen.registry.models import FieldLineage, FusionRun
from yimen.registry.table_writer import TableWriter

Progress = Callable[[str, int, int], None]


@dataclass
class Stats:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_no_id: int = 0
    skipped_incomplete: int = 0  # no name (an enterprise: or no establishment date, or no division at all)
    duplicates: int = 0  # a key seen twice in one batch: the first row wins
    division_unmatched: int = 0
    legal_rep_unmatched: int = 0
    lineage_created: int = 0
    lineage_updated: int = 0
    fields_changed: Counter = field(default_factory=Counter)
    kept_local: Counter = field(default_factory=Counter)
    rejected_values: Counter = field(default_factory=Counter)

    def as_dict(self, kind: str) -> dict:
        out = {k: (dict(sorted(v.items())) if isinstance(v, Counter) else v) for k, v in vars(self).items()}
        if kind == "person":
            out.pop("legal_rep_unmatched")
        return out


@dataclass
class Context:
    run: FusionRun
    now: dt.datetime
    departments: dict[str, str]
    divisions: dict[str, int]  # code -> pk
    division_codes: dict[int, str]  # pk -> code
    specs: tuple[fused_input.Spec, ...]
    stats: Stats

    def __post_init__(self):
        self.provenance = [(spec, spec.provenance) for spec in self.specs]


# A lineage row's content, compared to decide whether to write it:
# (value_digest, source, department, record_id, as_of, conflicts).
Lineage = tuple


def _plan(row: dict, ctx: Context, *, current: dict | None, loaded: dict[str, Lineage], known: Callable):
    """What one fused row changes: (registry values to write, lineage rows to write, notes to count).
    `current` holds the registry's values in natural form, or is None for a new entity; `loaded` the
    entity's lineage; `known(attr, value)` names the counter of a referenced division or person that
    does not exist, or returns ""."""
    conflicts = row.get("conflicts")
    conflicts = Counter(c.get("field") for c in conflicts if isinstance(c, dict)) if conflicts else {}
    changes: dict[str, object] = {}
    writes: dict[str, Lineage] = {}
    notes: Counter = Counter()
    for spec, (source_column, record_column, as_of_column) in ctx.provenance:
        column = spec.column
        try:
            value = spec.clean(row.get(column))
        except fused_input.Rejected:
            notes["rejected_values", spec.attr] += 1
            continue
        if value is None:
            continue  # no source supplied it: never clears a registry value
        missing = known(spec.attr, value)
        if missing:
            notes[missing, None] += 1
            continue
        digest = lineage_digest(value)
        source = str(row.get(source_column) or "")[:64]
        record_id = row.get(record_column)
        try:
            as_of = fused_input.date(row.get(as_of_column))
        except fused_input.Rejected:
            as_of = None
        lineage = (
            digest,
            source,
            ctx.departments.get(source, ""),
            "" if record_id is None else str(record_id)[:64],
            as_of,
            min(conflicts.get(column, 0), 32_767),
        )
        before = loaded.get(spec.attr)
        if current is None or current[spec.attr] != value:
            if current is not None and before is not None and before[0] == digest:
                notes["kept_local", spec.attr] += 1  # changed here after the load; fusion has nothing newer
            else:
                changes[spec.attr] = value
        if before != lineage:
            writes[spec.attr] = lineage
    return changes, writes, notes


# --- one batch: one transaction -----------------------------------------------------------------------


@transaction.atomic
def _load_batch(rows: list[dict], kind: PersonKind) -> None:
    ctx, stats = kind.ctx, kind.ctx.stats
    ctx.now = timezone.now()
    if connection.vendor == "postgresql":
        # Do not wait for this batch's WAL flush: a crash can lose only the last batches, which a re-run
        # writes again, and the load's ledger entry commits synchronously after all of them (WAL is
        # sequential), so once it is durable every batch before it is too.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    stats.rows += len(rows)
    wanted: dict[str, tuple[dict, object]] = {}
    for row in rows:
        key, extra = kind.parse_key(row.get(kind.key))
        if key is None:
            stats.skipped_no_id += 1
        elif key in wanted:
            stats.duplicates += 1
        else:
            row[kind.key] = key
            wanted[key] = (row, extra)
    kind.prepare([row for row, _ in wanted.values()])
    current = kind.current(list(wanted))
    lineage = _lineage_rows(kind.name, [c["pk"] for c in current.values()])

    def plan(key: str):
        cur = current.get(key)
        loaded = {attr: lin for attr, (_, lin) in lineage.get(cur["pk"], {}).items()} if cur else {}
        return _plan(wanted[key][0], ctx, current=cur, loaded=loaded, known=kind.known)

    planned = {key: plan(key) for key in wanted}
    # Lock the rows about to change and plan them again on what they hold now (a case may have settled a
    # field since the unlocked read). Unchanged rows are not locked: re-loading the same output writes nothing.
    changing = [key for key, (changes, _, _) in planned.items() if changes and key in current]
    if changing:
        current.update(kind.current(changing, lock=True))
        planned.update({key: plan(key) for key in changing})

    updates, inserts, lineage_writes, created_writes, changed = [], [], [], {}, []
    for key, (changes, writes, notes) in planned.items():
        for (counter, attr), n in notes.items():
            if attr is None:
                setattr(stats, counter, getattr(stats, counter) + n)
            else:
                getattr(stats, counter)[attr] += n
        cur = current.get(key)
        if cur is None:
            values = kind.new(key, wanted[key][1], changes, writes)
            if values is None:
                stats.skipped_incomplete += 1
            else:
                inserts.append(values)
                created_writes[key] = writes
            continue
        if changes:
            stats.updated += 1
            stats.fields_changed.update(changes.keys())
            updates.append(kind.update_row(cur, changes))
            changed.append(cur["pk"])
        else:
            stats.unchanged += 1
        ids = {attr: pk for attr, (pk, _) in lineage.get(cur["pk"], {}).items()}
        lineage_writes.append((cur["pk"], writes, ids))

    kind.insert(inserts)
    kind.update(updates)
    stats.created += len(inserts)
    if created_writes:
        for key, pk in kind.pks(list(created_writes)).items():
            lineage_writes.append((pk, created_writes[key], {}))
            changed.append(pk)
    _write_lineage(kind.name, ctx, lineage_writes)
    # Other apps (proactive tags) refresh what they derive from these subjects once the batch commits.
    subjects_changed_on_commit(reason="registry.fusion.loaded", **{f"{kind.name}_ids": changed})


def _lineage_rows(kind: str, pks: list[int]) -> dict[int, dict[str, tuple[int, Lineage]]]:
    """Owner pk -> field -> (lineage row pk, its content). Raw SQL: a re-load reads seven rows per person
    and the ORM's per-row work took half of it."""
    out: dict[int, dict[str, tuple[int, Lineage]]] = {}
    quote = connection.ops.quote_name
    table, owner = quote(FieldLineage._meta.db_table), quote(f"{kind}_id")
    content = ("value_digest", "source", "department", "record_id", "as_of", "conflicts")
    columns = ", ".join(quote(c) for c in ("id", f"{kind}_id", "field", *content))
    with connection.cursor() as cursor:
        for chunk in chunks(pks):
            if connection.vendor == "postgresql":  # with a literal IN list it prefers a full scan
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {owner} = ANY(%s)", [chunk])
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {owner} IN ({marks})", chunk)
            for (
                pk,
                subject,
                attr,
                digest,
                source,
                department,
                record_id,
                as_of,
                conflicts,
            ) in cursor.fetchall():
                if isinstance(as_of, str):  # SQLite returns dates as text
                    as_of = dt.date.fromisoformat(as_of)
                lineage = (digest, source, department, record_id, as_of, conflicts)
                out.setdefault(subject, {})[attr] = (pk, lineage)
    return out


_LINEAGE = ["value_digest", "source", "department", "record_id", "as_of", "conflicts", "run_id", "loaded_at"]


def _write_lineage(kind: str, ctx: Context, writes: list[tuple[int, dict[str, Lineage], dict[str, int]]]):
    new, changed = [], []
    person = kind == "person"
    for owner, rows, ids in writes:
        for attr, lineage in rows.items():
            values = (*lineage, ctx.run.pk, ctx.now)
            if attr in ids:
                changed.append((ids[attr], *values))
            else:
                new.append((owner if person else None, None if person else owner, attr, *values))
    TableWriter(FieldLineage, ["person_id", "enterprise_id", "field", *_LINEAGE]).insert(new)
    TableWriter(FieldLineage, _LINEAGE).update(changed)
    ctx.stats.lineage_created += len(new)
    ctx.stats.lineage_updated += len(changed)


class _Statistics:
    """Keeps PostgreSQL's planner statistics in step while a load grows the tables. A first load starts
    from empty tables; without an ANALYZE the planner keeps guessing "few rows" and reads the whole
    lineage table for each batch's lookup, so every batch is slower than the one before."""

    def __init__(self, model):
        self.tables = [model._meta.db_table, FieldLineage._meta.db_table]
        self.enabled = connection.vendor == "postgresql"
        self.base = model.objects.count() if self.enabled else 0
        self.analyzed_at = 0

    def grown(self, created: int) -> None:
        if self.enabled and created - self.analyzed_at > max(self.base, 10_000):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in self.tables))
            self.base += created - self.analyzed_at
            self.analyzed_at = created


# --- the load ------------------------------------------------------------------------------------------

_SUMMARY_LIMIT = 64_000  # characters of run.json kept whole in FusionRun.summary; beyond, its scalars only


def _summary(run: dict) -> dict:
    if len(json.dumps(run, ensure_ascii=False, default=str)) <= _SUMMARY_LIMIT:
        return run
    return {k: v for k, v in run.items() if isinstance(v, (str, int, float, bool)) or v is None}


def fused_load(
    *, out_dir: Path, actor=None, progress: Progress | None = None, batch_size: int = 5000
) -> dict:
    """Load `out_dir/fused/persons.parquet` (and `enterprises.parquet` when present) into the registry.

    Returns the counts per kind under `persons` and `enterprises` (rows, created, updated, unchanged,
    skipped_no_id, skipped_incomplete, duplicates, division_unmatched, [legal_rep_unmatched],
    lineage_created, lineage_updated, and per field: fields_changed, kept_local, rejected_values), the
    totals of created/updated/unchanged/skipped_no_id, the FusionRun id (`run`), the files' SHA-256, the
    seconds taken and the ledger index of the load's entry."""
    out_dir = Path(out_dir)
    if batch_size < 1:
        raise ValidationFailed(_("批大小应为正整数"), field="batch_size")
    run_json, run_digest = fused_input.run_read(out_dir)
    fused = out_dir / "fused"
    if not (fused / "persons.parquet").is_file():
        raise ValidationFailed(
            _("融合输出中没有 %(path)s") % {"path": fused / "persons.parquet"}, field="out_dir"
        )
    files = {
        PersonKind: (fused / "persons.parquet", "person_key", "id_number"),
        EnterpriseKind: (fused / "enterprises.parquet", "enterprise_key", "uscc"),
    }
    parquets = {kind: fused_input.parquet_open(*spec) for kind, spec in files.items() if spec[0].is_file()}
    digests = {kind: fused_input.sha256(files[kind][0]) for kind in parquets}
    departments = fused_input.departments(run_json, out_dir)
    divisions = dict(Division.objects.values_list("code", "pk"))
    run = FusionRun.objects.create(
        out_dir=str(out_dir)[:500],
        run_digest=run_digest,
        persons_digest=digests[PersonKind],
        enterprises_digest=digests.get(EnterpriseKind, ""),
        summary=_summary(run_json),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    progress = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    counts: dict[str, dict] = {}
    try:
        for kind_class, parquet in parquets.items():
            ctx = Context(
                run=run,
                now=timezone.now(),
                departments=departments,
                divisions=divisions,
                division_codes={pk: code for code, pk in divisions.items()},
                specs=tuple(s for s in kind_class.specs if s.column in parquet.schema_arrow.names),
                stats=Stats(),
            )
            kind = kind_class(ctx)
            stage, total = f"{kind.name}s", parquet.metadata.num_rows
            progress(stage, 0, total)
            statistics = _Statistics(kind.model)
            for rows in fused_input.batches(parquet, ctx.specs, batch_size):
                _load_batch(rows, kind)
                statistics.grown(ctx.stats.created)
                progress(stage, ctx.stats.rows, total)
            counts[stage] = ctx.stats.as_dict(kind.name)
    except BaseException:
        FusionRun.objects.filter(pk=run.pk).update(
            status=FusionRun.Status.FAILED, counts=counts, finished_at=timezone.now()
        )
        raise
    totals = ("created", "updated", "unchanged", "skipped_no_id")
    result = {
        "run": run.pk,
        **{k: sum(c[k] for c in counts.values()) for k in totals},
        **counts,
        "persons_sha256": run.persons_digest,
        "enterprises_sha256": run.enterprises_digest,
    }
    with transaction.atomic():
        entry = audit.record(
            kind="registry.fusion.loaded",
            subject=run,
            actor=actor or "fusion-loader",
            content={**result, "run_json_sha256": run_digest},
        )
        run.status, run.counts, run.finished_at = FusionRun.Status.FINISHED, counts, timezone.now()
        run.ledger_index = entry.index
        run.save(update_fields=["status", "counts", "finished_at", "ledger_index"])
    return {**result, "seconds": round(time.monotonic() - started, 3), "ledger_index": entry.index}
