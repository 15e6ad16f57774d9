"""Loading the event taxonomy (17 categories, 61 subcategories) from the reference YAML.

The departments it names are loaded by `yimen.places.services.departments_import` (which reads the same
file through `yimen.places.sources`); this module reads the categories and their time limits, checks
all of them, then writes: a bad file changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.db import transaction

from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.events.models import Category, Subcategory
from yimen.places import sources
from yimen.places.models import Department

_CATEGORY = re.compile(r"[0-9]{2}")
_SUBCATEGORY = re.compile(r"[0-9]{4}")


def _bad(path: Path, key: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{path}: 键 {key!r}: {problem}", field="taxonomy")


def taxonomy_read(path: Path) -> list[dict]:
    """[{code, name, children: [{code, name, dept, respond_hours, resolve_days, urgent}]}], checked."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{path}: 无法读取 (cannot read): {exc}", field="taxonomy") from None
    categories = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(categories, list) or not categories:
        raise _bad(path, "categories", "应为非空列表 (must be a non-empty list)")
    seen: set[str] = set()
    out = []
    for cat in categories:
        code = str(cat.get("code", "")) if isinstance(cat, dict) else ""
        if not _CATEGORY.fullmatch(code) or code in seen or not str(cat.get("name", "")).strip():
            raise _bad(
                path, code or "?", "大类代码应为两位数字且唯一，名称非空 (2-digit unique code, a name)"
            )
        seen.add(code)
        children = []
        for sub in cat.get("children") or []:
            sub_code = str(sub.get("code", "")) if isinstance(sub, dict) else ""
            if not _SUBCATEGORY.fullmatch(sub_code) or not sub_code.startswith(code) or sub_code in seen:
                raise _bad(path, sub_code or "?", f"小类代码应为 {code}xx 且唯一 (4 digits under {code})")
            seen.add(sub_code)
            try:
                respond, resolve = int(sub["respond_hours"]), int(sub["resolve_days"])
            except (KeyError, TypeError, ValueError):
                raise _bad(path, sub_code, "缺少 respond_hours/resolve_days (time limits missing)") from None
            if respond <= 0 or resolve <= 0 or not str(sub.get("name", "")).strip() or not sub.get("dept"):
                raise _bad(path, sub_code, "时限应为正数，名称与部门非空 (positive limits, name and dept)")
            children.append(
                {
                    "code": sub_code,
                    "name": str(sub["name"]).strip(),
                    "dept": str(sub["dept"]),
                    "respond_hours": respond,
                    "resolve_days": resolve,
                    "urgent": bool(sub.get("urgent", False)),
                }
            )
        if not children:
            raise _bad(path, code, "大类下没有小类 (a category needs subcategories)")
        out.append({"code": code, "name": str(cat["name"]).strip(), "children": children})
    return out


@transaction.atomic
def taxonomy_load(*, path: Path | None = None, actor=None) -> dict:
    """Create or update every category and subcategory; returns counts. Departments must exist."""
    path = path or sources.reference_path(sources.TAXONOMY_FILE)
    rows = taxonomy_read(path)
    departments = {d.code: d for d in Department.objects.all()}
    for cat in rows:
        for sub in cat["children"]:
            if sub["dept"] not in departments:
                raise _bad(
                    path, sub["code"], f"部门 {sub['dept']} 不存在，请先导入部门 (import departments first)"
                )
    changed = 0
    for cat in rows:
        category, created = Category.objects.get_or_create(code=cat["code"], defaults={"name": cat["name"]})
        if not created and category.name != cat["name"]:
            category.name = cat["name"]
            category.save(update_fields=["name"])
            changed += 1
        changed += created
        for sub in cat["children"]:
            values = {
                "name": sub["name"],
                "category": category,
                "department": departments[sub["dept"]],
                "respond_hours": sub["respond_hours"],
                "resolve_days": sub["resolve_days"],
                "urgent": sub["urgent"],
            }
            current = Subcategory.objects.filter(code=sub["code"]).first()
            if current is None:
                Subcategory.objects.create(code=sub["code"], **values)
                changed += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(current, k, v)
                current.save()
                changed += 1
    result = {
        "categories": len(rows),
        "subcategories": sum(len(c["children"]) for c in rows),
        "changed": changed,
    }
    if changed:
        audit.record(kind="events.taxonomy.loaded", subject="events.subcategory", actor=actor, content=rows)
    return result
