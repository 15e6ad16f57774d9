"""Reading extracts: encodings, headers and record ids; every bad file is named with its column and row."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yimen.fusion import read
from yimen.fusion.config import FusionError, Source
from yimen.fusion.engine import DuckDBEngine

HEADER = "记录号,身份证号,姓名,电话\n"
ROWS = "r1,440604199001011234,陳大文,13800138000\nr2,44060419900101123X,李 小明,\n"


def source(path, **kw):
    defaults = dict(
        name="police",
        department="公安局",
        kind="person",
        path=path,
        as_of=dt.date(2026, 6, 30),
        record_id="记录号",
        columns={"身份证号": "id_number", "姓名": "name", "电话": "phone"},
        trust={},
    )
    return Source(**{**defaults, **kw})


@pytest.fixture
def engine(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    eng = DuckDBEngine(work, threads=1)
    yield eng
    eng.close()


def test_a_utf8_csv_is_read_with_row_numbers_and_only_mapped_fields(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    table = engine.read_source(source(path))
    assert engine.columns(table) == [
        "source",
        "record_id",
        "as_of",
        "row_number",
        "id_number",
        "name",
        "phone",
    ]
    rows = engine.rows(f"SELECT record_id, row_number, name, phone, as_of FROM {table} ORDER BY row_number")
    assert rows == [
        ("r1", 1, "陳大文", "13800138000", dt.date(2026, 6, 30)),
        ("r2", 2, "李 小明", None, dt.date(2026, 6, 30)),
    ]


def test_gbk_is_read_when_declared_and_when_detected(tmp_path, engine):
    path = tmp_path / "g.csv"
    path.write_bytes((HEADER + ROWS).encode("gbk"))
    assert read.detect_encoding(path) == "gb18030"
    for declared in ("gb18030", None):
        table = engine.read_source(source(path, encoding=declared))
        assert engine.rows(f"SELECT name FROM {table} ORDER BY row_number")[0] == ("陳大文",)


def test_a_gbk_file_declared_utf8_is_refused_with_its_line(tmp_path, engine):
    path = tmp_path / "g.csv"
    path.write_bytes((HEADER + ROWS).encode("gbk"))
    with pytest.raises(FusionError) as err:
        engine.read_source(source(path, encoding="utf-8"))
    assert "not valid UTF-8" in str(err.value) and "line 1" in str(err.value) and str(path) in str(err.value)


def test_an_undecodable_file_is_refused(tmp_path, engine):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"r1,\xff\xff\xfe\x80,x,y\n")
    with pytest.raises(FusionError, match="cannot be decoded as UTF-8 or GBK") as err:
        engine.read_source(source(path))
    assert err.value.file == path


def test_a_mapped_column_missing_from_the_header_is_named(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_text(HEADER.replace("电话", "手机") + ROWS, encoding="utf-8")
    with pytest.raises(FusionError) as err:
        engine.read_source(source(path))
    assert err.value.column == "电话"
    assert "header has: 记录号, 身份证号, 姓名, 手机" in str(err.value)


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + ROWS + "r3,440604199001011234,王五,138,extra\n", encoding="utf-8")
    with pytest.raises(FusionError, match="different number of fields") as err:
        engine.read_source(source(path))
    assert err.value.row == 3


def test_a_header_naming_a_column_twice_is_refused(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_text("记录号,姓名,姓名,电话,身份证号\nr1,a,b,c,d\n", encoding="utf-8")
    with pytest.raises(FusionError, match="names this column twice") as err:
        engine.read_source(source(path))
    assert err.value.column == "姓名"


def test_empty_and_repeated_record_ids_are_refused_with_rows(tmp_path, engine):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + ROWS + "r1,440604199001011234,王五,\n", encoding="utf-8")
    with pytest.raises(FusionError, match="'r1' is not unique") as err:
        engine.read_source(source(path))
    assert err.value.row == 3 and err.value.column == "记录号"
    path.write_text(HEADER + ROWS + ",440604199001011234,王五,\n", encoding="utf-8")
    with pytest.raises(FusionError, match="record id is empty") as err:
        engine.read_source(source(path))
    assert err.value.row == 3


def test_parquet_is_read_and_checked_like_csv(tmp_path, engine):
    path = tmp_path / "p.parquet"
    pq.write_table(
        pa.table(
            {"记录号": ["a", "b"], "身份证号": ["1", None], "姓名": ["张三", "李四"], "电话": ["1", "2"]}
        ),
        path,
    )
    table = engine.read_source(source(path))
    assert engine.count(table) == 2
    pq.write_table(pa.table({"记录号": ["a"], "姓名": ["张三"]}), path)
    with pytest.raises(FusionError) as err:
        engine.read_source(source(path))
    assert err.value.column == "身份证号"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(FusionError, match="not a readable Parquet file"):
        engine.read_source(source(path))
