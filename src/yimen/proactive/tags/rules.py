"""The tag rule language: a small declarative tree, parsed and checked into typed nodes.

A rule is YAML/JSON; each node is a mapping with one of these forms:

    {all: [rule, ...]}   {any: [rule, ...]}   {not: rule}
    {field: birth_date, op: age_gte, value: 80}          # a field of the person / enterprise
    {household_size: 1}  {household_size: {op: gte, value: 3}}   # living members of the person's 户
    {household_member: rule}                             # some living member of the 户 (self included)
    {relation: child, count: 0, where: {field: status, op: eq, value: alive}}
    {case: {item: CODE | items: [CODE...], status: completed, within_days: 300, count: {op: gte, value: 1}}}
    {certificate: {item: CODE, name_contains: 残疾人证, valid: true, expires_within_days: 30}}
    {tag: other_code}                                    # another tag of the same kind

`count` is an integer (exactly N) or `{op: eq|ne|gte|lte|gt|lt, value: N}`; without it: at least one.
Case statuses: a `cases.Status` value, or `completed` (approved, delivered), `decided` (approved, rejected,
delivered), `open` (submitted, correction, accepted, suspended), `any`. `within_days` counts back from
today on the decision time when every status asked for is decided, otherwise on the submission time.

`rule_parse` returns the node tree or raises ValidationFailed naming the path of the first problem, e.g.
`rule.all[1].op: unknown operator "age_gt"`. Item codes and division codes must exist; tag references
must exist, be of the same kind and not form a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as label

from yimen.common.errors import ValidationFailed
from yimen.proactive.tags.nodes import (
    All,
    AnyOf,
    CaseCond,
    CertificateCond,
    Count,
    Field,
    FieldSpec,
    HouseholdMember,
    HouseholdSize,
    Not,
    Relation,
    TagRef,
)

PERSON, ENTERPRISE = "person", "enterprise"


def _person_fields() -> dict[str, FieldSpec]:
    from yimen.registry.models import Person

    return {
        "birth_date": FieldSpec(label("出生日期"), "date"),
        "gender": FieldSpec(label("性别"), "choice", tuple(Person.Gender.values)),
        "status": FieldSpec(label("状态"), "choice", tuple(Person.Status.values)),
        "is_migrant": FieldSpec(label("流动人口"), "bool"),
        "household_role": FieldSpec(label("与户主关系"), "choice", ("", *Person.HouseholdRole.values)),
        "hukou_region": FieldSpec(label("户籍所在地区码"), "str"),
        "death_date": FieldSpec(label("死亡日期"), "date"),
        "residence_division": FieldSpec(label("居住村居"), "division"),
    }


def _enterprise_fields() -> dict[str, FieldSpec]:
    from yimen.registry.models import Enterprise

    return {
        "established_date": FieldSpec(label("成立日期"), "date"),
        "industry": FieldSpec(label("行业"), "str"),
        "kind": FieldSpec(label("类型"), "choice", tuple(Enterprise.Kind.values)),
        "status": FieldSpec(label("登记状态"), "choice", tuple(Enterprise.Status.values)),
        "registered_capital": FieldSpec(label("注册资本(万元)"), "number"),
        "division": FieldSpec(label("所在村居"), "division"),
    }


def fields_for(kind: str) -> dict[str, FieldSpec]:
    return _person_fields() if kind == PERSON else _enterprise_fields()


OPS: dict[str, tuple[str, ...]] = {
    "date": ("age_gte", "age_lt", "age_between", "within_days", "before_days", "is_null"),
    "choice": ("eq", "ne", "in"),
    "str": ("eq", "ne", "in", "contains", "startswith"),
    "bool": ("eq",),
    "number": ("eq", "gte", "lte", "gt", "lt"),
    "division": ("in_division",),
}
COUNT_OPS = ("eq", "ne", "gte", "lte", "gt", "lt")
CASE_STATUS_GROUPS = {
    "completed": ("approved", "delivered"),
    "decided": ("approved", "rejected", "delivered"),
    "open": ("submitted", "correction", "accepted", "suspended"),
}
RELATION_KINDS = ("spouse", "parent", "child", "sibling", "guardian")

# ------------------------------------------------------------------------------------------------ parser


def _fail(path: str, message: str):
    raise ValidationFailed(f"{path}: {message}", errors={path: [message]})


def _int(value, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, _("应为整数，实为 %(v)s") % {"v": repr(value)})
    if value < minimum:
        _fail(path, _("应不小于 %(n)d") % {"n": minimum})
    return value


def _keys(node: dict, path: str, allowed: set[str]) -> None:
    for key in node:
        if key not in allowed:
            _fail(
                f"{path}.{key}",
                _("未知键 “%(k)s”（可用：%(allowed)s）") % {"k": key, "allowed": ", ".join(sorted(allowed))},
            )


def _count(value, path: str) -> Count:
    if value is None:
        return Count()
    if isinstance(value, dict):
        _keys(value, path, {"op", "value"})
        op = value.get("op")
        if op not in COUNT_OPS:
            _fail(f"{path}.op", _("未知运算符 “%(op)s”") % {"op": op})
        return Count(op, _int(value.get("value"), f"{path}.value"))
    return Count("eq", _int(value, path))


TagLookup = Callable[[str], Any]  # code -> TagDefinition-like (code, kind, rule, alive_only) or None


class _Parser:
    def __init__(self, kind: str, tag_lookup: TagLookup | None, stack: tuple[str, ...]):
        self.kind = kind
        self.fields = fields_for(kind)
        self.tag_lookup = tag_lookup
        self.stack = stack
        self.item_codes: set[str] = set()
        self.division_codes: set[str] = set()
        self.paths: dict[str, str] = {}  # code -> path of first use, to name it when it does not exist

    def parse(self, node, path: str, *, relative: bool = False):
        if not isinstance(node, dict) or len(node) == 0:
            _fail(path, _("应为一个条件（映射），实为 %(v)s") % {"v": repr(node)})
        if "all" in node or "any" in node:
            key = "all" if "all" in node else "any"
            _keys(node, path, {key})
            children = node[key]
            if not isinstance(children, list) or not children:
                _fail(f"{path}.{key}", _("应为非空列表"))
            parsed = tuple(
                self.parse(c, f"{path}.{key}[{i}]", relative=relative) for i, c in enumerate(children)
            )
            return All(parsed) if key == "all" else AnyOf(parsed)
        if "not" in node:
            _keys(node, path, {"not"})
            return Not(self.parse(node["not"], f"{path}.not", relative=relative))
        if "field" in node or "op" in node:
            return self._field(node, path)
        if relative:
            _fail(path, _("亲属条件中只能使用字段条件（field）和 all/any/not"))
        if "household_size" in node:
            return self._household_size(node, path)
        if "household_member" in node:
            self._person_only(path, "household_member")
            _keys(node, path, {"household_member"})
            return HouseholdMember(self.parse(node["household_member"], f"{path}.household_member"))
        if "relation" in node:
            return self._relation(node, path)
        if "case" in node:
            return self._case(node, path)
        if "certificate" in node:
            return self._certificate(node, path)
        if "tag" in node:
            return self._tag(node, path)
        forms = "all, any, not, field, household_size, household_member, relation, case, certificate, tag"
        _fail(path, _("未知条件 “%(k)s”（可用：%(forms)s）") % {"k": next(iter(node)), "forms": forms})

    def _person_only(self, path: str, what: str) -> None:
        if self.kind != PERSON:
            _fail(f"{path}.{what}", _("法人标签不能使用 %(what)s") % {"what": what})

    def _field(self, node: dict, path: str) -> Field:
        _keys(node, path, {"field", "op", "value"})
        name = node.get("field")
        spec = self.fields.get(name)
        if spec is None:
            _fail(
                f"{path}.field",
                _("未知字段 “%(f)s”（可用：%(allowed)s）") % {"f": name, "allowed": ", ".join(self.fields)},
            )
        op = node.get("op")
        if op not in OPS[spec.type]:
            if op is None:
                _fail(f"{path}.op", _("缺少运算符（可用：%(ops)s）") % {"ops": ", ".join(OPS[spec.type])})
            _fail(
                f"{path}.op",
                _("未知运算符 “%(op)s”（可用：%(ops)s）") % {"op": op, "ops": ", ".join(OPS[spec.type])},
            )
        return Field(name, op, self._value(spec, op, node.get("value"), f"{path}.value"), spec)

    def _value(self, spec: FieldSpec, op: str, value, path: str):
        if op in ("age_gte", "age_lt", "within_days", "before_days"):
            return _int(value, path)
        if op == "age_between":
            if not (isinstance(value, list) and len(value) == 2):
                _fail(path, _("应为 [下限, 上限]"))
            lo, hi = _int(value[0], f"{path}[0]"), _int(value[1], f"{path}[1]")
            if lo > hi:
                _fail(path, _("下限 %(lo)d 大于上限 %(hi)d") % {"lo": lo, "hi": hi})
            return (lo, hi)
        if op == "is_null" or spec.type == "bool":
            if not isinstance(value, bool):
                _fail(path, _("应为 true 或 false"))
            return value
        if op == "in":
            if not isinstance(value, list) or not value:
                _fail(path, _("应为非空列表"))
            return tuple(self._scalar(spec, v, f"{path}[{i}]") for i, v in enumerate(value))
        if op == "in_division":
            code = str(value or "")
            self.division_codes.add(code)
            self.paths.setdefault(f"div:{code}", path)
            return code
        if spec.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                _fail(path, _("应为数字"))
            return value
        return self._scalar(spec, value, path)

    def _scalar(self, spec: FieldSpec, value, path: str) -> str:
        if not isinstance(value, str):
            _fail(path, _("应为文本，实为 %(v)s") % {"v": repr(value)})
        if spec.type == "choice" and value not in spec.choices:
            _fail(
                path,
                _("未知取值 “%(v)s”（可用：%(allowed)s）")
                % {"v": value, "allowed": ", ".join(c for c in spec.choices if c)},
            )
        return value

    def _household_size(self, node: dict, path: str) -> HouseholdSize:
        self._person_only(path, "household_size")
        _keys(node, path, {"household_size"})
        return HouseholdSize(_count(node["household_size"], f"{path}.household_size"))

    def _relation(self, node: dict, path: str) -> Relation:
        self._person_only(path, "relation")
        _keys(node, path, {"relation", "count", "where"})
        kind = node["relation"]
        if kind not in RELATION_KINDS:
            _fail(
                f"{path}.relation",
                _("未知关系 “%(k)s”（可用：%(allowed)s）")
                % {"k": kind, "allowed": ", ".join(RELATION_KINDS)},
            )
        where = node.get("where")
        parsed = self.parse(where, f"{path}.where", relative=True) if where is not None else None
        return Relation(kind, parsed, _count(node.get("count"), f"{path}.count"))

    def _items(self, spec: dict, path: str) -> tuple[str, ...]:
        if "item" in spec and "items" in spec:
            _fail(path, _("item 与 items 只能用一个"))
        if "item" in spec:
            codes = [spec["item"]]
            where = f"{path}.item"
        else:
            codes = spec.get("items") or []
            where = f"{path}.items"
            if not isinstance(codes, list):
                _fail(where, _("应为事项实施编码列表"))
        for i, code in enumerate(codes):
            if not isinstance(code, str) or not code:
                _fail(where, _("事项实施编码应为文本"))
            self.item_codes.add(code)
            self.paths.setdefault(f"item:{code}", where if "item" in spec else f"{where}[{i}]")
        return tuple(codes)

    def _case(self, node: dict, path: str) -> CaseCond:
        _keys(node, path, {"case"})
        spec, path = node["case"], f"{path}.case"
        if not isinstance(spec, dict):
            _fail(path, _("应为映射"))
        _keys(spec, path, {"item", "items", "status", "within_days", "count"})
        items = self._items(spec, path)
        if not items:
            _fail(path, _("缺少事项（item 或 items）"))
        status = spec.get("status", "any")
        statuses = status if isinstance(status, list) else [status]
        expanded: list[str] = []
        from yimen.cases.models import Status

        for s in statuses:
            if s == "any":
                continue
            if s in CASE_STATUS_GROUPS:
                expanded += CASE_STATUS_GROUPS[s]
            elif s in Status.values:
                expanded.append(s)
            else:
                allowed = ", ".join(["any", *CASE_STATUS_GROUPS, *Status.values])
                _fail(
                    f"{path}.status",
                    _("未知办件状态 “%(s)s”（可用：%(allowed)s）") % {"s": s, "allowed": allowed},
                )
        within = spec.get("within_days")
        return CaseCond(
            items,
            tuple(dict.fromkeys(expanded)),
            _int(within, f"{path}.within_days") if within is not None else None,
            _count(spec.get("count"), f"{path}.count"),
        )

    def _certificate(self, node: dict, path: str) -> CertificateCond:
        _keys(node, path, {"certificate"})
        spec, path = node["certificate"], f"{path}.certificate"
        if not isinstance(spec, dict):
            _fail(path, _("应为映射"))
        _keys(spec, path, {"item", "items", "name_contains", "valid", "expires_within_days"})
        items = self._items(spec, path)
        name = spec.get("name_contains", "")
        if not isinstance(name, str):
            _fail(f"{path}.name_contains", _("应为文本"))
        valid = spec.get("valid")
        if valid is not None and not isinstance(valid, bool):
            _fail(f"{path}.valid", _("应为 true 或 false"))
        expires = spec.get("expires_within_days")
        return CertificateCond(
            items, name, valid, _int(expires, f"{path}.expires_within_days") if expires is not None else None
        )

    def _tag(self, node: dict, path: str) -> TagRef:
        _keys(node, path, {"tag"})
        code = node["tag"]
        if code in self.stack:
            _fail(f"{path}.tag", _("标签循环引用：%(cycle)s") % {"cycle": " → ".join([*self.stack, code])})
        target = self.tag_lookup(code) if self.tag_lookup else None
        if target is None:
            _fail(f"{path}.tag", _("未知标签 “%(code)s”") % {"code": code})
        if target.kind != self.kind:
            _fail(f"{path}.tag", _("标签 “%(code)s” 的对象类型不同") % {"code": code})
        inner = _Parser(self.kind, self.tag_lookup, (*self.stack, code))
        rule = inner.parse(target.rule, f"{path}.tag({code})")
        self.item_codes |= inner.item_codes
        self.division_codes |= inner.division_codes
        for key, where in inner.paths.items():
            self.paths.setdefault(key, where)
        return TagRef(code, target.name, rule, target.alive_only)


def rule_parse(
    rule, *, kind: str = PERSON, code: str = "", tag_lookup: TagLookup | None = None, check_refs=True
):
    """The checked node tree of `rule`; ValidationFailed (`rule.<path>: <problem>`) when it is not a
    valid rule. With `check_refs` the item and division codes it names must exist."""
    if kind not in (PERSON, ENTERPRISE):
        raise ValidationFailed(_("未知对象类型 “%(k)s”") % {"k": kind}, field="kind")
    parser = _Parser(kind, tag_lookup, (code,) if code else ())
    tree = parser.parse(rule, "rule")
    if check_refs:
        _check_refs(parser)
    return tree


def _check_refs(parser: _Parser) -> None:
    from yimen.catalog.models import ServiceItem
    from yimen.places.models import Division

    if parser.item_codes:
        known = set(
            ServiceItem.objects.filter(implementation_code__in=parser.item_codes).values_list(
                "implementation_code", flat=True
            )
        )
        for code in sorted(parser.item_codes - known):
            _fail(parser.paths[f"item:{code}"], _("未知事项 “%(code)s”") % {"code": code})
    if parser.division_codes:
        known = set(Division.objects.filter(code__in=parser.division_codes).values_list("code", flat=True))
        for code in sorted(parser.division_codes - known):
            _fail(parser.paths[f"div:{code}"], _("未知区划 “%(code)s”") % {"code": code})
