"""The demo extracts: deterministic, true to sources.yaml and truth.csv, valid identifiers except where the
summary says noise was injected, and every kind of noise present at a small size."""

import collections
import csv
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import yaml
from stdnum.cn import ric, uscc

from yimen.fusion.demo import NOISE_RATES, ROWS_PER_PERSON, demo_write
from yimen.fusion.demo_people import TRADITIONAL

SIZE = 5000  # the smallest round size at which every noise kind occurs with the default seed
CONTRACT_KEYS = {"name", "department", "kind", "path", "encoding", "as_of", "record_id", "columns", "trust"}
PERSON_FIELDS = {"id_number", "name", "gender", "birth_date", "phone", "address", "division_code"}
ENTERPRISE_FIELDS = {
    "uscc",
    "name",
    "legal_rep_id_number",
    "legal_rep_name",
    "address",
    "established_date",
    "status",
}
ID_NOISE = ("legacy_id_15", "id_bad_check", "id_transposed", "id_missing")
FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
TRADITIONAL_CHARS = set(TRADITIONAL.values())
DATE_PATTERNS = {
    "iso": r"\d{4}-\d{2}-\d{2}",
    "slash": r"\d{4}/\d{1,2}/\d{1,2}",
    "compact": r"\d{8}",
    "cn": r"\d{4}年\d{1,2}月\d{1,2}日",
    "dot": r"\d{4}\.\d{1,2}\.\d{1,2}",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, demo_write(out, persons=SIZE)


def sources(out: Path) -> list[dict]:
    return yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))["sources"]


def read_extract(out: Path, src: dict) -> pa.Table:
    path = out / src["path"]
    if path.suffix == ".parquet":
        return pq.read_table(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    header = next(csv.reader([text.split("\n", 1)[0]]))
    options = pcsv.ConvertOptions(column_types={c: pa.string() for c in header}, strings_can_be_null=True)
    return pcsv.read_csv(pa.py_buffer(text.encode()), convert_options=options)


def mapped(out: Path, src: dict) -> dict[str, list]:
    """Canonical field -> values of the mapped column, plus the record ids under `record_id`."""
    table = read_extract(out, src)
    values = {field: table.column(col).to_pylist() for col, field in src["columns"].items()}
    values["record_id"] = table.column(src["record_id"]).to_pylist()
    return values


def truth_by_source(out: Path) -> dict[str, dict[str, str]]:
    table = pcsv.read_csv(
        out / "truth.csv",
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(["source", "record_id", "true_entity"], pa.string())
        ),
    )
    result = collections.defaultdict(dict)
    for s, r, e in zip(
        *(table.column(c).to_pylist() for c in ("source", "record_id", "true_entity")), strict=True
    ):
        result[s][r] = e
    return result


def valid_id(value) -> bool:
    value = unicodedata.normalize("NFKC", value or "")
    return len(value) == 18 and value[:17].isdigit() and ric.calc_check_digit(value) == value[17]


# --- determinism and shape -----------------------------------------------------------------------------------
def test_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path):
    runs = [(tmp_path / "a", 4406), (tmp_path / "b", 4406), (tmp_path / "c", 7)]
    for out, seed in runs:
        demo_write(out, persons=300, seed=seed)
    files = sorted(p.relative_to(runs[0][0]) for p in runs[0][0].rglob("*") if p.is_file())
    assert len(files) == 13  # 11 extracts, sources.yaml, truth.csv
    for rel in files:
        assert (runs[0][0] / rel).read_bytes() == (runs[1][0] / rel).read_bytes(), rel
    assert (runs[0][0] / "truth.csv").read_bytes() != (runs[2][0] / "truth.csv").read_bytes()
    assert (runs[0][0] / "extracts/tax.parquet").read_bytes() != (
        runs[2][0] / "extracts/tax.parquet"
    ).read_bytes()


def test_sources_yaml_follows_the_contract_and_every_mapped_column_exists(demo):
    out, summary = demo
    items = sources(out)
    assert [s["name"] for s in items] == list(summary["rows"])
    assert {s["kind"] for s in items} == {"person", "enterprise"}
    for src in items:
        assert set(src) <= CONTRACT_KEYS
        path = out / src["path"]
        assert not Path(src["path"]).is_absolute() and path.is_file()
        assert hasattr(src["as_of"], "year") and "2025-12-31" <= src["as_of"].isoformat() <= "2026-10-31"
        header = read_extract(out, src).schema.names
        assert src["record_id"] in header
        assert set(src["columns"]) <= set(header), src["name"]
        allowed = PERSON_FIELDS if src["kind"] == "person" else ENTERPRISE_FIELDS
        assert set(src["columns"].values()) <= allowed
        assert set(src["trust"]) <= set(src["columns"].values())
    person_sources = [s for s in items if s["kind"] == "person"]
    assert len(person_sources) == 8 and 2 <= len(items) - 8 <= 3
    # Each department names its columns its own way.
    id_columns = {next(c for c, f in s["columns"].items() if f == "id_number") for s in person_sources}
    assert len(id_columns) >= 5


def test_the_contract_reader_accepts_the_demo_sources(demo):
    config = pytest.importorskip("yimen.fusion.config")
    out, summary = demo
    loaded = config.sources_load(out / "sources.yaml")
    assert [s.name for s in loaded] == list(summary["rows"])
    assert next(s for s in loaded if s.name == "police_hukou").encoding is not None
    assert next(s for s in loaded if s.name == "migrant_registration").encoding is None


def test_two_csv_extracts_are_gbk_one_declared_and_two_are_parquet_of_strings(demo):
    out, _ = demo
    items = {s["name"]: s for s in sources(out)}
    for name in ("police_hukou", "migrant_registration"):
        raw = (out / items[name]["path"]).read_bytes()
        raw.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert items["police_hukou"]["encoding"] == "gbk"
    assert "encoding" not in items["migrant_registration"]
    parquet = [s for s in items.values() if s["path"].endswith(".parquet")]
    assert len(parquet) >= 2
    for src in parquet:
        assert all(t == pa.string() for t in pq.read_schema(out / src["path"]).types)
    for src in items.values():
        if src["path"].endswith(".csv") and src["name"] not in ("police_hukou", "migrant_registration"):
            (out / src["path"]).read_bytes().decode("utf-8")


def test_every_character_of_every_extract_is_gbk_encodable(demo):
    out, _ = demo
    for src in sources(out):
        table = read_extract(out, src)
        for column in table.column_names:
            "".join(v for v in table.column(column).to_pylist() if v).encode("gbk")


def test_truth_has_one_row_per_extract_row_and_record_ids_are_unique(demo):
    out, summary = demo
    truth = truth_by_source(out)
    for src in sources(out):
        ids = mapped(out, src)["record_id"]
        assert len(ids) == summary["rows"][src["name"]] > 0
        assert len(set(ids)) == len(ids)
        assert set(ids) == set(truth[src["name"]])
        prefix = "P" if src["kind"] == "person" else "E"
        assert all(re.fullmatch(rf"{prefix}\d{{6,7}}", e) for e in truth[src["name"]].values())
    assert sum(len(t) for t in truth.values()) == summary["total_rows"]


def test_rows_per_person_meet_the_benchmark_ratio(demo):
    _, summary = demo
    # 1.2 million persons -> 9.5-10.5 million person rows.
    assert 9.5 / 1.2 <= summary["person_rows"] / SIZE <= 10.5 / 1.2
    assert abs(summary["person_rows"] / SIZE - ROWS_PER_PERSON) < 0.3
    assert summary["enterprises"] == round(SIZE / 7.5)
    assert 0.45 < summary["migrants"] / SIZE < 0.5


def test_tiny_sizes_work_and_report_progress(tmp_path):
    stages = collections.defaultdict(list)
    summary = demo_write(
        tmp_path, persons=200, enterprises=30, progress=lambda s, d, t: stages[s].append((d, t))
    )
    assert summary["persons"] == 200 and summary["enterprises"] == 30
    assert set(summary["rows"]) <= set(stages)
    for name, rows in summary["rows"].items():
        assert stages[name][-1] == (rows, rows)
    assert "population" in stages


# --- identifiers and noise -----------------------------------------------------------------------------------
def test_ids_and_credit_codes_are_valid_except_where_noise_was_injected(demo):
    out, summary = demo
    for src in sources(out):
        values, noise = mapped(out, src), summary["noise_by_source"][src["name"]]
        for field in ("id_number", "legal_rep_id_number"):
            if field in values:
                invalid = sum(not valid_id(v) for v in values[field])
                assert invalid == sum(noise.get(k, 0) for k in ID_NOISE), (src["name"], field)
        if "uscc" in values:
            invalid = sum(v is None or not uscc.is_valid(v) for v in values["uscc"])
            assert invalid == noise.get("uscc_bad_check", 0) + noise.get("uscc_missing", 0)


def test_character_noise_counts_match_the_summary(demo):
    out, summary = demo
    for src in sources(out):
        values, noise = mapped(out, src), summary["noise_by_source"][src["name"]]
        fields = [f for f in values if f != "record_id"]
        fullwidth = sum(bool(v and FULLWIDTH.search(v)) for f in fields for v in values[f])
        traditional = sum(
            bool(v and set(v) & TRADITIONAL_CHARS)
            for f in fields
            if f in ("name", "address", "legal_rep_name")
            for v in values[f]
        )
        spaced = sum(bool(v and " " in v) for v in values.get("name", []))
        assert (fullwidth, traditional, spaced) == (
            noise.get("fullwidth", 0),
            noise.get("traditional", 0),
            noise.get("name_space", 0),
        ), src["name"]


def test_every_noise_kind_occurs_at_the_test_size(demo):
    _, summary = demo
    assert set(NOISE_RATES) | {"deceased_listed"} == {k for k, n in summary["noise"].items() if n > 0}
    assert summary["noise"] == dict(
        sorted(
            sum(
                (collections.Counter(c) for c in summary["noise_by_source"].values()), collections.Counter()
            ).items()
        )
    )


def test_legacy_15_digit_ids_only_for_persons_born_before_2000(demo):
    out, summary = demo
    seen = 0
    for src in sources(out):
        values = mapped(out, src)
        for i, v in enumerate(values.get("id_number", [])):
            if v and len(v) == 15:
                seen += 1
                assert v.isdigit()
                if "birth_date" in values:
                    year, month, day = birth(values["birth_date"][i])
                    assert year < 2000 and f"{year % 100:02d}{month:02d}{day:02d}" == v[6:12]
    assert seen == summary["noise"]["legacy_id_15"] > 0


def birth(value: str) -> tuple[int, int, int]:
    """Any of the date formats the extracts use -> (year, month, day)."""
    value = unicodedata.normalize("NFKC", value)
    parts = re.findall(r"\d+", value)
    if len(parts) == 1:
        parts = [value[:4], value[4:6], value[6:8]]
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def test_records_with_a_missing_or_broken_id_keep_name_and_birth_date(demo):
    out, _ = demo
    for src in sources(out):
        values = mapped(out, src)
        if "birth_date" not in values:
            continue
        broken = [i for i, v in enumerate(values["id_number"]) if not valid_id(v)]
        for i in broken:
            assert values["name"][i] and values["birth_date"][i], src["name"]
        if broken and "address" in values:
            assert all(values["address"][i] for i in broken)


def test_at_most_two_visible_noisy_fields_per_record(demo):
    out, _ = demo
    for src in sources(out):
        if src["kind"] != "person":
            continue
        values = mapped(out, src)
        births = values.get("birth_date", [])
        usual = max(DATE_PATTERNS, key=lambda f: sum(bool(re.fullmatch(DATE_PATTERNS[f], v)) for v in births))
        for i, rid in enumerate(values["record_id"]):
            id_number, name, address = values["id_number"][i], values["name"][i], values["address"][i]
            noisy = [
                not valid_id(id_number) or bool(FULLWIDTH.search(id_number or "")),
                bool(set(name) & TRADITIONAL_CHARS) or " " in name,
                bool(births) and not re.fullmatch(DATE_PATTERNS[usual], births[i]),
                bool(set(address) & TRADITIONAL_CHARS or FULLWIDTH.search(address)),
            ]
            assert sum(noisy) <= 2, (src["name"], rid)


def test_truth_is_right_every_valid_id_belongs_to_one_true_person(demo):
    out, _ = demo
    truth = truth_by_source(out)
    ids_of = collections.defaultdict(set)
    for src in sources(out):
        values = mapped(out, src)
        field = "id_number" if src["kind"] == "person" else None
        if field is None:
            continue
        for rid, v in zip(values["record_id"], values[field], strict=True):
            if valid_id(v):
                ids_of[truth[src["name"]][rid]].add(unicodedata.normalize("NFKC", v))
    assert all(len(ids) == 1 for ids in ids_of.values())
    assert len({next(iter(ids)) for ids in ids_of.values()}) == len(ids_of)


def test_gender_agrees_with_the_17th_digit(demo):
    out, _ = demo
    for src in sources(out):
        values = mapped(out, src)
        if "gender" not in values:
            continue
        for g, v in zip(values["gender"], values["id_number"], strict=True):
            if valid_id(v):
                male = int(unicodedata.normalize("NFKC", v)[16]) % 2 == 1
                assert g in (("男", "1", "M") if male else ("女", "2", "F"))


def test_locals_and_migrants_carry_their_birthplace_codes(demo):
    out, _ = demo
    items = {s["name"]: s for s in sources(out)}
    hukou = [v for v in mapped(out, items["police_hukou"])["id_number"] if valid_id(v)]
    assert (
        all(v.startswith("44") for v in hukou) and sum(v.startswith("4406") for v in hukou) / len(hukou) > 0.8
    )
    migrants = mapped(out, items["migrant_registration"])["id_number"]
    assert 0.17 < sum(v is None for v in migrants) / len(migrants) < 0.23
    present = [v for v in migrants if v]
    assert sum(not v.startswith("44") and not v.startswith("４４") for v in present) / len(present) > 0.7


def test_deceased_persons_have_a_death_record_and_stay_listed_elsewhere(demo):
    out, summary = demo
    truth = truth_by_source(out)
    civil = next(s for s in sources(out) if s["name"] == "civil_affairs")
    table = read_extract(out, civil)
    deaths = {
        truth["civil_affairs"][r]
        for r, e in zip(
            table.column("业务编号").to_pylist(), table.column("业务类型").to_pylist(), strict=True
        )
        if e == "死亡登记"
    }
    assert len(deaths) == summary["deceased"] > 0
    elsewhere = {e for s, rows in truth.items() if s != "civil_affairs" for e in rows.values()}
    assert len(deaths & elsewhere) / len(deaths) > 0.8
    assert summary["noise"]["deceased_listed"] > 0


def test_renamed_enterprises_keep_their_old_name_in_older_sources(demo):
    out, summary = demo
    truth = truth_by_source(out)
    items = {s["name"]: s for s in sources(out)}
    market = read_extract(out, items["market_regulation"])
    former = {
        truth["market_regulation"][r]: (n, f)
        for r, n, f in zip(
            *(market.column(c).to_pylist() for c in ("记录编号", "企业名称", "曾用名")), strict=True
        )
        if f
    }
    assert len(former) == summary["renamed_enterprises"] > 0
    old_names = 0
    for name in ("tax_enterprise", "food_licence"):
        values = mapped(out, items[name])
        for rid, n in zip(values["record_id"], values["name"], strict=True):
            entity = truth[name][rid]
            if entity in former and n == former[entity][1]:
                old_names += 1
    assert old_names == summary["noise"]["renamed_name"] > 0


def test_demo_imports_no_django():
    code = (
        "import sys; import yimen.fusion.demo, yimen.fusion.demo_people, yimen.fusion.demo_sources; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
