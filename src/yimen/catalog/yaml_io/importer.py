"""`catalog_import`: read one or more catalog YAML files, check everything, then write or write nothing.

Phase 1 reads every file and collects every problem (up to MAX_PROBLEMS), each as
`file:line: items[3].kind: message`. Phase 2 runs only when there is none, in one transaction, through
the catalog services: an item whose published version says exactly what the file says is left alone;
a changed item gets a new version, published (and audited) at once. Re-importing a file changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from yimen.accounts.roles import CATALOG_MANAGE_ALL
from yimen.catalog import services
from yimen.catalog.content import comparable, version_content
from yimen.catalog.models import ItemVersion, LifeStage, ServiceItem, Theme
from yimen.catalog.schema import ITEM_FIELD_NAMES, Problem, clean_item, clean_theme
from yimen.catalog.yaml_io.format import FORMAT, TOP_LEVEL_KEYS, theme_content
from yimen.catalog.yaml_io.loader import LoadedFile, line_of, load_file
from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.places.models import Department

MAX_PROBLEMS = 50
PathLike = str | os.PathLike


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    themes_created: int = 0
    themes_updated: int = 0
    themes_unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.items_created or self.items_updated or self.themes_created or self.themes_updated)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "files"}

    def __str__(self) -> str:
        return (
            f"事项 items: {self.items_created} new, {self.items_updated} updated, {self.items_unchanged} unchanged; "
            f"主题 themes: {self.themes_created} new, {self.themes_updated} updated, {self.themes_unchanged} unchanged"
        )


@dataclass
class _Entry:
    """One item or theme document and where it came from."""

    file: LoadedFile
    section: str
    index: int
    raw: object
    value: dict = field(default_factory=dict)

    @property
    def prefix(self) -> tuple:
        return (self.section, self.index)


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.total = 0

    def add(self, loaded: LoadedFile, line: int, where: str, message: str) -> None:
        self.total += 1
        if len(self.messages) < MAX_PROBLEMS:
            location = f"{loaded.path}:{line}" if line else f"{loaded.path}"
            self.messages.append(f"{location}: {where}: {message}" if where else f"{location}: {message}")

    def add_at(self, entry: _Entry, problem: Problem) -> None:
        path = entry.prefix + problem.path
        self.add(entry.file, line_of(entry.file.data, path), Problem(path, "").dotted, problem.message)

    def raise_if_any(self) -> None:
        if not self.total:
            return
        lines = list(self.messages)
        if self.total > len(lines):
            lines.append(
                f"……另有 {self.total - len(lines)} 处错误未列出 (and {self.total - len(lines)} more)"
            )
        raise ValidationFailed(
            f"导入失败，共 {self.total} 处错误，未写入任何数据：\n" + "\n".join(lines),
            errors={"catalog": lines},
        )


def _expand(path: PathLike | Sequence[PathLike]) -> list[Path]:
    paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p])
    if not files:
        raise ValidationFailed(f"没有找到要导入的 YAML 文件：{', '.join(map(str, paths))}", field="path")
    return files


def _sections(loaded: LoadedFile, problems: _Problems) -> Iterable[_Entry]:
    data = loaded.data
    if data is None:
        return
    if not isinstance(data, dict):
        problems.add(loaded, getattr(data, "line", 1), "", "文件顶层应为映射，包含 items 和/或 themes")
        return
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.add(
                loaded,
                line_of(data, (key,)),
                str(key),
                f"未知的顶层字段（可用：{', '.join(TOP_LEVEL_KEYS)}）",
            )
    if "format" in data and data["format"] != FORMAT:
        problems.add(
            loaded, line_of(data, ("format",)), "format", f"不支持的格式 {data['format']!r}（应为 {FORMAT}）"
        )
    for section in ("items", "themes"):
        if section not in data:
            continue
        entries = data[section]
        if not isinstance(entries, list):
            problems.add(loaded, line_of(data, (section,)), section, "应为列表")
            continue
        for index, raw in enumerate(entries):
            yield _Entry(file=loaded, section=section, index=index, raw=raw)


def _check(files: list[Path], problems: _Problems) -> tuple[list[_Entry], list[_Entry]]:
    items: list[_Entry] = []
    themes: list[_Entry] = []
    for path in files:
        loaded = load_file(path)
        for line, message in loaded.problems:
            problems.add(loaded, line, "", message)
        for entry in _sections(loaded, problems):
            cleaned = clean_item(entry.raw) if entry.section == "items" else clean_theme(entry.raw)
            for problem in cleaned.problems:
                problems.add_at(entry, problem)
            entry.value = cleaned.value
            (items if entry.section == "items" else themes).append(entry)

    departments = set(Department.objects.values_list("code", flat=True))
    stages = set(LifeStage.objects.values_list("code", flat=True))
    seen: dict[str, _Entry] = {}
    for entry in items:
        code = entry.value.get("implementation_code")
        if code in seen:
            first = seen[code]
            problems.add_at(
                entry,
                Problem(
                    ("implementation_code",),
                    f"实施编码 {code} 重复（已在 {first.file.path}:{line_of(first.file.data, first.prefix)} 出现）",
                ),
            )
        elif code:
            seen[code] = entry
    known_items = set(seen) | set(
        ServiceItem.objects.filter(implementation_code__in=_references(items, themes)).values_list(
            "implementation_code", flat=True
        )
    )
    for entry in items:
        value = entry.value
        if value.get("department") and value["department"] not in departments:
            problems.add_at(entry, Problem(("department",), f"未知的部门代码 {value['department']!r}"))
        for i, stage in enumerate(value.get("life_stages") or []):
            if stage not in stages:
                problems.add_at(
                    entry,
                    Problem(
                        ("life_stages", i), f"未知的人生阶段 {stage!r}（可用：{', '.join(sorted(stages))}）"
                    ),
                )
        for i, ref in enumerate(value.get("related_items") or []):
            if ref == value.get("implementation_code"):
                problems.add_at(entry, Problem(("related_items", i), "事项不能关联自身"))
            elif ref not in known_items:
                problems.add_at(
                    entry, Problem(("related_items", i), f"关联事项 {ref} 不存在（文件和目录中都没有）")
                )

    theme_codes: dict[str, _Entry] = {}
    for entry in themes:
        value = entry.value
        code = value.get("code")
        if code in theme_codes:
            problems.add_at(entry, Problem(("code",), f"主题代码 {code} 重复"))
        elif code:
            theme_codes[code] = entry
        if value.get("life_stage") and value["life_stage"] not in stages:
            problems.add_at(entry, Problem(("life_stage",), f"未知的人生阶段 {value['life_stage']!r}"))
        if value.get("lead_department") and value["lead_department"] not in departments:
            problems.add_at(
                entry, Problem(("lead_department",), f"未知的部门代码 {value['lead_department']!r}")
            )
        for i, ref in enumerate(value.get("items") or []):
            if ref not in known_items:
                problems.add_at(entry, Problem(("items", i), f"主题事项 {ref} 不存在（文件和目录中都没有）"))
    return items, themes


def _references(items: list[_Entry], themes: list[_Entry]) -> set[str]:
    refs: set[str] = set()
    for entry in items:
        refs.update(entry.value.get("related_items") or [])
    for entry in themes:
        refs.update(entry.value.get("items") or [])
    return refs


def _write_items(items: list[_Entry], report: ImportReport, actor) -> None:
    registered = {
        e.value["implementation_code"]: services.item_register(
            implementation_code=e.value["implementation_code"], basic_code=e.value["basic_code"], actor=actor
        )
        for e in items
    }
    current_ids = [i.current_version_id for i in registered.values() if i.current_version_id]
    current = {
        v.item_id: v
        for v in ItemVersion.objects.filter(pk__in=current_ids)
        .select_related("item", "department")
        .prefetch_related("materials", "life_stages", "related_items")
    }
    for entry in items:
        item = registered[entry.value["implementation_code"]]
        published = current.get(item.pk)
        if published is not None and comparable(version_content(published)) == comparable(entry.value):
            report.items_unchanged += 1
            continue
        content = {k: v for k, v in entry.value.items() if k in ITEM_FIELD_NAMES}
        draft = services.item_version_create(item=item, content=content, actor=actor)
        services.item_version_publish(version=draft, actor=actor)
        if published is None:
            report.items_created += 1
        else:
            report.items_updated += 1


def _write_themes(themes: list[_Entry], report: ImportReport, actor) -> None:
    existing = {t.code: t for t in Theme.objects.filter(code__in=[e.value["code"] for e in themes])}
    for entry in themes:
        value = entry.value
        theme = existing.get(value["code"])
        if theme is not None and theme_content(theme) == value:
            report.themes_unchanged += 1
            continue
        items_by_code = ServiceItem.objects.in_bulk(value["items"], field_name="implementation_code")
        services.theme_save(
            code=value["code"],
            name=value["name"],
            description=value["description"],
            promised_days=value["promised_days"],
            published=value["published"],
            life_stage=LifeStage.objects.get(code=value["life_stage"]) if value["life_stage"] else None,
            lead_department=(
                Department.objects.get(code=value["lead_department"]) if value["lead_department"] else None
            ),
            items=[items_by_code[c] for c in value["items"]],
            actor=actor,
        )
        if theme is None:
            report.themes_created += 1
        else:
            report.themes_updated += 1


def catalog_import(*, path: PathLike | Sequence[PathLike], actor=None) -> ImportReport:
    """Import catalog YAML (a file, a directory of *.yaml, or a list of either). All or nothing:
    any problem raises ValidationFailed listing every problem found (file:line: field: message)."""
    services.require_capability(actor, CATALOG_MANAGE_ALL)
    files = _expand(path)
    problems = _Problems()
    items, themes = _check(files, problems)
    problems.raise_if_any()
    report = ImportReport(files=[str(f) for f in files])
    with transaction.atomic():
        _write_items(items, report, actor)
        _write_themes(themes, report, actor)
        if report.changed:
            audit.record(kind="catalog.imported", subject="catalog", actor=actor, content=report.__dict__)
    return report
