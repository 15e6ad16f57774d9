"""Pairwise precision, recall and F1 of the fused links against a truth file (source,record_id,true_entity).

A pair is two records of the truth file. Predicted pairs share an entity_key in fused/links.parquet, true
pairs share a true_entity; a truth record missing from the links counts as an entity of its own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yimen.fusion.config import FusionError
from yimen.fusion.engine import literal


def evaluate(out_dir: str | Path, truth: str | Path) -> dict:
    links = Path(out_dir) / "fused" / "links.parquet"
    truth = Path(truth)
    if not links.is_file():
        raise FusionError("no fused/links.parquet here; run `yimen fuse run` first", file=out_dir)
    if not truth.is_file():
        raise FusionError("truth file not found", file=truth)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        try:
            cols = [
                r[0]
                for r in con.execute(
                    f"DESCRIBE SELECT * FROM read_csv({literal(str(truth))}, all_varchar = true)"
                ).fetchall()
            ]
        except duckdb.Error as exc:
            raise FusionError(f"cannot be read as CSV: {str(exc).splitlines()[0]}", file=truth) from None
        for col in ("source", "record_id", "true_entity"):
            if col not in cols:
                raise FusionError(
                    "the truth file needs columns source, record_id, true_entity", file=truth, column=col
                )
        con.execute(
            f"CREATE TABLE truth AS SELECT source, record_id, true_entity FROM read_csv({literal(str(truth))}, all_varchar = true)"
        )
        con.execute(
            f"""CREATE TABLE joined AS
                SELECT t.true_entity, coalesce(l.entity_key, '~' || t.source || ':' || t.record_id) AS pred
                FROM truth t LEFT JOIN read_parquet({literal(str(links))}) l
                  ON l.source = t.source AND l.record_id = t.record_id"""
        )
        pairs = "sum(n * (n - 1) / 2)::HUGEINT"
        tp = (
            con.execute(
                f"SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY true_entity, pred)"
            ).fetchone()[0]
            or 0
        )
        pred = (
            con.execute(f"SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY pred)").fetchone()[0]
            or 0
        )
        true = (
            con.execute(
                f"SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY true_entity)"
            ).fetchone()[0]
            or 0
        )
        records = con.execute("SELECT count(*) FROM joined").fetchone()[0]
    finally:
        con.close()
    precision = float(tp) / float(pred) if pred else 1.0
    recall = float(tp) / float(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "records": int(records),
        "true_pairs": int(true),
        "predicted_pairs": int(pred),
        "true_positive_pairs": int(tp),
    }
