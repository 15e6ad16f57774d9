"""The govern SQL gives the same rows on Apache Spark (local mode, ANSI on as by default) as on DuckDB."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from yimen.fusion import chars, govern
from yimen.fusion.govern import govern_sql
from yimen.fusion.tests.test_govern import AS_OF, DATES, PHONES, VALID_ID, VALID_USCC, make_id, transposed

pytestmark = pytest.mark.slow
OTHER_USCC = "91110000600037341" + govern.uscc_check_char("91110000600037341")
pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("yimen-govern-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def noisy(rng: random.Random, n: int) -> list[str]:
    """Strings that exercise every rule: ids, phones, dates, traditional and full width text."""
    traditional = sorted(chars.traditional_map())
    alphabet = "0123456789Xx -+/.():T年月日男女\u3000\t\u200b·•・０１２３４５６７８９Ｘ－＋（）"
    out = []
    for _ in range(n):
        kind = rng.randrange(4)
        if kind == 0:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))))
        elif kind == 1:
            birth = dt.date(rng.randint(1890, 2030), rng.randint(1, 12), rng.randint(1, 28))
            number = make_id("440604", birth, rng.randint(0, 999))
            out.append(
                rng.choice([number, number[:6] + number[8:17], transposed(number, rng.randint(0, 16))])
            )
        elif kind == 2:
            out.append(
                "".join(rng.choice(traditional + list("陈大文佛山市 ")) for _ in range(rng.randint(1, 30)))
            )
        else:
            codes = (rng.randint(0x20, 0xFFEF) for _ in range(rng.randint(0, 8)))
            out.append("".join(chr(c) for c in codes if not 0xD800 <= c < 0xE000))  # no surrogates
    return out


def inputs(kind: str) -> tuple[list[str], list[tuple]]:
    fields = list(govern.FIELDS[kind])
    rng = random.Random(20260630)
    if kind == "person":
        fixed = [
            [
                VALID_ID,
                "陈　大文",
                "男",
                "1980-01-01",
                "+86 138 0013 8000",
                "  廣東省　佛山市   禪城區 ",
                "440604",
            ],
            [VALID_ID, "陳大文", "女", "1980-01-02", "83123456", "祖庙路１２号（东）", "４４０６０４"],
            ["440604800101125", "阿依古丽•买买提", "2", "19800101", "0757-8312 3456", None, "4406"],
            ["", "", "未知", "2021-02-30", "无", "廣東省佛山市禪城區祖廟街道蓮花路華遠東大廈號樓門窗", None],
        ]
        for i in range(max(len(PHONES), len(DATES))):
            phone = PHONES[i][0] if i < len(PHONES) else None
            date = DATES[i][0] if i < len(DATES) else None
            fixed.append([None, None, None, date, phone, None, None])
    else:
        fixed = [
            [
                " 91440604ma4uj1xq2f",
                "佛山市禪城區某某有限公司",
                VALID_ID,
                "陳　大文",
                "祖廟路１號",
                "2015年6月1日",
                "存续",
            ],
            [VALID_USCC, "", "440604800101123", None, None, "2027-01-01", "吊销，未注销"],
            ["91440604MA4UJ1XQ2K", "某店", "", "李峯", "", "2015.6.1", "迁出"],
            [None, None, None, None, None, None, "歇业"],
            [OTHER_USCC, "佛山某公司", VALID_ID, "陈大文", "祖庙路1号", "2015-06-01", "存续"],
        ]
    columns = list(zip(*fixed, strict=True))
    random_columns = [noisy(rng, 120) for _ in fields]
    rows = []
    for i, values in enumerate([*zip(*columns, strict=True), *zip(*random_columns, strict=True)], 1):
        rows.append(("src" if i % 5 else "other", f"r{i}", AS_OF, i, *values))
    return fields, rows


def normalise(row) -> tuple:
    out = []
    for value in row:
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, list):  # issues
            value = tuple(
                (i["field"], i["rule"], i["value"]) if isinstance(i, dict) else (i.field, i.rule, i.value)
                for i in value
            )
        out.append(value)
    return tuple(out)


@pytest.mark.parametrize("kind", ["person", "enterprise"])
def test_spark_and_duckdb_govern_alike(spark, kind):
    from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType

    fields, rows = inputs(kind)
    schema = StructType(
        [
            StructField("source", StringType()),
            StructField("record_id", StringType()),
            StructField("as_of", DateType()),
            StructField("row_number", LongType()),
            *(StructField(f, StringType()) for f in fields),
        ]
    )
    spark.createDataFrame(rows, schema).createOrReplaceTempView("raw")
    on_spark = spark.sql(govern_sql(kind, "raw", fields, dialect="spark"))

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE raw (source VARCHAR, record_id VARCHAR, as_of DATE, row_number BIGINT, "
        + ", ".join(f"{f} VARCHAR" for f in fields)
        + ")"
    )
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(schema.fields))})", rows)
    on_duckdb = con.sql(govern_sql(kind, "raw", fields))

    assert on_spark.columns == on_duckdb.columns
    spark_rows = sorted(normalise(r) for r in on_spark.collect())
    duckdb_rows = sorted(normalise(r) for r in on_duckdb.fetchall())
    assert len(spark_rows) == len(rows)
    assert spark_rows == duckdb_rows
    # the input did reach the rules: not everything clean, not everything rejected
    assert any(r[-1] for r in duckdb_rows) and any(not r[-1] for r in duckdb_rows)
