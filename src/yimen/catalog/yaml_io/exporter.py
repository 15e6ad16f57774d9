"""`catalog_export`: every item's published version and every theme, in the import format.

Importing the file into the same catalog changes nothing; importing it into an empty catalog (with the
same departments) reproduces the published items and themes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db.models import Prefetch
from django.utils import timezone

from yimen.catalog.content import version_content
from yimen.catalog.models import ItemVersion, LifeStage, Theme
from yimen.catalog.yaml_io.format import FORMAT, compact_item, compact_theme, theme_content

_FLOW_LIST_FIELDS = {"accept_levels", "keywords", "life_stages", "related_items", "items"}
_FLOW_MAX = 200  # a material mapping shorter than this (as flow YAML) goes on one line


class _Flow(dict):
    pass


class _FlowList(list):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _dump(value) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)


def _styled(document: dict) -> dict:
    out = {}
    for key, value in document.items():
        if key == "visits_required" and value in ("0", "1"):
            value = int(value)  # written as YAML reads it back: 0 / 1 / n
        elif key in _FLOW_LIST_FIELDS and isinstance(value, list):
            value = _FlowList(value)
        elif key == "materials":
            value = [
                _Flow(m) if "\n" not in str(m) and len(_dump(_Flow(m))) < _FLOW_MAX else m for m in value
            ]
        out[key] = value
    return out


@dataclass
class ExportReport:
    path: str
    items: int
    themes: int

    def __str__(self) -> str:
        return f"{self.items} items, {self.themes} themes -> {self.path}"


def catalog_export(*, path: str | os.PathLike) -> ExportReport:
    versions = (
        ItemVersion.objects.published()
        .select_related("item", "department")
        .prefetch_related(
            "materials", Prefetch("life_stages", queryset=LifeStage.objects.all()), "related_items"
        )
        .order_by("department__kind", "department__code", "item__implementation_code")
    )
    items = [_styled(compact_item(version_content(v))) for v in versions]
    themes = [
        _styled(compact_theme(theme_content(t)))
        for t in Theme.objects.select_related("life_stage", "lead_department").order_by("code")
    ]
    header = (
        f"# 一门 Yimen 事项目录导出 (catalog export), {timezone.localtime():%Y-%m-%d %H:%M}\n"
        f"# {len(items)} 个事项 items, {len(themes)} 个主题 themes. Import: yimen catalog import {Path(path).name}\n"
    )
    body = _dump({"format": FORMAT, "items": items, "themes": themes})
    Path(path).write_text(header + body, encoding="utf-8")
    return ExportReport(path=str(path), items=len(items), themes=len(themes))
