"""The quality report (质量报告): per source, rows read and kept, and per rule how many values it flagged,
with a few masked examples, as Markdown for people and JSON for tools."""

from __future__ import annotations

import json
from pathlib import Path

from yimen.common.masking import MASKERS, mask_id_number, mask_name
from yimen.fusion.config import Source

EXAMPLES = 5


FIELD_MASKS = {**MASKERS, "legal_rep_id_number": mask_id_number, "legal_rep_name": mask_name}


def mask(field: str, value: str | None) -> str:
    """The registry's masking for the field (440604********1234, 陈*文, 138****8000); other values keep
    their first and last character only."""
    if value is None:
        return ""
    masker = FIELD_MASKS.get(field)
    if masker:
        return masker(str(value))
    v = str(value)
    return v if len(v) <= 2 else v[0] + "*" * (len(v) - 2) + v[-1]


def report(eng, sources: list[Source], counts: dict) -> dict:
    per_source = []
    totals: dict[str, int] = {}
    for src in sources:
        table = f"gov_{src.name}"
        if eng.dialect == "spark":
            sql = (
                f"SELECT i.field, i.rule, count(*) AS n, slice(collect_list(i.value), 1, {EXAMPLES}) AS ex "
                f"FROM (SELECT explode(issues) AS i FROM {table}) GROUP BY i.field, i.rule ORDER BY n DESC, i.rule"
            )
        else:
            sql = (
                f"SELECT i.field, i.rule, count(*) AS n, list(i.value)[1:{EXAMPLES}] AS ex "
                f"FROM (SELECT unnest(issues) AS i FROM {table}) GROUP BY i.field, i.rule ORDER BY n DESC, i.rule"
            )
        rules = []
        for field, rule, n, examples in eng.rows(sql):
            rules.append(
                {
                    "field": field,
                    "rule": rule,
                    "count": int(n),
                    "examples": [mask(field, e) for e in examples or []],
                }
            )
            totals[rule] = totals.get(rule, 0) + int(n)
        clean = (
            eng.scalar(f"SELECT count(*) FROM {table} WHERE size(issues) = 0")
            if eng.dialect == "spark"
            else eng.scalar(f"SELECT count(*) FROM {table} WHERE len(issues) = 0")
        )
        per_source.append(
            {
                "source": src.name,
                "department": src.department,
                "kind": src.kind,
                "as_of": src.as_of.isoformat(),
                "rows": counts[src.name]["rows"],
                "rows_clean": int(clean or 0),
                "rules": rules,
            }
        )
    return {"sources": per_source, "totals": dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))}


def write(rep: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=2))
    lines = ["# 数据质量报告 Data quality report", ""]
    lines += [
        "| 来源 source | 部门 department | 类型 kind | 截至 as_of | 行数 rows | 无问题 clean |",
        "|---|---|---|---|---:|---:|",
    ]
    for s in rep["sources"]:
        lines.append(
            f"| {s['source']} | {s['department']} | {s['kind']} | {s['as_of']} | {s['rows']:,} | {s['rows_clean']:,} |"
        )
    lines += ["", "## 规则合计 Totals per rule", "", "| 规则 rule | 次数 count |", "|---|---:|"]
    lines += [f"| {rule} | {n:,} |" for rule, n in rep["totals"].items()]
    for s in rep["sources"]:
        lines += ["", f"## {s['source']} ({s['department']})", ""]
        if not s["rules"]:
            lines.append("无问题 No issues.")
            continue
        lines += [
            "| 字段 field | 规则 rule | 次数 count | 示例（已脱敏） examples (masked) |",
            "|---|---|---:|---|",
        ]
        for r in s["rules"]:
            lines.append(f"| {r['field']} | {r['rule']} | {r['count']:,} | {', '.join(r['examples'])} |")
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
