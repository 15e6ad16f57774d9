"""`yimen fuse run`: read -> govern -> link -> golden records, written atomically under the output folder.

Everything is staged in `OUT/.staging-<id>/` and moved into place only when every stage succeeded, so a
failed run leaves the previous output (or nothing) behind. The engine's own files (DuckDB database,
spill, transcoded extracts) live in a work folder that is removed at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from yimen.fusion import govern, link, quality
from yimen.fusion.config import FusionError, Source, sources_load
from yimen.fusion.golden import golden_sql

OUTPUTS = ("governed", "quality", "fused", "run.json")
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def make_engine(name: str, work_dir: Path, *, threads=None, memory_limit=None, master=None):
    if name == "duckdb":
        from yimen.fusion.engine import DuckDBEngine

        return DuckDBEngine(work_dir, threads=threads, memory_limit=memory_limit)
    if name == "spark":
        from yimen.fusion.engine_spark import SparkEngine

        return SparkEngine(work_dir, master=master, threads=threads, memory_limit=memory_limit)
    raise FusionError(f"unknown engine {name!r} (duckdb or spark)")


def fuse_run(
    sources_file: str | Path,
    out_dir: str | Path,
    *,
    engine: str = "duckdb",
    threads: int | None = None,
    memory_limit: str | None = None,
    master: str | None = None,
    threshold: float = link.THRESHOLD,
    progress: Progress | None = None,
) -> dict:
    """Run every stage; return the run summary (also written to OUT/run.json)."""
    progress = progress or _noop
    sources = sources_load(sources_file)
    out = Path(out_dir)
    created_out = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    staging = out / f".staging-{run_id}"
    work = out / f".work-{run_id}"
    staging.mkdir()
    work.mkdir()
    eng = None
    try:
        eng = make_engine(engine, work, threads=threads, memory_limit=memory_limit, master=master)
        summary = _stages(eng, sources, staging, threshold=threshold, progress=progress)
        summary.update(run_id=run_id, engine=engine, sources_file=str(Path(sources_file).resolve()))
        (staging / "run.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        eng.close()
        eng = None
        _publish(staging, out, run_id)
        return summary
    except BaseException:
        if eng is not None:
            with contextlib.suppress(Exception):
                eng.close()
        shutil.rmtree(staging, ignore_errors=True)
        if created_out:
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _publish(staging: Path, out: Path, run_id: str) -> None:
    """Swap the staged outputs in; the old ones go aside first and are deleted after."""
    old = out / f".old-{run_id}"
    old.mkdir()
    for name in OUTPUTS:
        if (out / name).exists():
            os.replace(out / name, old / name)
    for name in OUTPUTS:
        os.replace(staging / name, out / name)
    shutil.rmtree(old, ignore_errors=True)
    staging.rmdir()


def _stages(eng, sources: list[Source], staging: Path, *, threshold: float, progress: Progress) -> dict:
    timings: dict[str, float] = {}
    counts: dict[str, dict] = {}
    n = len(sources)

    t = time.perf_counter()
    raw = {}
    for i, src in enumerate(sources):
        progress("read", i, n)
        raw[src.name] = eng.read_source(src)
        counts[src.name] = {
            "kind": src.kind,
            "department": src.department,
            "as_of": src.as_of.isoformat(),
            "rows": eng.count(raw[src.name]),
        }
    progress("read", n, n)
    timings["read"] = time.perf_counter() - t

    t = time.perf_counter()
    governed: dict[str, list[str]] = {"person": [], "enterprise": []}
    for i, src in enumerate(sources):
        progress("govern", i, n)
        table = f"gov_{src.name}"
        eng.create(table, govern.govern_sql(src.kind, raw[src.name], src.fields, dialect=eng.dialect))
        eng.drop(raw[src.name])
        eng.write_parquet(table, staging / "governed" / f"{src.name}.parquet")
        governed[src.kind].append(table)
    progress("govern", n, n)
    timings["govern"] = time.perf_counter() - t

    t = time.perf_counter()
    report = quality.report(eng, sources, counts)
    quality.write(report, staging / "quality")
    timings["quality"] = time.perf_counter() - t

    links, entities = [], {}
    for kind in ("person", "enterprise"):
        kind_sources = [s for s in sources if s.kind == kind]
        if not governed[kind]:  # the contract promises both libraries: an empty one then
            eng.create(f"raw_none_{kind}", _EMPTY_RAW[eng.dialect])
            eng.create(
                f"gov_none_{kind}", govern.govern_sql(kind, f"raw_none_{kind}", [], dialect=eng.dialect)
            )
            governed[kind].append(f"gov_none_{kind}")
        t = time.perf_counter()
        stats = link.link_kind(eng, kind, governed[kind], threshold=threshold, progress=progress)
        timings[f"link_{kind}"] = time.perf_counter() - t
        t = time.perf_counter()
        progress(f"golden {kind}", 0, 1)
        name = "persons" if kind == "person" else "enterprises"
        eng.create(f"golden_{kind}", golden_sql(kind, f"{kind}_linked", kind_sources, eng.dialect))
        eng.write_parquet(f"SELECT * FROM golden_{kind} ORDER BY 1", staging / "fused" / f"{name}.parquet")
        entities[kind] = {**stats, "entities": eng.count(f"golden_{kind}")}
        links.append(
            f"SELECT source, record_id, entity_key, match_kind, match_probability FROM {kind}_linked"
        )
        progress(f"golden {kind}", 1, 1)
        timings[f"golden_{kind}"] = time.perf_counter() - t
    eng.write_parquet(" UNION ALL ".join(links), staging / "fused" / "links.parquet")
    return {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "threshold": threshold,
        "sources": counts,
        "entities": entities,
        "rows_in": sum(c["rows"] for c in counts.values()),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "quality": {"issues": report["totals"]},
    }


_EMPTY_RAW = {
    "duckdb": "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS record_id, NULL::DATE AS as_of, "
    "NULL::BIGINT AS row_number WHERE false",
    "spark": "SELECT CAST(NULL AS STRING) AS source, CAST(NULL AS STRING) AS record_id, CAST(NULL AS DATE) AS as_of, "
    "CAST(NULL AS BIGINT) AS row_number WHERE false",
}
