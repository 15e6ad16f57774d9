"""Reads of policies: the staff library with counts, one policy's matched enterprises (enterprise names
are public registration data; legal representatives are masked), an enterprise's own offers with why they
apply, and a rule in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.accounts.models import Role
from yimen.common.errors import NotFound, PermissionDenied
from yimen.common.masking import mask_name
from yimen.policies.definitions import PREFILL_SOURCES, prefill_values, rule_tree
from yimen.policies.models import MatchState, Policy, PolicyMatch
from yimen.proactive.tags import rules as r
from yimen.proactive.tags.definitions import db_lookup
from yimen.proactive.tags.explain import FactsLoader, evaluate

PAGE_SIZE = 50
COUNTED = (MatchState.ELIGIBLE, MatchState.NOTIFIED, MatchState.APPLIED, MatchState.GRANTED)


def require_staff(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.can(roles.ENTERPRISE_VIEW)):
        raise PermissionDenied(_("只有可查看法人库的工作人员可以查看惠企政策匹配"))


def can_rematch(user) -> bool:
    """Matching sends offers to enterprises, so it takes the right to run notification campaigns."""
    return getattr(user, "is_authenticated", False) and user.can(roles.NOTIFY_CAMPAIGN_MANAGE)


# ------------------------------------------------------------------------------------------- rule text

_SIGNS = {"eq": "=", "ne": "≠", "gte": "≥", "lte": "≤", "gt": ">", "lt": "<"}


def _value_text(node: r.Field, value) -> str:
    if node.spec.type == "choice" and node.field == "kind":
        from yimen.registry.models import Enterprise

        return str(dict(Enterprise.Kind.choices).get(value, value))
    if node.spec.type == "choice" and node.field == "status":
        from yimen.registry.models import Enterprise

        return str(dict(Enterprise.Status.choices).get(value, value))
    return str(value)


def _field_text(node: r.Field) -> str:
    name, op, v = _(node.spec.label), node.op, node.value
    if op == "within_days":
        return _("%(f)s 在近 %(n)d 天内") % {"f": name, "n": v}
    if op == "before_days":
        return _("%(f)s 早于 %(n)d 天前") % {"f": name, "n": v}
    if op == "age_gte":
        return _("%(f)s 已满 %(n)d 年") % {"f": name, "n": v}
    if op == "age_lt":
        return _("%(f)s 不满 %(n)d 年") % {"f": name, "n": v}
    if op == "age_between":
        return _("%(f)s 满 %(lo)d 至 %(hi)d 年") % {"f": name, "lo": v[0], "hi": v[1]}
    if op == "is_null":
        return _("%(f)s 为空") % {"f": name} if v else _("%(f)s 不为空") % {"f": name}
    if op == "in":
        return _("%(f)s 为 %(v)s 之一") % {"f": name, "v": "、".join(_value_text(node, x) for x in v)}
    if op == "contains":
        return _("%(f)s 包含“%(v)s”") % {"f": name, "v": v}
    if op == "startswith":
        return _("%(f)s 以“%(v)s”开头") % {"f": name, "v": v}
    if op == "in_division":
        from yimen.places.models import Division

        division = Division.objects.filter(code=v).values_list("name", flat=True).first()
        return _("%(f)s 属于 %(v)s") % {"f": name, "v": division or v}
    return f"{name} {_SIGNS[op]} {_value_text(node, v)}"


def _item_names(codes) -> str:
    """Items by their published name (the code when it has none)."""
    from yimen.catalog.models import ServiceItem

    names = dict(
        ServiceItem.objects.filter(implementation_code__in=codes).values_list(
            "implementation_code", "current_version__name"
        )
    )
    return "、".join(f"“{names[c]}”" if names.get(c) else c for c in codes)


def rule_lines(node, depth: int = 0) -> list[tuple[int, str]]:
    """The rule in words, one condition a line with its depth: "满足以下全部条件", "成立日期 在近 365 天内"."""
    if isinstance(node, r.All | r.AnyOf):
        head = _("满足以下全部条件") if isinstance(node, r.All) else _("满足以下任一条件")
        out = [(depth, head)]
        for child in node.children:
            out += rule_lines(child, depth + 1)
        return out
    if isinstance(node, r.Not):
        return [(depth, _("不满足以下条件")), *rule_lines(node.child, depth + 1)]
    if isinstance(node, r.Field):
        return [(depth, _field_text(node))]
    if isinstance(node, r.TagRef):
        return [
            (depth, _("具有标签“%(name)s”（%(code)s），即：") % {"name": node.name, "code": node.code})
        ] + (rule_lines(node.rule, depth + 1))
    if isinstance(node, r.CaseCond):
        return [(depth, _("办理过事项 %(items)s") % {"items": _item_names(node.items)})]
    if isinstance(node, r.CertificateCond):
        parts = [_("持有电子证照")]
        if node.name_contains:
            parts.append(_("名称含“%(n)s”") % {"n": node.name_contains})
        if node.items:
            parts.append(_("事项 %(items)s") % {"items": _item_names(node.items)})
        if node.valid is not None:
            parts.append(_("有效") if node.valid else _("已失效"))
        if node.expires_within_days is not None:
            parts.append(_("%(n)d 天内到期") % {"n": node.expires_within_days})
        return [(depth, "，".join(parts))]
    return [(depth, str(node))]


def _lines_or_problem(policy: Policy, lookup) -> list[tuple[int, str]]:
    try:
        return rule_lines(rule_tree(policy, tag_lookup=lookup))
    except Exception as exc:  # a tag the rule names was deleted since: show it, do not break the page
        return [(0, _("规则无法解析：%(e)s") % {"e": getattr(exc, "message", exc)})]


# ------------------------------------------------------------------------------------------- staff


def _counts(policy_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {pk: {s: 0 for s in MatchState.values} for pk in policy_ids}
    rows = (
        PolicyMatch.objects.filter(policy_id__in=policy_ids)
        .values_list("policy_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for pk, state, n in rows:
        out[pk][state] = n
    return out


def policy_library(user) -> list[dict]:
    require_staff(user)
    policies = list(Policy.objects.select_related("department", "item__current_version"))
    counts = _counts([p.pk for p in policies])
    lookup = db_lookup()
    today = timezone.localdate()
    return [
        {
            "policy": p,
            "lines": _lines_or_problem(p, lookup),
            "counts": counts[p.pk],
            "in_effect": p.in_effect(today),
        }
        for p in policies
    ]


@dataclass
class MatchRow:
    match: PolicyMatch
    enterprise_name: str
    uscc: str
    representative: str  # masked


def policy_detail(user, code: str, *, page: int = 1, state: str = "") -> dict:
    require_staff(user)
    policy = Policy.objects.select_related("department", "item__current_version").filter(code=code).first()
    if policy is None:
        raise NotFound(_("未找到该政策"))
    matches = PolicyMatch.objects.filter(policy=policy).select_related(
        "enterprise__legal_representative", "case"
    )
    if state in MatchState.values:
        matches = matches.filter(state=state)
    paged = Paginator(matches.order_by("-state_changed_at", "pk"), PAGE_SIZE).get_page(page)
    rows = [
        MatchRow(
            m,
            m.enterprise.name,
            m.enterprise.uscc,
            mask_name(m.enterprise.legal_representative.name) if m.enterprise.legal_representative else "—",
        )
        for m in paged
    ]
    return {
        "policy": policy,
        "lines": _lines_or_problem(policy, db_lookup()),
        "counts": _counts([policy.pk])[policy.pk],
        "page": paged,
        "rows": rows,
        "state": state if state in MatchState.values else "",
        "in_effect": policy.in_effect(timezone.localdate()),
    }


# ------------------------------------------------------------------------------------------- enterprise


def enterprises_of(user) -> list:
    """The enterprises whose offers this user sees: an agent's enterprise; a citizen's enterprises where
    they are the legal representative (read only: applying is for the enterprise's agent)."""
    from yimen.registry.models import Enterprise

    if not getattr(user, "is_authenticated", False):
        return []
    q = Q(pk__in=[])
    if user.enterprise_id:
        q |= Q(pk=user.enterprise_id)
    if user.person_id:
        q |= Q(legal_representative_id=user.person_id)
    return list(
        Enterprise.objects.filter(q).select_related("legal_representative", "division").order_by("pk")
    )


@dataclass
class Offer:
    match: PolicyMatch
    policy: Policy
    enterprise: object
    why: list = field(default_factory=list)  # (depth, text, ok)
    prefill: list = field(default_factory=list)  # (form field title, value)
    can_apply: bool = False


def policies_mine(user, *, today: dt.date | None = None) -> dict:
    """An enterprise's offers: open, applied and granted, each with what it gets, why it applies (the rule
    evaluated over the enterprise's own data) and the pre-filled form; dismissed ones apart."""
    enterprises = enterprises_of(user)
    if not enterprises:
        raise PermissionDenied(_("请使用企业经办人账号登录，查看企业可享受的惠企政策"))
    today = today or timezone.localdate()
    by_id = {e.pk: e for e in enterprises}
    matches = (
        PolicyMatch.objects.filter(enterprise_id__in=by_id)
        .exclude(state=MatchState.EXPIRED)
        .select_related("policy__department", "policy__item__current_version", "case")
        .order_by("policy__order", "policy__code", "enterprise_id")
    )
    loader, lookup = FactsLoader(today), db_lookup()
    offers, dismissed = [], []
    agent = user.role == Role.ENTERPRISE_AGENT
    for m in matches:
        enterprise = by_id[m.enterprise_id]
        offer = Offer(m, m.policy, enterprise)
        if m.state == MatchState.DISMISSED:
            dismissed.append(offer)
            continue
        try:
            reason = evaluate(rule_tree(m.policy, tag_lookup=lookup), loader.get(enterprise, r.ENTERPRISE))
            offer.why = reason.lines()
        except Exception:
            offer.why = [(0, line, True) for _, line in _lines_or_problem(m.policy, lookup)]
        version = m.policy.item.current_version if m.policy.item_id else None
        props = ((version.form_schema or {}) if version else {}).get("properties", {})
        values = m.prefill if m.state == MatchState.APPLIED else prefill_values(m.policy.prefill, enterprise)
        offer.prefill = [
            (props.get(k, {}).get("title") or _(PREFILL_SOURCES[m.policy.prefill[k]].label), v)
            for k, v in values.items()
            if k in m.policy.prefill
        ]
        offer.can_apply = (
            agent
            and user.enterprise_id == m.enterprise_id
            and m.state in (MatchState.ELIGIBLE, MatchState.NOTIFIED)
            and m.policy.item_id is not None
            and m.policy.in_effect(today)
        )
        offers.append(offer)
    return {"enterprises": enterprises, "offers": offers, "dismissed": dismissed, "agent": agent}


def match_of_agent(user, pk: int) -> PolicyMatch:
    """A match of the agent's own enterprise (another enterprise's is not found)."""
    if not getattr(user, "is_authenticated", False) or not user.enterprise_id:
        raise NotFound(_("未找到该政策匹配"))
    match = (
        PolicyMatch.objects.select_related("policy").filter(pk=pk, enterprise_id=user.enterprise_id).first()
    )
    if match is None:
        raise NotFound(_("未找到该政策匹配"))
    return match
