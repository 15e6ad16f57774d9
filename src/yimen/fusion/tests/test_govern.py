"""The govern stage: the Python reference rules, the same rules through DuckDB, and their agreement."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from yimen.fusion import chars, govern
from yimen.fusion.govern import (
    check_id_number,
    check_uscc,
    govern_date,
    govern_sql,
    id_check_char,
    parse_date,
    repair_id_15,
    standardise_name,
    standardise_phone,
    standardise_text,
    uscc_check_char,
)

AS_OF = dt.date(2026, 6, 30)


def make_id(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # python-stdnum, not our code


def mod11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 by its recursive definition, independent of the weight table."""
    p = 0
    for c in body:
        p = ((p + int(c)) * 2) % 11
    return "0123456789X"[(12 - p) % 11]


VALID_ID = make_id("440604", dt.date(1980, 1, 1), 123)  # sequence 123: odd, a man
VALID_USCC = "91440604MA4UJ1XQ2F"


def govern_rows(
    kind: str, rows: list[dict], fields: list[str] | None = None, as_of: dt.date = AS_OF
) -> list[dict]:
    """Govern rows (dicts of field -> text) through DuckDB; the result in row order, as dicts."""
    fields = (
        fields if fields is not None else sorted({f for r in rows for f in r if f in govern.FIELDS[kind]})
    )
    con = duckdb.connect()
    columns = ", ".join(f"{f} VARCHAR" for f in fields)
    con.execute(
        f"CREATE TABLE raw (source VARCHAR, record_id VARCHAR, as_of DATE, row_number BIGINT{', ' if fields else ''}{columns})"
    )
    values = [
        (r.get("source", "src"), f"r{i}", as_of, r.get("row_number", i), *(r.get(f) for f in fields))
        for i, r in enumerate(rows, 1)
    ]
    if values:
        con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * (4 + len(fields)))})", values)
    rel = con.sql(govern_sql(kind, "raw", fields))
    out = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    return sorted(out, key=lambda r: (r["source"], r["row_number"]))


def rules(row: dict) -> list[str]:
    return [i["rule"] for i in row["issues"]]


# --- character tables ------------------------------------------------------------------------------


def test_traditional_map_is_built_quickly_one_char_to_one_and_leaves_name_characters_alone():
    chars.traditional_map.cache_clear()
    start = time.perf_counter()
    table = chars.traditional_map()
    assert time.perf_counter() - start < 1.0
    assert len(table) > 3000
    assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())
    assert not set(table.values()) & set(table)  # converting twice changes nothing more
    assert {c: table[c] for c in "陳黃峯羣綫裏衞鍾"} == dict(
        zip("陳黃峯羣綫裏衞鍾", "陈黄峰群线里卫钟", strict=True)
    )
    for kept in "喆乾於陈黄":
        assert kept not in table


# --- Python reference: text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("陈　大文", "陈大文"),
        (" 陈 大 文 ", "陈大文"),
        ("陳大文", "陈大文"),
        ("黃", "黄"),
        ("張\u200b偉", "张伟"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽･买买提", "阿依古丽·买买提"),
        ("李峯", "李峰"),
        ("王喆", "王喆"),
        ("乾隆", "乾隆"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHNSMITH"),
        ("\u3000 ", None),
        (None, None),
    ],
)
def test_standardise_name(raw, expected):
    assert standardise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  廣東省　佛山市   禪城區 ", "广东省 佛山市 禅城区"),
        ("祖庙路１２号（东）", "祖庙路12号(东)"),
        ("季华五路\t22号", "季华五路 22号"),
        ("", None),
        (None, None),
    ],
)
def test_standardise_text(raw, expected):
    assert standardise_text(raw) == expected


PHONES = [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("86-13800138000", "13800138000"),
    ("8613800138000", "13800138000"),
    ("(+86)138-0013-8000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("0757-8312 3456", "075783123456"),
    ("(0757)83123456", "075783123456"),
    ("0757.83123456", "075783123456"),
    ("83123456", "075783123456"),
    ("8312-3456", "075783123456"),
    ("+86 757 8312 3456", "075783123456"),
    ("010-12345678", "01012345678"),
    ("12800138000", None),  # no 12x mobile prefix
    ("1380013800", None),  # ten digits
    ("03123456", None),  # a local number does not start with 0
    ("13800138000/13900139000", None),
    ("无", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), PHONES)
def test_standardise_phone(raw, expected):
    assert standardise_phone(raw) == expected


DATES = [
    ("2021-03-04", dt.date(2021, 3, 4)),
    ("2021/3/4", dt.date(2021, 3, 4)),
    ("20210304", dt.date(2021, 3, 4)),
    ("2021年3月4日", dt.date(2021, 3, 4)),
    ("2021.3.4", dt.date(2021, 3, 4)),
    ("２０２１－０３－０４", dt.date(2021, 3, 4)),
    (" 2021-03-04 10:20:30 ", dt.date(2021, 3, 4)),
    ("2021-03-04T10:20:30.123Z", dt.date(2021, 3, 4)),
    ("2021/3/4 0:00", dt.date(2021, 3, 4)),
    ("20210304102030", dt.date(2021, 3, 4)),
    ("2020-02-29", dt.date(2020, 2, 29)),
    ("2000-02-29", dt.date(2000, 2, 29)),
    ("1900-02-29", None),  # 1900 was not a leap year
    ("2021-02-29", None),
    ("2021-02-30", None),
    ("2021-04-31", None),
    ("2021-13-01", None),
    ("2021-00-10", None),
    ("0000-01-01", None),
    ("04/03/2021", None),
    ("2021-3", None),
    ("unknown", None),
    ("", None),
]


@pytest.mark.parametrize(("raw", "expected"), DATES)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_govern_date_names_the_rule():
    assert govern_date("2021-03-04", AS_OF) == (dt.date(2021, 3, 4), None)
    assert govern_date("2021-02-30", AS_OF) == (None, "date_unparsed")
    assert govern_date("1899-12-31", AS_OF) == (None, "date_out_of_range")
    assert govern_date("2026-07-01", AS_OF) == (None, "date_out_of_range")
    assert govern_date("2026-07-01") == (dt.date(2026, 7, 1), None)  # no as_of, no upper bound
    assert govern_date(" ", AS_OF) == (None, None)


# --- Python reference: identifiers -----------------------------------------------------------------


def test_id_check_char_agrees_with_mod_11_2_and_stdnum():
    for body in ("11010519491231002", "44060419800101123", "44060420011231000", "00000000000000000"):
        assert id_check_char(body) == mod11_2(body) == ric.calc_check_digit(body + "0")


def test_repair_id_15_inserts_19_and_computes_the_check_character():
    assert repair_id_15("440604800101123") == "44060419800101123" + mod11_2("44060419800101123")
    assert repair_id_15("440604800101123") == "440604198001011235"
    with pytest.raises(ValueError):
        repair_id_15("44060480010112")


def transposed(number: str, i: int) -> str:
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID_ID, ("valid", VALID_ID)),
        (" 4406 0419 8001 0112 3" + VALID_ID[-1] + " ", ("valid", VALID_ID)),
        ("".join(chr(ord(c) + 0xFEE0) for c in VALID_ID), ("valid", VALID_ID)),
        ("11010519491231002x", ("valid", "11010519491231002X")),
        ("440604800101123", ("repaired_15", "440604198001011235")),
        (VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1"), ("bad_checksum", None)),
        (transposed(VALID_ID, 14), ("bad_checksum", None)),  # 1 and 2 swapped in the sequence
        (make_id("440604", dt.date(2027, 1, 1), 1), ("bad_date", None)),  # born after as_of
        (make_id("440604", dt.date(1899, 12, 31), 1), ("bad_date", None)),
        ("44060419800230123" + mod11_2("44060419800230123"), ("bad_date", None)),  # 30 February
        ("440604800230123", ("bad_date", None)),
        ("4406041980010112", ("malformed", None)),
        ("44060419800101123Y", ("malformed", None)),
        ("无", ("malformed", None)),
        ("  ", ("missing", None)),
        (None, ("missing", None)),
    ],
)
def test_check_id_number(raw, expected):
    assert check_id_number(raw, AS_OF) == expected


def test_uscc_check_char_agrees_with_stdnum_and_the_known_code():
    assert check_uscc(VALID_USCC) == ("valid", VALID_USCC)
    # The code 91440604MA4UJ1XQ2K, often quoted as an example, fails its own check character:
    assert check_uscc("91440604MA4UJ1XQ2K") == ("bad_checksum", None)
    assert not uscc.is_valid("91440604MA4UJ1XQ2K")
    for first17 in ("91440604MA4UJ1XQ2", "91110000600037341", "12440604007084211", "Y1440604MA4UJ1X00"):
        code = first17 + uscc_check_char(first17)
        assert uscc_check_char(first17) == uscc.calc_check_digit(first17), code
        assert check_uscc(code) == ("valid", code)
    assert uscc.is_valid(VALID_USCC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 91440604ma4uj1xq2f ", ("valid", VALID_USCC)),
        ("９１４４０６０４ＭＡ４ＵＪ１ＸＱ２Ｆ", ("valid", VALID_USCC)),
        ("91440604MA4UJ1XQ2G", ("bad_checksum", None)),
        ("91440604MA4UJ1XQ2I", ("malformed", None)),  # I, O, S, V, Z are not in the alphabet
        ("91440604MA4UJ1XQ2", ("malformed", None)),
        ("440604000012345", ("malformed", None)),  # an old registration number
        ("", ("missing", None)),
    ],
)
def test_check_uscc(raw, expected):
    assert check_uscc(raw) == expected


# --- through DuckDB --------------------------------------------------------------------------------


def test_person_output_schema_is_complete_when_only_some_fields_are_mapped():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE raw (source VARCHAR, record_id VARCHAR, as_of DATE, row_number BIGINT, name VARCHAR)"
    )
    con.execute("INSERT INTO raw VALUES ('s', 'a', DATE '2026-06-30', 1, '陈大文')")
    rel = con.sql(govern_sql("person", "raw", ["name"]))
    assert list(zip(rel.columns, map(str, rel.types), strict=True)) == [
        *[("source", "VARCHAR"), ("record_id", "VARCHAR"), ("as_of", "DATE"), ("row_number", "BIGINT")],
        *[("id_number", "VARCHAR"), ("name", "VARCHAR"), ("gender", "VARCHAR"), ("birth_date", "DATE")],
        *[
            ("phone", "VARCHAR"),
            ("address", "VARCHAR"),
            ("division_code", "VARCHAR"),
            ("id_status", "VARCHAR"),
        ],
        *[(f"{f}_raw", "VARCHAR") for f in govern.PERSON_FIELDS],
        ("issues", 'STRUCT(field VARCHAR, "rule" VARCHAR, "value" VARCHAR)[]'),
    ]
    (row,) = rel.fetchall()
    # unmapped: NULL values, id_status missing, and no issue about fields the source does not have
    assert row == (
        *("s", "a", AS_OF, 1, None, "陈大文", None, None, None, None, None, "missing"),
        *(None, "陈大文", None, None, None, None, None, []),
    )


def test_enterprise_output_schema_and_a_source_that_maps_nothing():
    rel = duckdb.sql(
        govern_sql(
            "enterprise",
            "(SELECT 's' AS source, 'a' AS record_id, DATE '2026-06-30' AS as_of, 1::BIGINT AS row_number)",
            [],
        )
    )
    assert rel.columns == [
        *("source", "record_id", "as_of", "row_number"),
        *govern.ENTERPRISE_FIELDS,
        *("uscc_status", "legal_rep_id_status"),
        *(f"{f}_raw" for f in govern.ENTERPRISE_FIELDS),
        "issues",
    ]
    assert str(rel.types[list(rel.columns).index("established_date")]) == "DATE"
    (row,) = rel.fetchall()
    assert row[11:13] == ("missing", "missing")
    assert row[-1] == []


def test_names_and_addresses_through_duckdb():
    names = ["陈　大文", " 陳大文", "黃", "阿依古丽•买买提", "王喆", "李峯", "ＪＯＨＮ", "", None]
    addresses = ["  廣東省　佛山市   禪城區 ", "祖庙路１２号（东）", "季华五路\t22号", None]
    rows = govern_rows(
        "person", [{"name": n, "address": a} for n, a in zip(names, addresses + [None] * 5, strict=True)]
    )
    assert [r["name"] for r in rows] == [standardise_name(n) for n in names]
    assert [r["name"] for r in rows][:3] == ["陈大文", "陈大文", "黄"]
    assert [r["address"] for r in rows][:4] == [
        "广东省 佛山市 禅城区",
        "祖庙路12号(东)",
        "季华五路 22号",
        None,
    ]
    assert [rules(r) for r in rows] == [
        [],
        ["name_changed_variant"],
        ["name_changed_variant"],
        [],
        [],
        ["name_changed_variant"],
        [],
        ["name_missing"],
        ["name_missing"],
    ]
    assert rows[1]["issues"] == [{"field": "name", "rule": "name_changed_variant", "value": " 陳大文"}]


def test_a_traditional_address_with_many_distinct_characters_is_converted_whole():
    # more distinct traditional characters than DuckDB looks up one by one: the whole-table translate
    text = "廣東省佛山市禪城區祖廟街道蓮花路華遠東大廈號樓門窗"
    assert len({c for c in text if c in chars.traditional_map()}) > chars.SIMPLIFY_SLOTS
    (row,) = govern_rows("person", [{"address": text}])
    assert row["address"] == standardise_text(text) == "广东省佛山市禅城区祖庙街道莲花路华远东大厦号楼门窗"


def test_phones_through_duckdb():
    rows = govern_rows("person", [{"phone": raw} for raw, _ in PHONES])
    assert [r["phone"] for r in rows] == [expected for _, expected in PHONES]
    invalid = [r["phone_raw"] for r in rows if "phone_invalid" in rules(r)]
    assert invalid == [raw for raw, expected in PHONES if expected is None and raw]


def test_dates_through_duckdb():
    cases = [*DATES, ("1899-12-31", None), ("2026-07-01", None), ("2026-06-30", AS_OF)]
    rows = govern_rows("person", [{"birth_date": raw} for raw, _ in cases])
    assert [r["birth_date"] for r in rows] == [expected for _, expected in cases]
    assert [rules(r) for r in rows[-3:]] == [["date_out_of_range"], ["date_out_of_range"], []]
    assert rules(rows[[raw for raw, _ in cases].index("2021-02-30")]) == ["date_unparsed"]
    assert rules(rows[[raw for raw, _ in cases].index("")]) == []


def test_ids_through_duckdb_with_their_issues():
    wrong_check = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    swapped = transposed(VALID_ID, 14)
    late = make_id("440604", dt.date(2027, 1, 1), 1)
    raws = [VALID_ID, "440604800101125", wrong_check, swapped, late, "4406041980", "", None]
    rows = govern_rows("person", [{"id_number": r} for r in raws])
    assert [(r["id_status"], r["id_number"]) for r in rows] == [check_id_number(r, AS_OF) for r in raws]
    assert [r["id_status"] for r in rows] == [
        *(
            "valid",
            "repaired_15",
            "bad_checksum",
            "bad_checksum",
            "bad_date",
            "malformed",
            "missing",
            "missing",
        )
    ]
    assert [r["id_number_raw"] for r in rows] == raws
    assert [r["issues"] for r in rows] == [
        [],
        [{"field": "id_number", "rule": "id_repaired_15", "value": "440604800101125"}],
        [{"field": "id_number", "rule": "id_bad_checksum", "value": wrong_check}],
        [{"field": "id_number", "rule": "id_bad_checksum", "value": swapped}],
        [{"field": "id_number", "rule": "id_bad_date", "value": late}],
        [{"field": "id_number", "rule": "id_malformed", "value": "4406041980"}],
        [{"field": "id_number", "rule": "id_missing", "value": ""}],
        [{"field": "id_number", "rule": "id_missing", "value": None}],
    ]


def test_id_birth_and_gender_mismatch_keep_both_values():
    rows = govern_rows(
        "person",
        [
            {"id_number": VALID_ID, "birth_date": "1980-01-01", "gender": "男"},
            {"id_number": VALID_ID, "birth_date": "1980-01-02", "gender": "女"},
            {"id_number": "440604800101125", "birth_date": "19800101", "gender": "2"},  # repaired: 125 odd
        ],
    )
    assert [(r["birth_date"], r["gender"]) for r in rows] == [
        (dt.date(1980, 1, 1), "M"),
        (dt.date(1980, 1, 2), "F"),
        (dt.date(1980, 1, 1), "F"),
    ]
    assert rules(rows[0]) == []
    assert rows[1]["issues"] == [
        {"field": "id_number", "rule": "duplicate_in_source", "value": VALID_ID},
        {"field": "gender", "rule": "id_gender_mismatch", "value": "女"},
        {"field": "birth_date", "rule": "id_birth_mismatch", "value": "1980-01-02"},
    ]
    assert rules(rows[2]) == ["id_repaired_15", "id_gender_mismatch"]


def test_duplicates_within_a_source_are_flagged_from_the_second_row_on_and_kept():
    other = make_id("440604", dt.date(1990, 5, 6), 2)
    rows = govern_rows(
        "person",
        [
            {"id_number": VALID_ID, "row_number": 5},
            {"id_number": VALID_ID, "row_number": 2},  # the first by row_number
            {"id_number": " " + VALID_ID.lower(), "row_number": 9},  # the same once normalised
            {"id_number": other, "row_number": 3},
            {"id_number": other, "row_number": 4, "source": "another"},  # another source: not a duplicate
            {"id_number": VALID_ID[:17] + "0", "row_number": 6},  # invalid values are never duplicates
            {"id_number": VALID_ID[:17] + "0", "row_number": 7},
            {"id_number": "440604800101123", "row_number": 8},  # repaired to VALID_ID
        ],
    )
    flagged = {(r["source"], r["row_number"]) for r in rows if "duplicate_in_source" in rules(r)}
    assert flagged == {("src", 5), ("src", 8), ("src", 9)}
    assert repair_id_15("440604800101123") == VALID_ID
    assert len(rows) == 8


def test_gender_and_division_through_duckdb():
    genders = ["男", "女", "M", "f", "Male", "FEMALE", "１", "2", " 男性 ", "未知", "0", "", None]
    divisions = ["440604", "440604001", "440604001001", " 440604 ", "４４０６０４", "4406", "禅城区", None]
    rows = govern_rows(
        "person",
        [{"gender": g, "division_code": d} for g, d in zip(genders, divisions + [None] * 5, strict=True)],
    )
    assert [r["gender"] for r in rows] == [*"MFMFMFMFM", None, None, None, None]
    assert [r["division_code"] for r in rows][:8] == [
        *("440604", "440604001", "440604001001", "440604", "440604", None, None, None)
    ]
    assert [rules(r) for r in rows] == [
        *([], [], [], [], []),
        ["division_unknown"],
        ["division_unknown"],
        *([], []),
        ["gender_unknown"],
        ["gender_unknown"],
        *([], []),
    ]


def test_enterprise_rules_through_duckdb():
    other = "91110000600037341" + uscc_check_char("91110000600037341")
    rows = govern_rows(
        "enterprise",
        [
            {
                "uscc": " 91440604ma4uj1xq2f",
                "name": "佛山市禪城區某某有限公司",
                "legal_rep_id_number": VALID_ID,
                "legal_rep_name": "陳　大文",
                "address": "祖廟路１號",
                "established_date": "2015年6月1日",
                "status": "存续（在营、开业、在册）",
            },
            {
                "uscc": VALID_USCC,
                "name": "佛山某公司",
                "status": "吊销，未注销",
                "legal_rep_id_number": "440604800101123",
            },
            {"uscc": "91440604MA4UJ1XQ2K", "name": "", "status": "注销", "legal_rep_id_number": ""},
            {"uscc": "9144060", "name": "某店", "status": "迁出", "established_date": "2027-01-01"},
            {"uscc": None, "name": "某厂", "status": "歇业"},
            {"uscc": other, "name": "某企业", "status": "active"},
        ],
        fields=list(govern.ENTERPRISE_FIELDS),
    )
    assert [(r["uscc_status"], r["uscc"]) for r in rows] == [
        ("valid", VALID_USCC),
        ("valid", VALID_USCC),
        ("bad_checksum", None),
        ("malformed", None),
        ("missing", None),
        ("valid", other),
    ]
    assert [r["status"] for r in rows] == ["active", "revoked", "cancelled", "moved_out", None, "active"]
    assert [r["legal_rep_id_status"] for r in rows] == [
        *("valid", "repaired_15", "missing", "missing", "missing", "missing")
    ]
    first = rows[0]
    assert (first["name"], first["legal_rep_name"], first["address"]) == (
        "佛山市禅城区某某有限公司",
        "陈大文",
        "祖庙路1号",
    )
    assert first["legal_rep_id_number"] == VALID_ID
    assert first["established_date"] == dt.date(2015, 6, 1)
    assert rules(first) == ["name_changed_variant", "name_changed_variant"]
    assert [i["field"] for i in first["issues"]] == ["name", "legal_rep_name"]
    assert rules(rows[1]) == ["duplicate_in_source", "id_repaired_15"]
    assert rows[1]["issues"][1]["field"] == "legal_rep_id_number"
    assert rules(rows[2]) == ["uscc_bad_checksum", "name_missing", "id_missing"]
    assert rules(rows[3]) == ["uscc_malformed", "id_missing", "date_out_of_range"]
    assert rows[4]["issues"] == [
        {"field": "uscc", "rule": "uscc_missing", "value": None},
        {"field": "legal_rep_id_number", "rule": "id_missing", "value": None},
        {"field": "status", "rule": "status_unknown", "value": "歇业"},
    ]
    assert rules(rows[5]) == ["id_missing"]


def test_govern_sql_rejects_what_it_does_not_know():
    with pytest.raises(ValueError, match="kind"):
        govern_sql("vehicle", "raw", [])
    with pytest.raises(ValueError, match="uscc"):
        govern_sql("person", "raw", ["name", "uscc"])
    with pytest.raises(ValueError, match="dialect"):
        govern_sql("person", "raw", ["name"], dialect="oracle")


def test_the_package_imports_no_django():
    code = (
        "import sys; import yimen.fusion.govern, yimen.fusion.chars; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- DuckDB and Python agree -----------------------------------------------------------------------

_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_NOISE = "0123456789Xx -+/.():T年月日\u3000\t０１２３４５６７８９Ｘｘ－＋"


@st.composite
def id_like(draw) -> str:
    birth = draw(st.dates(dt.date(1880, 1, 1), dt.date(2035, 12, 31)))
    number = make_id(draw(st.sampled_from(["440604", "110105", "000000"])), birth, draw(st.integers(0, 999)))
    kind = draw(st.sampled_from(["valid", "legacy", "typo", "swap", "dressed", "noise", "text"]))
    if kind == "legacy":
        return number[:6] + number[8:17]
    if kind == "typo":
        i = draw(st.integers(0, 17))
        return number[:i] + draw(st.sampled_from("0123456789X")) + number[i + 1 :]
    if kind == "swap":
        return transposed(number, draw(st.integers(0, 16)))
    if kind == "dressed":
        return " ".join([number[:6], number[6:14], number[14:]]).translate({ord("X"): "x"})
    if kind == "noise":
        return draw(st.text(alphabet=_NOISE, max_size=20))
    return number if kind == "valid" else draw(st.text(alphabet=_TEXT, max_size=20))


phone_like = st.one_of(
    st.from_regex(r"\A(\+86|0086|86|\(\+86\))?[ -]?1[3-9][0-9]{9}\Z"),
    st.from_regex(r"\A(\+86 ?)?\(?0?[1-9][0-9]{1,3}\)?[- .]?[0-9]{3,4}[ -]?[0-9]{4}\Z"),
    st.text(alphabet=_NOISE + "86", max_size=16),
    st.text(alphabet=_TEXT, max_size=16),
)
date_like = st.one_of(
    st.builds(
        lambda d, fmt: d.strftime(fmt).replace("-0", "-"),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
        st.sampled_from(
            ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        ),
    ),
    st.from_regex(r"\A[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?( [0-9]{1,2}:[0-9]{2})?\Z"),
    st.from_regex(r"\A[0-9]{8}([0-9]{6})?\Z"),
    st.text(alphabet=_NOISE, max_size=22),
    st.text(alphabet=_TEXT, max_size=12),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.tuples(id_like(), phone_like, date_like), min_size=1, max_size=40))
def test_duckdb_agrees_with_python_on_ids_phones_and_dates(values):
    rows = govern_rows(
        "person",
        [{"id_number": i, "phone": p, "birth_date": d} for i, p, d in values],
        ["id_number", "phone", "birth_date"],
    )
    for row, (i, p, d) in zip(rows, values, strict=True):
        assert (row["id_status"], row["id_number"]) == check_id_number(i, AS_OF), i
        assert row["phone"] == standardise_phone(p), p
        date, rule = govern_date(d, AS_OF)
        assert row["birth_date"] == date, d
        date_rules = [x["rule"] for x in row["issues"] if x["rule"].startswith("date_")]
        assert date_rules == ([rule] if rule else []), d


_HAN = st.sampled_from(sorted(chars.traditional_map())) | st.characters(
    min_codepoint=0x4E00, max_codepoint=0x9FFF
)
name_like = st.text(alphabet=_HAN | st.sampled_from(" \u3000·•・ＡＢ１２\t\u200b-") | _TEXT, max_size=30)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(name_like, min_size=1, max_size=40))
def test_duckdb_agrees_with_python_on_names_and_text(values):
    rows = govern_rows("person", [{"name": v, "address": v} for v in values], ["name", "address"])
    for row, v in zip(rows, values, strict=True):
        assert row["name"] == standardise_name(v), v
        assert row["address"] == standardise_text(v), v
        assert ("name_changed_variant" in rules(row)) == govern.name_changed_variant(v), v
