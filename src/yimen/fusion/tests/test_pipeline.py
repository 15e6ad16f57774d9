"""The whole pipeline on a small demo population: outputs, accuracy, stable keys, atomic failure."""

import json

import duckdb
import pytest

from yimen.fusion.config import FusionError
from yimen.fusion.demo import demo_write
from yimen.fusion.evaluate import evaluate
from yimen.fusion.pipeline import fuse_run


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    demo_write(folder, persons=1500, seed=7)
    return folder


@pytest.fixture(scope="module")
def fused(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "run"
    summary = fuse_run(demo / "sources.yaml", out, threads=2)
    return out, summary


def q(sql):
    return duckdb.sql(sql).fetchall()


def test_every_output_of_the_contract_is_written(fused):
    out, summary = fused
    for name in (
        "governed",
        "quality/report.md",
        "quality/report.json",
        "fused/persons.parquet",
        "fused/enterprises.parquet",
        "fused/links.parquet",
        "run.json",
    ):
        assert (out / name).exists(), name
    assert not list(out.glob(".staging-*")) and not list(out.glob(".work-*"))
    assert json.loads((out / "run.json").read_text())["rows_in"] == summary["rows_in"]
    governed = sorted(p.stem for p in (out / "governed").glob("*.parquet"))
    assert governed == sorted(summary["sources"])
    # one link per input row, every row accounted for
    (n,) = q(f"SELECT count(*) FROM '{out}/fused/links.parquet'")[0]
    assert n == summary["rows_in"]
    kinds = dict(q(f"SELECT match_kind, count(*) FROM '{out}/fused/links.parquet' GROUP BY ALL"))
    assert kinds["deterministic"] > kinds["probabilistic"] > 0


def test_golden_records_carry_provenance_per_field(fused):
    out, _ = fused
    cols = [r[0] for r in q(f"DESCRIBE SELECT * FROM '{out}/fused/persons.parquet'")]
    for f in ("id_number", "name", "gender", "birth_date", "phone", "address", "division_code"):
        assert {f, f"{f}_source", f"{f}_record_id", f"{f}_as_of"} <= set(cols)
    assert {"person_key", "conflicts", "record_count"} <= set(cols)
    # a value's provenance points at a real governed row that holds that value
    key, name, src, rid = q(
        f"SELECT person_key, name, name_source, name_record_id FROM '{out}/fused/persons.parquet' "
        "WHERE name IS NOT NULL ORDER BY person_key LIMIT 1"
    )[0]
    (gname,) = q(f"SELECT name FROM '{out}/governed/{src}.parquet' WHERE record_id = '{rid}'")[0]
    assert gname == name
    (ekey,) = q(
        f"SELECT entity_key FROM '{out}/fused/links.parquet' WHERE source = '{src}' AND record_id = '{rid}'"
    )[0]
    assert ekey == key
    ecols = [r[0] for r in q(f"DESCRIBE SELECT * FROM '{out}/fused/enterprises.parquet'")]
    assert {"enterprise_key", "uscc", "uscc_source", "legal_rep_id_number", "status_as_of"} <= set(ecols)


def test_links_meet_the_precision_and_recall_targets_on_the_demo(fused, demo):
    out, _ = fused
    result = evaluate(out, demo / "truth.csv")
    assert result["precision"] >= 0.999, result
    assert result["recall"] >= 0.995, result


def test_keys_are_stable_across_runs(fused, demo, tmp_path):
    out, _ = fused
    again = tmp_path / "again"
    fuse_run(demo / "sources.yaml", again, threads=1)
    first = q(f"SELECT source, record_id, entity_key FROM '{out}/fused/links.parquet' ORDER BY ALL")
    second = q(f"SELECT source, record_id, entity_key FROM '{again}/fused/links.parquet' ORDER BY ALL")
    assert first == second


def test_a_failed_run_leaves_the_previous_output_untouched(fused, demo, tmp_path):
    out = tmp_path / "out"
    fuse_run(demo / "sources.yaml", out, threads=1)
    before = (out / "run.json").read_text()
    broken = tmp_path / "sources.yaml"
    text = (demo / "sources.yaml").read_text(encoding="utf-8").replace("extracts/", f"{demo}/extracts/")
    # the last source names a column its file does not have: reading fails after others were read
    broken.write_text(text.replace("就诊流水号", "流水号不存在"), encoding="utf-8")
    with pytest.raises(FusionError, match="流水号不存在"):
        fuse_run(broken, out, threads=1)
    assert (out / "run.json").read_text() == before
    assert sorted(p.name for p in out.iterdir()) == ["fused", "governed", "quality", "run.json"]


def test_a_failed_first_run_writes_nothing(demo, tmp_path):
    broken = tmp_path / "sources.yaml"
    text = (demo / "sources.yaml").read_text(encoding="utf-8").replace("extracts/", f"{demo}/extracts/")
    broken.write_text(text.replace("就诊流水号", "流水号不存在"), encoding="utf-8")
    with pytest.raises(FusionError):
        fuse_run(broken, tmp_path / "new-out", threads=1)
    assert not (tmp_path / "new-out").exists()
