"""Small fusion outputs written with pyarrow exactly as docs/fusion.md describes them (fused/persons.parquet,
fused/enterprises.parquet, fused/links.parquet, run.json), for the registry loader's tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PERSON_FIELDS = ("id_number", "name", "gender", "birth_date", "phone", "address", "division_code")
ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "legal_rep_id_number",
    "legal_rep_name",
    "address",
    "established_date",
    "status",
)
DATE_FIELDS = {"birth_date", "established_date"}
CONFLICT = pa.struct(
    [("field", pa.string()), ("value", pa.string()), ("source", pa.string()), ("record_id", pa.string())]
)
SOURCES = [
    {"name": "police_hukou", "department": "公安局", "kind": "person"},
    {"name": "hrss_insured", "department": "人力资源和社会保障局", "kind": "person"},
    {"name": "amr_registry", "department": "市场监督管理局", "kind": "enterprise"},
]


def _schema(key: str, fields: tuple[str, ...]) -> pa.Schema:
    columns = [(key, pa.string())]
    columns += [(f, pa.date32() if f in DATE_FIELDS else pa.string()) for f in fields]
    for f in fields:
        columns += [
            (f"{f}_source", pa.string()),
            (f"{f}_record_id", pa.string()),
            (f"{f}_as_of", pa.date32()),
        ]
    columns += [("conflicts", pa.list_(CONFLICT)), ("record_count", pa.int64())]
    return pa.schema(columns)


PERSON_SCHEMA = _schema("person_key", PERSON_FIELDS)
ENTERPRISE_SCHEMA = _schema("enterprise_key", ENTERPRISE_FIELDS)
LINKS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("entity_key", pa.string()),
        ("match_kind", pa.string()),
        ("match_probability", pa.float64()),
    ]
)


def golden(
    fields: tuple[str, ...],
    key_field: str,
    key_prefix: str,
    values: dict,
    *,
    source: str,
    record_id: str,
    as_of: dt.date,
    provenance: dict | None = None,
    conflicts: list[dict] | None = None,
) -> dict:
    """One golden record: each non-null field from `source`/`record_id`/`as_of` unless `provenance`
    names another (field -> (source, record_id, as_of))."""
    key = values.get(key_field)
    ident = (
        hashlib.sha256(key.encode()).hexdigest()[:16]
        if key
        else "~" + hashlib.sha256(f"{source}:{record_id}".encode()).hexdigest()[:16]
    )
    row = {f"{key_prefix}_key": key_prefix[0].upper() + ident}
    for f in fields:
        value = values.get(f)
        row[f] = value
        src, rec, date = (provenance or {}).get(f, (source, record_id, as_of))
        present = value is not None
        row[f"{f}_source"] = src if present else None
        row[f"{f}_record_id"] = rec if present else None
        row[f"{f}_as_of"] = date if present else None
    row["conflicts"] = conflicts or []
    row["record_count"] = 1 + len({c["record_id"] for c in conflicts or []})
    return row


def person(
    values: dict, *, source="police_hukou", record_id="GA-1", as_of=dt.date(2026, 6, 30), **kw
) -> dict:
    return golden(
        PERSON_FIELDS, "id_number", "person", values, source=source, record_id=record_id, as_of=as_of, **kw
    )


def enterprise(
    values: dict, *, source="amr_registry", record_id="SJ-1", as_of=dt.date(2026, 6, 30), **kw
) -> dict:
    return golden(
        ENTERPRISE_FIELDS, "uscc", "enterprise", values, source=source, record_id=record_id, as_of=as_of, **kw
    )


def write_output(
    out: Path, persons: list[dict], enterprises: list[dict] | None = None, *, run: dict | None = None
) -> Path:
    """Write a fusion output directory and return it."""
    fused = out / "fused"
    fused.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(persons, schema=PERSON_SCHEMA), fused / "persons.parquet")
    pq.write_table(
        pa.Table.from_pylist(enterprises or [], schema=ENTERPRISE_SCHEMA), fused / "enterprises.parquet"
    )
    links = [
        {
            "source": r[f"{f}_source"],
            "record_id": r[f"{f}_record_id"],
            "entity_key": r.get("person_key") or r.get("enterprise_key"),
            "match_kind": "deterministic",
            "match_probability": 1.0,
        }
        for r in [*persons, *(enterprises or [])]
        for f in ("name",)
        if r.get(f"{f}_source")
    ]
    pq.write_table(pa.Table.from_pylist(links, schema=LINKS_SCHEMA), fused / "links.parquet")
    body = {
        "engine": "duckdb",
        "timings": {"read": 0.1, "govern": 0.2, "link": 0.3, "fuse": 0.1},
        "rows": {"persons": len(persons), "enterprises": len(enterprises or [])},
        "thresholds": {"match_probability": 0.9},
        "sources": SOURCES,
    }
    (out / "run.json").write_text(json.dumps(run if run is not None else body, ensure_ascii=False))
    return out
