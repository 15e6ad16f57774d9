"""Reading and checking the reference files (division codes JSON, taxonomy and department YAML).

Everything is checked before anything is written: a bad file raises ValidationFailed whose message
names the file and the offending key, and the import it belongs to changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from yimen.common.errors import ValidationFailed

DIVISIONS_FILE = "foshan-4406-2021.json"
TAXONOMY_FILE = "event-taxonomy.yaml"
DEPARTMENTS_FILE = "departments.yaml"

_DIGITS = re.compile(r"[0-9]+")
_DEPARTMENT_CODE = re.compile(r"[A-Z]{2,8}")
# Statistical division codes: district 6 digits, street/town 9, village/community 12.
STREET_CODE_LENGTH = 9
VILLAGE_CODE_LENGTH = 12
NAME_MAX = 64


@dataclass(frozen=True)
class VillageRow:
    code: str
    name: str


@dataclass(frozen=True)
class StreetRow:
    code: str
    name: str
    villages: tuple[VillageRow, ...]


@dataclass(frozen=True)
class DivisionTree:
    district_code: str
    district_name: str
    streets: tuple[StreetRow, ...]


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class DepartmentSpec:
    district: tuple[DepartmentRow, ...]
    street_offices: dict[str, dict[str, str]]  # street code -> {"phone": ..., "address": ...}


def reference_path(name: str) -> Path:
    return Path(settings.YIMEN_REFERENCE_DIR) / name


def division_tree_read(path: Path, *, district_code: str) -> DivisionTree:
    """The district, its streets/towns and their villages/communities from a {parent: {child: name}} file."""
    text = _read_text(path, field="divisions")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as exc:
        raise _bad(path, exc.key, "键重复 (duplicate key)") from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"{path}: 不是有效的 JSON (not valid JSON): {exc.msg}, line {exc.lineno} column {exc.colno}",
            field="divisions",
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            f"{path}: 顶层应为对象 {{上级代码: {{下级代码: 名称}}}} (top level must be an object)",
            field="divisions",
        )
    for parent, children in data.items():
        _check_code(path, parent, parent=None)
        if not isinstance(children, dict):
            raise _bad(path, parent, "下级应为对象 {代码: 名称} (children must be an object of code: name)")
        for code, name in children.items():
            _check_code(path, code, parent=parent)
            _check_name(path, code, name)

    district_name = next((c[district_code] for c in data.values() if district_code in c), None)
    if district_name is None:
        raise _bad(path, district_code, "找不到该区的名称 (district not listed under any parent)")
    if district_code not in data:
        raise _bad(path, district_code, "缺少该区的下级区划 (missing key: the district's streets)")
    streets = []
    for street_code, street_name in sorted(data[district_code].items()):
        if len(street_code) != STREET_CODE_LENGTH:
            raise _bad(
                path,
                street_code,
                f"镇街代码应为 {STREET_CODE_LENGTH} 位 (street codes have {STREET_CODE_LENGTH} digits)",
            )
        villages = data.get(street_code)
        if not villages:
            raise _bad(path, street_code, "缺少该镇街的村居 (missing key or no villages under this street)")
        for village_code in villages:
            if len(village_code) != VILLAGE_CODE_LENGTH:
                raise _bad(
                    path,
                    village_code,
                    f"村居代码应为 {VILLAGE_CODE_LENGTH} 位 (village codes have {VILLAGE_CODE_LENGTH} digits)",
                )
        rows = tuple(VillageRow(code=c, name=n.strip()) for c, n in sorted(villages.items()))
        streets.append(StreetRow(code=street_code, name=street_name.strip(), villages=rows))
    if not streets:
        raise _bad(path, district_code, "该区没有镇街 (the district has no streets)")
    return DivisionTree(
        district_code=district_code, district_name=district_name.strip(), streets=tuple(streets)
    )


def departments_read(taxonomy_path: Path, extras_path: Path) -> DepartmentSpec:
    """District departments from the taxonomy's `departments` and the extras file, and street office details."""
    taxonomy = _read_yaml(taxonomy_path, field="taxonomy")
    listed = taxonomy.get("departments")
    if not isinstance(listed, dict) or not listed:
        raise _bad(
            taxonomy_path,
            "departments",
            "应为非空的 {代码: 名称} 映射 (must be a non-empty code: name mapping)",
            field="taxonomy",
        )
    rows = [
        _department(taxonomy_path, code, {"name": name}, field="taxonomy") for code, name in listed.items()
    ]

    extras = _read_yaml(extras_path, field="departments")
    extra_list = extras.get("departments", [])
    if not isinstance(extra_list, list):
        raise _bad(extras_path, "departments", "应为列表 (must be a list)")
    for index, item in enumerate(extra_list):
        if not isinstance(item, dict) or "code" not in item:
            raise _bad(
                extras_path, f"departments[{index}]", "应为含 code 与 name 的映射 (must map code and name)"
            )
        rows.append(_department(extras_path, item["code"], item, field="departments"))
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise _bad(extras_path, row.code, "部门代码重复 (duplicate department code)")
        seen.add(row.code)

    offices = extras.get("street_offices") or {}
    if not isinstance(offices, dict):
        raise _bad(
            extras_path, "street_offices", "应为 {镇街代码: {phone, address}} 映射 (must be a mapping)"
        )
    street_offices = {}
    for street_code, details in offices.items():
        key = str(street_code)
        if not _DIGITS.fullmatch(key) or not isinstance(details, dict):
            raise _bad(extras_path, key, "应为镇街代码: {phone, address} (street code: {phone, address})")
        street_offices[key] = {
            "phone": _text(extras_path, key, details.get("phone", ""), 32),
            "address": _text(extras_path, key, details.get("address", ""), 128),
        }
    return DepartmentSpec(district=tuple(rows), street_offices=street_offices)


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _read_text(path: Path, *, field: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"{path}: 无法读取 (cannot read): {exc}", field=field) from None


def _read_yaml(path: Path, *, field: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(_read_text(path, field=field))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f", line {where.line + 1}" if where else ""
        raise ValidationFailed(f"{path}: 不是有效的 YAML (not valid YAML){at}: {exc}", field=field) from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path}: 顶层应为映射 (top level must be a mapping)", field=field)
    return data


def _check_code(path: Path, code: str, *, parent: str | None) -> None:
    if not _DIGITS.fullmatch(code):
        raise _bad(path, code, "区划代码只能是数字 (a division code is digits only)")
    if parent is not None and (not code.startswith(parent) or len(code) <= len(parent)):
        raise _bad(path, code, f"不在上级 {parent} 的代码范围内 (not under its parent's prefix {parent})")


def _check_name(path: Path, code: str, name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise _bad(path, code, "名称为空 (empty name)")
    if len(name.strip()) > NAME_MAX:
        raise _bad(path, code, f"名称超过 {NAME_MAX} 字 (name longer than {NAME_MAX})")


def _department(path: Path, code: Any, item: dict[str, Any], *, field: str) -> DepartmentRow:
    code = str(code)
    if not _DEPARTMENT_CODE.fullmatch(code):
        raise _bad(
            path, code, "部门代码应为 2-8 个大写字母 (department codes are 2-8 capital letters)", field=field
        )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        raise _bad(path, code, "部门名称为空或过长 (empty or too long name)", field=field)
    return DepartmentRow(
        code=code,
        name=name.strip(),
        phone=_text(path, code, item.get("phone", ""), 32, field=field),
        address=_text(path, code, item.get("address", ""), 128, field=field),
    )


def _text(path: Path, key: str, value: Any, limit: int, *, field: str = "departments") -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int) or len(str(value).strip()) > limit:
        raise _bad(path, key, f"应为不超过 {limit} 字的文本 (text up to {limit} characters)", field=field)
    return str(value).strip()


def _bad(path: Path, key: str, problem: str, *, field: str = "divisions") -> ValidationFailed:
    return ValidationFailed(f"{path}: 键 {key!r}: {problem}", field=field)
