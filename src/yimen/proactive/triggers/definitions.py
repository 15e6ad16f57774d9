"""Life-event trigger rules as data: the shipped YAML (`proactive/triggers.yaml`), reading it, and the
checks every rule passes before it is stored (from the YAML, the admin or a service call).

A rule: `code`, `name`, `kind` (a TriggerKind), `params` (per kind, below), `offers` (implementation
codes of published catalog items), optional `life_stage`, `event_text` (the first sentence of the
message, e.g. "您的生育登记已办结"; may use the kind's placeholders) and `template` (a notify template
whose placeholders this rule can fill: name, event, offers, count).

    case_completed          {item: CODE | "*"}              the applicant (an enterprise: its legal representative);
                            "*" with no offers: any item, offering the catalog's related items of the
                            completed item (where no rule names that item itself)
    birth                   {within_days: N (30)}           the newborn's parents
    birthday                {ages: [60, 70, 80]}            the person, on that birthday
    retirement_age          {male: 60, female: 55}          the person, on the day they reach it
    graduation              {age: N, day: "MM-DD", recipients: self|parents}
                            the yearly school-leaving cohort (age N on 31 August), on that day
    death                   {}                              the deceased's spouse, children and parents
    enterprise_established  {}                              the enterprise's legal representative
    certificate_expiring    {days: N, certificates: [name]} the holder (an enterprise: its legal representative)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from yimen.common.definitions import definitions_read
from yimen.common.definitions import fail_at as _fail
from yimen.proactive.models import TriggerKind

FIXTURE = Path(__file__).resolve().parents[1] / "triggers.yaml"
FORMAT = "yimen-triggers/1"
_FIELDS = {"code", "name", "kind", "params", "offers", "life_stage", "event_text", "template", "enabled"}
# What a rule fills in for its template (besides the registry's {name}).
CONTEXT = ("event", "offers", "count")
# Placeholders an event_text may use, per kind.
EVENT_PLACEHOLDERS = {
    TriggerKind.CASE_COMPLETED: {"item"},
    TriggerKind.BIRTH: set(),
    TriggerKind.BIRTHDAY: {"age"},
    TriggerKind.RETIREMENT_AGE: {"age"},
    TriggerKind.GRADUATION: {"year"},
    TriggerKind.DEATH: set(),
    TriggerKind.ENTERPRISE_ESTABLISHED: {"enterprise"},
    TriggerKind.CERTIFICATE_EXPIRING: {"licence", "expires_on"},
}
PARAMS = {
    TriggerKind.CASE_COMPLETED: {"item"},
    TriggerKind.BIRTH: {"within_days"},
    TriggerKind.BIRTHDAY: {"ages"},
    TriggerKind.RETIREMENT_AGE: {"male", "female"},
    TriggerKind.GRADUATION: {"age", "day", "recipients"},
    TriggerKind.DEATH: set(),
    TriggerKind.ENTERPRISE_ESTABLISHED: set(),
    TriggerKind.CERTIFICATE_EXPIRING: {"days", "certificates"},
}
MAX_OFFERS = 12
ANY_ITEM = "*"  # case_completed: any item; offers default to the completed item's related items


@dataclass
class TriggerSpec:
    """A rule before it is stored."""

    code: str
    name: str
    kind: str
    event_text: str
    template: str = "life_event_offer"
    params: dict = field(default_factory=dict)
    offers: list[str] = field(default_factory=list)
    life_stage: str | None = None
    enabled: bool = True


def _int(value, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        _fail(
            path, _("应为 %(lo)d 到 %(hi)d 之间的整数，实为 %(v)s") % {"lo": lo, "hi": hi, "v": repr(value)}
        )
    return value


def params_check(kind: str, params) -> dict:
    """The params of a rule of `kind` with defaults filled in; ValidationFailed naming the key."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        _fail("params", _("应为映射"))
    allowed = PARAMS[kind]
    for key in params:
        if key not in allowed:
            _fail(
                f"params.{key}",
                _("“%(kind)s”规则没有参数 “%(k)s”（可用：%(allowed)s）")
                % {"kind": kind, "k": key, "allowed": ", ".join(sorted(allowed)) or "-"},
            )
    out = dict(params)
    if kind == TriggerKind.CASE_COMPLETED:
        if not isinstance(out.get("item"), str) or not out["item"].strip():
            _fail("params.item", _("请填写办结后触发推送的事项实施编码（* 表示任一事项）"))
        from yimen.catalog.models import ServiceItem

        if (
            out["item"] != ANY_ITEM
            and not ServiceItem.objects.filter(implementation_code=out["item"]).exists()
        ):
            _fail("params.item", _("事项 %(code)s 不在事项目录中") % {"code": out["item"]})
    elif kind == TriggerKind.BIRTH:
        out["within_days"] = _int(out.get("within_days", 30), "params.within_days", 1, 366)
    elif kind == TriggerKind.BIRTHDAY:
        ages = out.get("ages")
        if not isinstance(ages, list) or not ages:
            _fail("params.ages", _("请列出触发推送的周岁，如 [60, 70, 80]"))
        out["ages"] = sorted({_int(a, f"params.ages[{i}]", 1, 120) for i, a in enumerate(ages)})
    elif kind == TriggerKind.RETIREMENT_AGE:
        out["male"] = _int(out.get("male", 60), "params.male", 40, 75)
        out["female"] = _int(out.get("female", 55), "params.female", 40, 75)
    elif kind == TriggerKind.GRADUATION:
        out["age"] = _int(out.get("age"), "params.age", 3, 30)
        on = out.get("day", "06-20")
        if not isinstance(on, str) or not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", on):
            _fail("params.day", _("应为 MM-DD 格式的日期，如 06-20"))
        out["day"] = on
        if out.get("recipients", "self") not in ("self", "parents"):
            _fail("params.recipients", _("应为 self（本人）或 parents（父母）"))
        out["recipients"] = out.get("recipients", "self")
    elif kind == TriggerKind.CERTIFICATE_EXPIRING:
        out["days"] = _int(out.get("days", 30), "params.days", 1, 365)
        names = out.get("certificates", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            _fail("params.certificates", _("应为证照名称列表（留空：所有证照）"))
    return out


def _placeholders(text: str, path: str) -> set[str]:
    from yimen.notify import placeholders

    names, problems = placeholders.scan(text, field=path)
    if problems:
        _fail(path, problems[0].message)
    return set(names)


def spec_check(spec: TriggerSpec) -> dict:
    """Check one rule against itself and the database (items, life stage, template); returns the
    checked params. ValidationFailed names the key: `offers[2]: 事项 ... 不在事项目录中`."""
    from yimen.catalog.models import LifeStage, ServiceItem
    from yimen.notify.models import Template

    if not re.fullmatch(r"[a-z][a-z0-9_]{1,47}", spec.code or ""):
        _fail("code", _("规则代码应为小写字母开头的字母、数字、下划线（2-48位）"))
    if not (spec.name or "").strip() or len(spec.name) > 64:
        _fail("name", _("规则名称不能为空，且不超过64个字"))
    if spec.kind not in TriggerKind.values:
        _fail(
            "kind",
            _("未知触发事件 “%(k)s”（可用：%(all)s）")
            % {"k": spec.kind, "all": ", ".join(TriggerKind.values)},
        )
    params = params_check(spec.kind, spec.params)
    if not isinstance(spec.offers, list):
        _fail("offers", _("应为事项实施编码列表"))
    # An expiring certificate offers the item that issued it (its renewal), and a rule for any completed
    # case the completed item's related items in the catalog, when the rule lists none.
    if not spec.offers and not (
        spec.kind == TriggerKind.CERTIFICATE_EXPIRING
        or (spec.kind == TriggerKind.CASE_COMPLETED and params.get("item") == ANY_ITEM)
    ):
        _fail("offers", _("请至少列出一个推送事项"))
    if len(spec.offers) > MAX_OFFERS:
        _fail("offers", _("推送事项不能超过 %(n)d 个") % {"n": MAX_OFFERS})
    found = dict(
        ServiceItem.objects.filter(implementation_code__in=[str(c) for c in spec.offers]).values_list(
            "implementation_code", "current_version_id"
        )
    )
    for i, code in enumerate(spec.offers):
        if code not in found:
            _fail(f"offers[{i}]", _("事项 %(code)s 不在事项目录中") % {"code": code})
        if found[code] is None:
            _fail(f"offers[{i}]", _("事项 %(code)s 尚未发布") % {"code": code})
    if len(set(spec.offers)) != len(spec.offers):
        _fail("offers", _("推送事项重复"))
    if spec.life_stage and not LifeStage.objects.filter(code=spec.life_stage).exists():
        _fail("life_stage", _("未知人生阶段 “%(c)s”") % {"c": spec.life_stage})
    text = (spec.event_text or "").strip()
    if not text or len(text) > 100:
        _fail("event_text", _("事件说明不能为空，且不超过100个字"))
    allowed = EVENT_PLACEHOLDERS[spec.kind]
    for name in sorted(_placeholders(text, "event_text")):
        if name not in allowed:
            _fail(
                "event_text",
                _("“%(kind)s”规则的事件说明不能使用占位符 {%(name)s}（可用：%(allowed)s）")
                % {"kind": spec.kind, "name": name, "allowed": ", ".join(sorted(allowed)) or "-"},
            )
    template = Template.objects.filter(code=spec.template).first()
    if template is None:
        _fail("template", _("消息模板 %(c)s 不存在") % {"c": spec.template})
    used = _placeholders(template.subject, "template") | _placeholders(template.body, "template")
    unknown = sorted(used - set(CONTEXT) - {"name"})
    if unknown:
        _fail(
            "template",
            _("模板 %(t)s 使用了占位符 {%(name)s}，推送规则只提供 %(have)s")
            % {"t": template.code, "name": unknown[0], "have": ", ".join(("name", *CONTEXT))},
        )
    return params


def fixture_read(path: Path | str | None = None) -> list[TriggerSpec]:
    """The rules in a triggers YAML file; ValidationFailed naming the entry and key when malformed."""
    entries = definitions_read(
        path or FIXTURE,
        format=FORMAT,
        key="triggers",
        fields=_FIELDS,
        required=("code", "name", "kind", "offers", "event_text"),
        noun=_("推送规则"),
    )
    return [
        TriggerSpec(
            code=str(entry["code"]),
            name=str(entry["name"]),
            kind=str(entry["kind"]),
            params=entry.get("params") or {},
            offers=[str(c) for c in entry["offers"]]
            if isinstance(entry["offers"], list)
            else entry["offers"],
            life_stage=entry.get("life_stage"),
            event_text=str(entry["event_text"]),
            template=str(entry.get("template", "life_event_offer")),
            enabled=bool(entry.get("enabled", True)),
        )
        for entry in entries
    ]
