"""The catalog YAML format, shared by the importer and the exporter.

    format: yimen-catalog/1
    items:
      - implementation_code: 11440604007xxxxxxx...   # 实施编码, unique
        basic_code: "000107001000"                    # 基本编码 (quote digit strings)
        name: 老年人优待证办理
        kind: public_service                          # administrative_licence | confirmation | benefit | ...
        department: MZJ
        ...
        materials:
          - {key: id_card, name: 居民身份证, source: e_certificate, source_ref: 居民身份证}
    themes:
      - code: open-restaurant
        name: 我要开餐馆
        promised_days: 10
        items: [<implementation codes>]

Fields, defaults and allowed values are those of `yimen.catalog.schema`; fields at their default may
be left out, and the exporter leaves them out.
"""

from __future__ import annotations

from yimen.catalog.models import Theme
from yimen.catalog.schema import ITEM_FIELDS, MATERIAL_FIELDS, THEME_FIELDS, Field

FORMAT = "yimen-catalog/1"
TOP_LEVEL_KEYS = ("format", "items", "themes")


def theme_content(theme: Theme) -> dict:
    return {
        "code": theme.code,
        "name": theme.name,
        "description": theme.description,
        "life_stage": theme.life_stage.code if theme.life_stage_id else None,
        "lead_department": theme.lead_department.code if theme.lead_department_id else None,
        "promised_days": theme.promised_days,
        "published": theme.published,
        "items": [
            ti.item.implementation_code for ti in theme.theme_items.select_related("item").order_by("order")
        ],
    }


def _is_default(f: Field, value) -> bool:
    if f.required:
        return False
    return value == f.default


def compact(content: dict, fields: tuple[Field, ...]) -> dict:
    """Drop optional fields at their default value; keep the field order of the schema."""
    by_name = {f.name: f for f in fields}
    out = {}
    for name, value in content.items():
        f = by_name.get(name)
        if f is not None and _is_default(f, value):
            continue
        out[name] = value
    return out


def compact_item(content: dict) -> dict:
    out = compact(content, ITEM_FIELDS)
    if "materials" in out:
        out["materials"] = [compact(m, MATERIAL_FIELDS) for m in out["materials"]]
    return out


def compact_theme(content: dict) -> dict:
    return compact(content, THEME_FIELDS)
