"""Policy definitions as data: the YAML file (`policies.yaml`, format `yimen-policies/1`), the checks a
definition must pass before it is stored, and the registry fields an application form can be filled from.

Every problem is a ValidationFailed naming its path: `rule.all[1].op: ...` (from the tag rule parser),
`prefill.foo: 事项申请表没有字段 foo`, `department: ...`, `item: ...`, `valid_until: ...`; in a file the
path is prefixed with the entry (`policies[2].rule...`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yimen.common.definitions import definitions_read
from yimen.common.definitions import fail_at as _fail
from yimen.proactive.tags import rules

FIXTURE = Path(__file__).resolve().parent / "policies.yaml"
FORMAT = "yimen-policies/1"
_KEYS = {
    "code",
    "name",
    "department",
    "summary",
    "benefit",
    "legal_basis",
    "how_to_apply",
    "rule",
    "item",
    "prefill",
    "valid_from",
    "valid_until",
    "enabled",
    "auto_grant",
}


@dataclass(frozen=True)
class Source:
    """A registry value an application form field can be filled from."""

    label: str
    type: str  # string | number


# form field <- one of these. Enterprise fields are public registration data; the legal representative's
# are the applicant side of the enterprise's own application.
PREFILL_SOURCES: dict[str, Source] = {
    "enterprise.uscc": Source(gettext_noop("统一社会信用代码"), "string"),
    "enterprise.name": Source(gettext_noop("企业名称"), "string"),
    "enterprise.kind": Source(gettext_noop("企业类型"), "string"),
    "enterprise.industry": Source(gettext_noop("行业"), "string"),
    "enterprise.registered_address": Source(gettext_noop("住所"), "string"),
    "enterprise.registered_capital": Source(gettext_noop("注册资本(万元)"), "number"),
    "enterprise.established_date": Source(gettext_noop("成立日期"), "string"),
    "enterprise.division": Source(gettext_noop("所在村居"), "string"),
    "legal_representative.name": Source(gettext_noop("法定代表人姓名"), "string"),
    "legal_representative.id_number": Source(gettext_noop("法定代表人身份证号码"), "string"),
    "legal_representative.phone": Source(gettext_noop("法定代表人联系电话"), "string"),
}


@dataclass
class PolicySpec:
    """A definition before it is stored: from the YAML file, the admin or a caller. `department` is a
    department code, `item` an item implementation code (or None)."""

    code: str
    name: str
    department: str
    benefit: str
    rule: Any
    summary: str = ""
    legal_basis: str = ""
    how_to_apply: str = ""
    item: str | None = None
    prefill: dict = field(default_factory=dict)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    enabled: bool = True
    auto_grant: bool = False


@dataclass
class Checked:
    """What the checks resolved: the rule tree and the rows the spec names."""

    tree: Any
    department: Any
    item: Any  # catalog.ServiceItem or None
    version: Any  # its published ItemVersion or None


def _text(value, path: str, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(path, _("应为文本"))
    value = value.strip()
    if required and not value:
        _fail(path, _("不能为空"))
    if len(value) > limit:
        _fail(path, _("不能超过%(n)d个字") % {"n": limit})
    return value


def _date(value, path: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(path, _("应为日期 YYYY-MM-DD，实为 %(v)s") % {"v": repr(value)})


def spec_clean(spec: PolicySpec) -> PolicySpec:
    """The spec's own fields checked and normalised (text trimmed, dates parsed); no database reads."""
    if not isinstance(spec.code, str) or not re.fullmatch(r"[a-z][a-z0-9_-]{1,63}", spec.code):
        _fail("code", _("政策代码应为小写字母开头的字母、数字、下划线或连字符（2-64位）"))
    spec.name = _text(spec.name, "name", 128, required=True)
    spec.department = _text(spec.department, "department", 32, required=True)
    spec.benefit = _text(spec.benefit, "benefit", 200, required=True)
    spec.summary = _text(spec.summary, "summary", 2000, required=False)
    spec.legal_basis = _text(spec.legal_basis, "legal_basis", 2000, required=False)
    spec.how_to_apply = _text(spec.how_to_apply, "how_to_apply", 2000, required=False)
    spec.item = _text(spec.item, "item", 64, required=False) or None
    spec.valid_from = _date(spec.valid_from, "valid_from")
    spec.valid_until = _date(spec.valid_until, "valid_until")
    if spec.valid_from and spec.valid_until and spec.valid_until < spec.valid_from:
        _fail(
            "valid_until",
            _("截止日期 %(until)s 早于起始日期 %(since)s")
            % {"until": spec.valid_until.isoformat(), "since": spec.valid_from.isoformat()},
        )
    for name in ("enabled", "auto_grant"):
        if not isinstance(getattr(spec, name), bool):
            _fail(name, _("应为 true 或 false"))
    if spec.prefill is None:
        spec.prefill = {}
    if not isinstance(spec.prefill, dict):
        _fail("prefill", _("应为映射：申请表字段: 数据项"))
    return spec


def spec_check(spec: PolicySpec, *, tag_lookup=None) -> Checked:
    """Check one definition completely (fields, rule, department, item, pre-fill); returns what it
    resolved. Writes nothing: the admin form calls it to show the problem on the form."""
    from yimen.catalog.models import ServiceItem
    from yimen.catalog.models.item import ServiceObject
    from yimen.places.models import Department
    from yimen.proactive.tags.definitions import db_lookup

    spec = spec_clean(spec)
    tree = rules.rule_parse(spec.rule, kind=rules.ENTERPRISE, tag_lookup=tag_lookup or db_lookup())
    department = Department.objects.filter(code=spec.department).first()
    if department is None:
        _fail("department", _("未知部门 “%(code)s”") % {"code": spec.department})
    item = version = None
    if spec.item:
        item = ServiceItem.objects.filter(implementation_code=spec.item).select_related("current_version")
        item = item.first()
        if item is None:
            _fail("item", _("未知事项 “%(code)s”") % {"code": spec.item})
        version = item.current_version
        if version is None:
            _fail("item", _("事项 “%(code)s” 尚未发布") % {"code": spec.item})
        if version.service_object == ServiceObject.NATURAL_PERSON:
            _fail("item", _("事项 “%(name)s” 只面向自然人，企业不能申报") % {"name": version.name})
    _check_prefill(spec.prefill, version)
    return Checked(tree, department, item, version)


def _check_prefill(prefill: dict, version) -> None:
    if prefill and version is None:
        _fail("prefill", _("没有申报事项，不能预填申请表"))
    props = ((version.form_schema or {}) if version is not None else {}).get("properties", {})
    for form_field, source in prefill.items():
        path = f"prefill.{form_field}"
        if form_field not in props:
            _fail(path, _("事项申请表没有字段 %(f)s") % {"f": form_field})
        if source not in PREFILL_SOURCES:
            _fail(
                path,
                _("未知数据项 “%(s)s”（可用：%(allowed)s）")
                % {"s": source, "allowed": ", ".join(PREFILL_SOURCES)},
            )
        wanted = props[form_field].get("type")
        have = PREFILL_SOURCES[source].type
        if wanted in ("number", "integer") and have != "number" or wanted == "string" and have != "string":
            _fail(
                path,
                _("类型不符：申请表字段为 %(want)s，数据项 %(s)s 为 %(have)s")
                % {"want": wanted, "s": source, "have": have},
            )


def prefill_values(prefill: dict, enterprise) -> dict:
    """The form values `prefill` maps for `enterprise` (fields the registry has no value for are left
    out, so the form's own `required` check names them)."""
    rep = enterprise.legal_representative
    out = {}
    for form_field, source in (prefill or {}).items():
        owner, name = source.split(".", 1)
        obj = enterprise if owner == "enterprise" else rep
        if obj is None:
            continue
        value = getattr(obj, name, None)
        if name == "kind":
            value = obj.get_kind_display()
        elif name == "division":
            value = obj.division.name if obj.division_id else None
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif name == "registered_capital" and value is not None:
            value = float(value)
        if value not in (None, ""):
            out[form_field] = value
    return out


def fixture_read(path: Path | str | None = None) -> list[PolicySpec]:
    """The definitions in a policies YAML file; ValidationFailed naming the entry and key when malformed
    (the content of each entry is checked by `spec_check`)."""
    entries = definitions_read(
        path or FIXTURE,
        format=FORMAT,
        key="policies",
        fields=_KEYS,
        required=("code", "name", "department", "benefit", "rule"),
        noun=_("政策"),
    )
    return [
        PolicySpec(
            code=entry["code"],
            name=entry["name"],
            department=entry["department"],
            benefit=entry["benefit"],
            rule=entry["rule"],
            summary=entry.get("summary", ""),
            legal_basis=entry.get("legal_basis", ""),
            how_to_apply=entry.get("how_to_apply", ""),
            item=entry.get("item"),
            prefill=entry.get("prefill") or {},
            valid_from=entry.get("valid_from"),
            valid_until=entry.get("valid_until"),
            enabled=entry.get("enabled", True),
            auto_grant=entry.get("auto_grant", False),
        )
        for entry in entries
    ]


def rule_tree(policy, *, tag_lookup=None):
    """The parsed rule of a stored policy (references resolved from the database)."""
    from yimen.proactive.tags.definitions import db_lookup

    return rules.rule_parse(
        policy.rule, kind=rules.ENTERPRISE, tag_lookup=tag_lookup or db_lookup(), check_refs=False
    )
