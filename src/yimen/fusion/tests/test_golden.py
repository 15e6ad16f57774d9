"""Survivorship: the most trusted source wins, then the latest extract; provenance and conflicts kept."""

import datetime as dt
from pathlib import Path

import duckdb

from yimen.fusion.config import Source
from yimen.fusion.golden import golden_sql


def source(name, trust, as_of="2026-06-30"):
    return Source(
        name=name,
        department="部门",
        kind="person",
        path=Path("/dev/null"),
        as_of=dt.date.fromisoformat(as_of),
        record_id="id",
        columns={},
        trust=trust,
    )


def linked(con, rows):
    con.execute(
        """CREATE TABLE linked_in (entity_key VARCHAR, source VARCHAR, record_id VARCHAR, as_of DATE,
           id_number VARCHAR, name VARCHAR, gender VARCHAR, birth_date DATE, phone VARCHAR, address VARCHAR,
           division_code VARCHAR)"""
    )
    con.executemany("INSERT INTO linked_in VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "CREATE TABLE linked AS SELECT *, row_number() OVER (PARTITION BY source ORDER BY record_id) AS row_number FROM linked_in"
    )


def golden(rows, sources):
    con = duckdb.connect()
    linked(con, rows)
    cur = con.execute(golden_sql("person", "linked", sources, "duckdb") + " ORDER BY 1")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


ID = "440604199001011234"


def test_the_most_trusted_source_wins_per_field_and_says_where_from():
    sources = [source("police", {"name": 10, "address": 5}), source("health", {"name": 3, "address": 8})]
    (g,) = golden(
        [
            (
                "P1",
                "police",
                "p-1",
                "2026-06-30",
                ID,
                "陈大文",
                "M",
                "1990-01-01",
                None,
                "旧地址1号",
                "440604",
            ),
            ("P1", "health", "h-9", "2026-09-30", ID, "陈大雯", "M", None, "13800138000", "新地址2号", None),
        ],
        sources,
    )
    assert g["person_key"] == "P1"
    assert (g["name"], g["name_source"], g["name_record_id"]) == ("陈大文", "police", "p-1")
    assert (g["address"], g["address_source"], g["address_as_of"]) == (
        "新地址2号",
        "health",
        dt.date(2026, 9, 30),
    )
    # a field only one source has comes from it, whatever its trust
    assert (g["phone"], g["phone_source"]) == ("13800138000", "health")
    assert g["birth_date"] == dt.date(1990, 1, 1)
    assert g["record_count"] == 2
    lost = {(c["field"], c["value"]) for c in g["conflicts"]}
    assert lost == {("name", "陈大雯"), ("address", "旧地址1号")}


def test_equal_trust_falls_back_to_the_latest_extract_and_missing_values_never_win():
    sources = [source("a", {"phone": 5}), source("b", {"phone": 5})]
    (g,) = golden(
        [
            ("P1", "a", "1", "2025-12-31", ID, "陈大文", None, None, "13800000001", None, None),
            ("P1", "b", "2", "2026-10-31", ID, None, None, None, "13800000002", None, None),
            ("P1", "b", "3", "2026-10-31", ID, None, None, None, None, None, None),
        ],
        sources,
    )
    assert (g["phone"], g["phone_record_id"]) == ("13800000002", "2")
    assert g["name"] == "陈大文"  # the later records have no name: the only name survives
    assert g["gender"] is None and g["gender_source"] is None
    assert [c["value"] for c in g["conflicts"]] == ["13800000001"]


def test_the_same_value_from_several_sources_is_not_a_conflict_and_entities_stay_apart():
    sources = [source("a", {}), source("b", {})]
    out = golden(
        [
            ("P1", "a", "1", "2026-01-01", ID, "陈大文", "M", None, None, None, None),
            ("P1", "b", "1", "2026-01-01", ID, "陈大文", "M", None, None, None, None),
            ("P2", "a", "2", "2026-01-01", None, "李小明", "F", None, None, None, None),
        ],
        sources,
    )
    assert [g["person_key"] for g in out] == ["P1", "P2"]
    assert out[0]["conflicts"] == [] and out[0]["record_count"] == 2
    # tie on trust and date: a fixed order decides, so reruns agree
    assert out[0]["name_source"] == "b"
    assert out[1]["name"] == "李小明" and out[1]["id_number"] is None
