"""The shape of an item, a material and a theme as plain data: one field table, checked in one place.

The YAML importer, the draft-editing service and the API all clean their input here, so a rule (a
choice list, a length, "promised <= statutory") is written once. `clean_*` functions return the
normalised value and a list of `Problem`s, each with a path inside the cleaned object (`("materials",
2, "source")`), so callers can attach a file and line (YAML) or a field name (API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from yimen.catalog.models.item import (
    AcceptLevel,
    ItemKind,
    LimitDayType,
    OnlineDepth,
    ResultType,
    ServiceObject,
    Visits,
)
from yimen.catalog.models.material import MaterialFormat, MaterialSource

Path = tuple[str | int, ...]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CODE = re.compile(r"^[0-9A-Za-z-]+$")
MAX_DAYS = 3650


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    @property
    def dotted(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


class FieldError(Exception):
    pass


def _type_name(value: Any) -> str:
    if value is None:
        return gettext("空值 null")
    names = {
        bool: gettext("布尔值"),
        int: gettext("整数"),
        float: gettext("小数"),
        str: gettext("文本"),
        list: gettext("列表"),
        dict: gettext("映射"),
    }
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Field:
    """One field. `kind`: text, slug, code, int, bool, choice, text_list, choice_list, json_schema."""

    name: str
    label: str  # lazily translated
    kind: str
    required: bool = False
    default: Any = None
    choices: tuple[str | int, ...] = ()
    max_length: int | None = None
    min_value: int = 0
    max_value: int = MAX_DAYS
    nullable: bool = False

    def clean(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise FieldError(gettext("%(label)s不能为空") % {"label": self.label})
        clean = getattr(self, f"_clean_{self.kind}")
        return clean(value)

    def _clean_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError(
                gettext("%(label)s应为文本，实为%(type)s %(value)s（数字编码请加引号）")
                % {"label": self.label, "type": _type_name(value), "value": repr(value)}
            )
        value = value.strip()
        if self.required and not value:
            raise FieldError(gettext("%(label)s不能为空") % {"label": self.label})
        if self.max_length and len(value) > self.max_length:
            raise FieldError(
                gettext("%(label)s过长（%(length)d 字，最多 %(max)d 字）")
                % {"label": self.label, "length": len(value), "max": self.max_length}
            )
        return value

    def _clean_slug(self, value: Any) -> str:
        value = self._clean_text(value)
        if not _SLUG.match(value):
            raise FieldError(
                gettext("%(label)s %(value)s 只能包含小写字母、数字、下划线和连字符")
                % {"label": self.label, "value": repr(value)}
            )
        return value

    def _clean_code(self, value: Any) -> str:
        value = self._clean_text(value)
        if not _CODE.match(value):
            raise FieldError(
                gettext("%(label)s %(value)s 只能包含字母、数字和连字符")
                % {"label": self.label, "value": repr(value)}
            )
        return value

    def _clean_int(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(
                gettext("%(label)s应为整数，实为%(type)s %(value)s")
                % {"label": self.label, "type": _type_name(value), "value": repr(value)}
            )
        if not self.min_value <= value <= self.max_value:
            raise FieldError(
                gettext("%(label)s %(value)s 超出范围 %(min)s–%(max)s")
                % {"label": self.label, "value": value, "min": self.min_value, "max": self.max_value}
            )
        return value

    def _clean_bool(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise FieldError(
                gettext("%(label)s应为 true 或 false，实为%(type)s %(value)s")
                % {"label": self.label, "type": _type_name(value), "value": repr(value)}
            )
        return value

    def _clean_choice(self, value: Any) -> str | int:
        if isinstance(value, bool) or value not in self.choices:
            # YAML reads `visits_required: 0` as an integer; the stored choice is the string "0".
            if isinstance(value, int) and not isinstance(value, bool) and str(value) in self.choices:
                return str(value)
            expected = ", ".join(str(c) for c in self.choices)
            raise FieldError(
                gettext("未知的%(label)s %(value)s（expected one of: %(expected)s）")
                % {"label": self.label, "value": repr(value), "expected": expected}
            )
        return value

    def _clean_text_list(self, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise FieldError(
                gettext("%(label)s应为列表，实为%(type)s %(value)s")
                % {"label": self.label, "type": _type_name(value), "value": repr(value)}
            )
        out: list[str] = []
        for index, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                raise FieldError(
                    gettext("%(label)s第 %(position)d 项应为非空文本，实为%(type)s %(value)s")
                    % {
                        "label": self.label,
                        "position": index + 1,
                        "type": _type_name(entry),
                        "value": repr(entry),
                    }
                )
            entry = entry.strip()
            if "," in entry or "，" in entry:
                raise FieldError(
                    gettext("%(label)s %(value)s 不能包含逗号") % {"label": self.label, "value": repr(entry)}
                )
            if entry in out:
                raise FieldError(
                    gettext("%(label)s %(value)s 重复") % {"label": self.label, "value": repr(entry)}
                )
            out.append(entry)
        return out

    def _clean_choice_list(self, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise FieldError(
                gettext("%(label)s应为列表，实为%(type)s %(value)s")
                % {"label": self.label, "type": _type_name(value), "value": repr(value)}
            )
        if not value:
            raise FieldError(gettext("%(label)s至少选择一项") % {"label": self.label})
        for entry in value:
            self._clean_choice(entry)
        if len(set(value)) != len(value):
            raise FieldError(gettext("%(label)s有重复项") % {"label": self.label})
        return [c for c in self.choices if c in value]  # canonical order

    def _clean_json_schema(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise FieldError(
                gettext("%(label)s应为 JSON Schema 对象，实为%(type)s")
                % {"label": self.label, "type": _type_name(value)}
            )
        try:
            validator_for(value).check_schema(value)
        except SchemaError as exc:
            raise FieldError(
                gettext("%(label)s不是有效的 JSON Schema：%(problem)s")
                % {"label": self.label, "problem": exc.message}
            ) from None
        if value.get("type") != "object":
            raise FieldError(gettext("%(label)s的顶层 type 应为 object") % {"label": self.label})
        return value


def _values(choices) -> tuple:
    return tuple(choices.values)


ITEM_IDENTITY_FIELDS = (
    Field("implementation_code", _("实施编码"), "code", required=True, max_length=64),
    Field("basic_code", _("基本编码"), "code", required=True, max_length=32),
)
ITEM_FIELDS = (
    Field("name", _("事项名称"), "text", required=True, max_length=128),
    Field("kind", _("事项类型"), "choice", required=True, choices=_values(ItemKind)),
    Field("department", _("实施部门代码"), "code", required=True, max_length=32),
    Field("service_object", _("服务对象"), "choice", required=True, choices=_values(ServiceObject)),
    Field("accept_levels", _("受理层级"), "choice_list", default=["district"], choices=_values(AcceptLevel)),
    Field("statutory_limit_days", _("法定办结时限"), "int", nullable=True),
    Field("promised_limit_days", _("承诺办结时限"), "int", required=True),
    Field("limit_day_type", _("时限类型"), "choice", default="working", choices=_values(LimitDayType)),
    Field("visits_required", _("到现场次数"), "choice", required=True, choices=_values(Visits)),
    Field("online_depth", _("网上办理深度"), "choice", required=True, choices=_values(OnlineDepth)),
    Field("fee", _("收费标准"), "text", default="不收费", max_length=200),
    Field("legal_basis", _("设定依据"), "text", default=""),
    Field("conditions", _("受理条件"), "text", default=""),
    Field("where_to_go", _("办理地点"), "text", default=""),
    Field("consult_phone", _("咨询电话"), "text", default="", max_length=64),
    Field("result_type", _("办理结果类型"), "choice", default="none", choices=_values(ResultType)),
    Field("result_name", _("办理结果名称"), "text", default="", max_length=128),
    Field("keywords", _("关键词"), "text_list", default=[]),
    Field("life_stages", _("人生阶段"), "text_list", default=[]),
    Field("related_items", _("关联事项"), "text_list", default=[]),
    Field("form_schema", _("网上申报表单"), "json_schema", nullable=True),
    Field("materials", _("申请材料"), "materials", default=[]),
)
MATERIAL_FIELDS = (
    Field("key", _("材料标识"), "slug", required=True, max_length=64),
    Field("name", _("材料名称"), "text", required=True, max_length=200),
    Field("required", _("是否必要"), "bool", default=True),
    Field("format", _("材料形式"), "choice", default="electronic", choices=_values(MaterialFormat)),
    Field("copies", _("份数"), "int", default=1, max_value=99),
    Field("source", _("材料来源"), "choice", default="applicant", choices=_values(MaterialSource)),
    Field("source_ref", _("共享来源"), "text", default="", max_length=128),
    Field("notes", _("填报须知"), "text", default=""),
)
THEME_FIELDS = (
    Field("code", _("主题代码"), "slug", required=True, max_length=64),
    Field("name", _("主题名称"), "text", required=True, max_length=64),
    Field("description", _("主题说明"), "text", default=""),
    Field("life_stage", _("人生阶段"), "slug", nullable=True),
    Field("lead_department", _("牵头部门代码"), "code", nullable=True, max_length=32),
    Field("promised_days", _("主题承诺时限"), "int", required=True),
    Field("published", _("是否发布"), "bool", default=True),
    Field("items", _("包含事项"), "text_list", required=True),
)
ITEM_FIELD_NAMES = tuple(f.name for f in ITEM_FIELDS)
MATERIAL_FIELD_NAMES = tuple(f.name for f in MATERIAL_FIELDS)
THEME_FIELD_NAMES = tuple(f.name for f in THEME_FIELDS)


@dataclass
class Cleaned:
    value: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, prefix: Path, problems: list[Problem]) -> None:
        self.problems.extend(Problem(prefix + p.path, p.message) for p in problems)


def _clean_fields(
    data: Any, fields: tuple[Field, ...], *, what: str, partial: bool = False, extra_ok: tuple[str, ...] = ()
) -> Cleaned:
    out = Cleaned()
    if not isinstance(data, Mapping):
        out.problems.append(
            Problem(
                (),
                gettext("%(what)s应为映射（key: value），实为%(type)s")
                % {"what": what, "type": _type_name(data)},
            )
        )
        return out
    known = {f.name for f in fields} | set(extra_ok)
    for key in data:
        if key not in known:
            out.problems.append(
                Problem(
                    (str(key),),
                    gettext("未知字段 %(key)s（%(what)s可用字段：%(known)s）")
                    % {"key": repr(key), "what": what, "known": ", ".join(sorted(known))},
                )
            )
    for f in fields:
        if f.name not in data:
            if partial:
                continue
            if f.required:
                out.problems.append(
                    Problem(
                        (f.name,),
                        gettext("缺少必填字段 %(name)s（%(label)s）") % {"name": f.name, "label": f.label},
                    )
                )
                continue
            out.value[f.name] = list(f.default) if isinstance(f.default, list) else f.default
            continue
        if f.kind == "materials":
            materials = clean_materials(data[f.name])
            out.extend((f.name,), materials.problems)
            out.value[f.name] = materials.value.get("materials", [])
            continue
        try:
            out.value[f.name] = f.clean(data[f.name])
        except FieldError as exc:
            out.problems.append(Problem((f.name,), str(exc)))
    return out


def clean_materials(data: Any) -> Cleaned:
    out = Cleaned(value={"materials": []})
    if not isinstance(data, list):
        out.problems.append(
            Problem((), gettext("申请材料应为列表，实为%(type)s") % {"type": _type_name(data)})
        )
        return out
    seen: set[str] = set()
    for index, entry in enumerate(data):
        cleaned = _clean_fields(entry, MATERIAL_FIELDS, what=gettext("申请材料"))
        out.extend((index,), cleaned.problems)
        material = cleaned.value
        key = material.get("key")
        if key and key in seen:
            out.problems.append(
                Problem((index, "key"), gettext("材料标识 %(key)s 在本事项中重复") % {"key": repr(key)})
            )
        seen.add(key)
        if material.get("source") not in (None, "applicant") and not material.get("source_ref"):
            out.problems.append(
                Problem((index, "source"), gettext("政府共享或电子证照材料须写明共享来源 source_ref"))
            )
        out.value["materials"].append(material)
    return out


def _check_item_rules(value: dict, out: Cleaned) -> None:
    statutory, promised = value.get("statutory_limit_days"), value.get("promised_limit_days")
    if statutory is not None and promised is not None and promised > statutory:
        out.problems.append(
            Problem(
                ("promised_limit_days",),
                gettext("承诺办结时限 %(promised)d 天不能超过法定办结时限 %(statutory)d 天")
                % {"promised": promised, "statutory": statutory},
            )
        )
    if value.get("result_type") == "certificate" and value.get("result_name") == "":
        out.problems.append(Problem(("result_name",), gettext("办理结果为证照时须写明证照名称 result_name")))


def clean_item(data: Any) -> Cleaned:
    """A whole item document (identity, content fields, materials) as it appears in YAML."""
    out = _clean_fields(data, ITEM_IDENTITY_FIELDS + ITEM_FIELDS, what=gettext("事项"))
    if not out.problems:
        _check_item_rules(out.value, out)
    return out


def clean_item_changes(data: Any, *, current: dict) -> Cleaned:
    """Changes to a draft: only the given content fields; cross-field rules checked on the merged result."""
    out = _clean_fields(data, ITEM_FIELDS, what=gettext("事项"), partial=True)
    if not out.problems:
        _check_item_rules({**current, **out.value}, out)
    return out


def clean_theme(data: Any) -> Cleaned:
    out = _clean_fields(data, THEME_FIELDS, what=gettext("主题"))
    items = out.value.get("items")
    if items is not None and not items:
        out.problems.append(Problem(("items",), gettext("主题至少包含一个事项")))
    return out
