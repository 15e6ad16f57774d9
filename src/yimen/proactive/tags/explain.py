"""Why a tag applies to one person (or enterprise): the rule evaluated in Python over that subject's
facts, each node giving the facts it looked at ("出生日期 1941-**-** → 85岁 ≥ 80", "户内在世人数 1").

It evaluates the same tree as `tags/query.py` with the same semantics (the tests check that both agree on
every tag for a crafted population). Personal values are masked as the registry masks them: a person's
dates show the year only; relatives are counted, never named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.proactive.tags import rules as r
from yimen.proactive.tags.query import age_on, count_matches, day_start, years_before

_OP_SIGNS = {"eq": "=", "ne": "≠", "gte": "≥", "lte": "≤", "gt": ">", "lt": "<"}


@dataclass
class Reason:
    text: str
    ok: bool
    children: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "ok": self.ok, "children": [c.as_dict() for c in self.children]}

    def lines(self, depth: int = 0) -> list[tuple[int, str, bool]]:
        out = [(depth, self.text, self.ok)]
        for child in self.children:
            out += child.lines(depth + 1)
        return out


class Facts:
    """What the rules may look at for one subject, loaded lazily with a few queries."""

    def __init__(self, subject, *, kind: str, today: dt.date, loader: FactsLoader):
        self.subject, self.kind, self.today, self.loader = subject, kind, today, loader

    @cached_property
    def household(self) -> list:
        from yimen.registry.models import Person

        if not self.subject.household_id:
            return []
        return list(Person.objects.filter(household_id=self.subject.household_id, status="alive"))

    @cached_property
    def relations(self) -> list:
        from yimen.registry.models import Relation

        return list(Relation.objects.filter(person=self.subject).select_related("relative"))

    @cached_property
    def cases(self) -> list:
        from yimen.cases.models import Case

        owner = "applicant_person" if self.kind == r.PERSON else "applicant_enterprise"
        return list(Case.objects.filter(**{owner: self.subject}).select_related("item", "version"))

    @cached_property
    def certificates(self) -> list:
        from yimen.cases.models import Certificate

        owner = "holder_person" if self.kind == r.PERSON else "holder_enterprise"
        return list(Certificate.objects.filter(**{owner: self.subject}).select_related("case__item"))


class FactsLoader:
    def __init__(self, today: dt.date):
        self.today = today
        self._facts: dict[tuple[str, int], Facts] = {}

    def get(self, subject, kind: str) -> Facts:
        key = (kind, subject.pk)
        if key not in self._facts:
            self._facts[key] = Facts(subject, kind=kind, today=self.today, loader=self)
        return self._facts[key]


def _masked_date(day: dt.date | None, *, personal: bool) -> str:
    if day is None:
        return "—"
    return f"{day.year}-**-**" if personal else day.isoformat()


def _display(spec: r.FieldSpec, name: str, value, subject) -> str:
    if value is None or value == "":
        return "—"
    if spec.type == "bool":
        return _("是") if value else _("否")
    if spec.type == "choice":
        choices = dict(type(subject)._meta.get_field(name).choices or [])
        return str(choices.get(value, value))
    return str(value)


def _field(node: r.Field, subject, today: dt.date, *, personal: bool) -> Reason:
    spec, op, v = node.spec, node.op, node.value
    label = _(spec.label)
    if spec.type == "division":
        division = getattr(subject, node.field)
        ok = division is not None and division.path.startswith(_division_path(v))
        return Reason(
            _("%(label)s %(name)s，属于区划 %(code)s：%(yes)s")
            % {
                "label": label,
                "name": division.name if division else "—",
                "code": v,
                "yes": _("是") if ok else _("否"),
            },
            ok,
        )
    value = getattr(subject, node.field)
    if spec.type == "date":
        shown = _masked_date(value, personal=personal)
        if op == "is_null":
            ok = (value is None) == v
            return Reason(
                _("%(label)s %(value)s（要求%(want)s）")
                % {"label": label, "value": shown, "want": _("为空") if v else _("不为空")},
                ok,
            )
        if value is None:
            return Reason(_("%(label)s 为空") % {"label": label}, False)
        if op in ("age_gte", "age_lt", "age_between"):
            age = age_on(value, today)
            if op == "age_gte":
                ok, cond = value <= years_before(today, v), f"≥ {v}"
            elif op == "age_lt":
                ok, cond = value > years_before(today, v), f"< {v}"
            else:
                lo, hi = v
                ok, cond = years_before(today, hi + 1) < value <= years_before(today, lo), f"{lo}–{hi}"
            return Reason(
                _("%(label)s %(value)s → %(age)d岁 %(cond)s")
                % {"label": label, "value": shown, "age": age, "cond": cond},
                ok,
            )
        days = (today - value).days
        if op == "within_days":
            ok = 0 <= days <= v
            return Reason(
                _("%(label)s %(value)s → 距今 %(days)d 天，要求 ≤ %(n)d 天")
                % {"label": label, "value": shown, "days": days, "n": v},
                ok,
            )
        ok = days > v  # before_days
        return Reason(
            _("%(label)s %(value)s → 距今 %(days)d 天，要求 > %(n)d 天")
            % {"label": label, "value": shown, "days": days, "n": v},
            ok,
        )
    shown = _display(spec, node.field, value, subject)
    if op == "eq":
        ok, want = value == v, _display(spec, node.field, v, subject)
        return Reason(f"{label} {shown} = {want}" if ok else f"{label} {shown} ≠ {want}", ok)
    if op == "ne":
        return Reason(f"{label} {shown} ≠ {_display(spec, node.field, v, subject)}", value != v)
    if op == "in":
        wanted = "、".join(_display(spec, node.field, x, subject) for x in v)
        ok = value in v
        return Reason(
            _("%(label)s %(value)s，在 %(wanted)s 之中：%(yes)s")
            % {"label": label, "value": shown, "wanted": wanted, "yes": _("是") if ok else _("否")},
            ok,
        )
    if op == "contains":
        ok = value is not None and v in value
        return Reason(
            _("%(label)s %(value)s，包含“%(want)s”：%(yes)s")
            % {"label": label, "value": shown, "want": v, "yes": _("是") if ok else _("否")},
            ok,
        )
    if op == "startswith":
        ok = value is not None and str(value).startswith(v)
        return Reason(
            _("%(label)s %(value)s，以“%(want)s”开头：%(yes)s")
            % {"label": label, "value": shown, "want": v, "yes": _("是") if ok else _("否")},
            ok,
        )
    ok = value is not None and count_matches(r.Count(op, v), value)
    return Reason(f"{label} {shown} {_OP_SIGNS[op]} {v}", ok)


def _division_path(code: str) -> str:
    from yimen.places.models import Division

    return Division.objects.filter(code=code).values_list("path", flat=True).first() or "\0"


def _count_text(count: r.Count) -> str:
    return f"{_OP_SIGNS[count.op]} {count.value}"


def _relation_label(kind: str) -> str:
    from yimen.registry.models import Relation

    return str(dict(Relation.Kind.choices).get(kind, kind))


def evaluate(node, facts: Facts) -> Reason:
    subject, today, personal = facts.subject, facts.today, facts.kind == r.PERSON
    if isinstance(node, r.All):
        children = [evaluate(c, facts) for c in node.children]
        return Reason(_("全部满足"), all(c.ok for c in children), children)
    if isinstance(node, r.AnyOf):
        children = [evaluate(c, facts) for c in node.children]
        return Reason(_("满足任一"), any(c.ok for c in children), children)
    if isinstance(node, r.Not):
        inner = evaluate(node.child, facts)
        return Reason(_("不满足以下条件"), not inner.ok, [inner])
    if isinstance(node, r.Field):
        return _field(node, subject, today, personal=personal)
    if isinstance(node, r.TagRef):
        inner = evaluate(node.rule, facts)
        children = [inner]
        ok = inner.ok
        if node.alive_only:
            alive = _alive(facts)
            children.append(alive)
            ok = ok and alive.ok
        return Reason(_("标签 %(code)s") % {"code": f"{node.name}（{node.code}）"}, ok, children)
    if isinstance(node, r.HouseholdSize):
        if not subject.household_id:
            return Reason(_("未登记户"), False)
        n = len(facts.household)
        return Reason(
            _("户内在世人数 %(n)d（要求 %(want)s）") % {"n": n, "want": _count_text(node.count)},
            count_matches(node.count, n),
        )
    if isinstance(node, r.HouseholdMember):
        if not subject.household_id:
            return Reason(_("未登记户"), False)
        for member in facts.household:
            inner = evaluate(node.rule, facts.loader.get(member, r.PERSON))
            if inner.ok:
                who = (
                    _("本人")
                    if member.pk == subject.pk
                    else (member.get_household_role_display() or _("户内成员"))
                )
                return Reason(_("户内成员（%(who)s）满足条件") % {"who": who}, True, [inner])
        return Reason(_("户内 %(n)d 名在世成员均不满足条件") % {"n": len(facts.household)}, False)
    if isinstance(node, r.Relation):
        matching, children = 0, []
        for rel in facts.relations:
            if rel.kind != node.kind:
                continue
            if node.where is None:
                matching += 1
                continue
            inner = _evaluate_relative(node.where, rel.relative, today)
            if inner.ok:
                matching += 1
                children.append(inner)
        return Reason(
            _("%(kind)s %(n)d 人%(where)s（要求 %(want)s）")
            % {
                "kind": _relation_label(node.kind),
                "n": matching,
                "where": _("满足条件") if node.where is not None else "",
                "want": _count_text(node.count),
            },
            count_matches(node.count, matching),
            children[:3],
        )
    if isinstance(node, r.CaseCond):
        return _cases(node, facts)
    if isinstance(node, r.CertificateCond):
        return _certificates(node, facts)
    raise TypeError(f"not a rule node: {node!r}")


def _evaluate_relative(node, relative, today: dt.date) -> Reason:
    if isinstance(node, r.All | r.AnyOf):
        children = [_evaluate_relative(c, relative, today) for c in node.children]
        ok = all(c.ok for c in children) if isinstance(node, r.All) else any(c.ok for c in children)
        return Reason(_("全部满足") if isinstance(node, r.All) else _("满足任一"), ok, children)
    if isinstance(node, r.Not):
        inner = _evaluate_relative(node.child, relative, today)
        return Reason(_("不满足以下条件"), not inner.ok, [inner])
    return _field(node, relative, today, personal=True)


def _alive(facts: Facts) -> Reason:
    subject = facts.subject
    want = "alive" if facts.kind == r.PERSON else "active"
    return Reason(
        _("状态 %(s)s（标签只适用于在世/存续对象）") % {"s": subject.get_status_display()},
        subject.status == want,
    )


def _cases(node: r.CaseCond, facts: Facts) -> Reason:
    from yimen.cases.models import Status

    labels = dict(Status.choices)
    since = (
        day_start(facts.today - dt.timedelta(days=node.within_days)) if node.within_days is not None else None
    )
    stamp = "decided_at" if node.on_decision else "submitted_at"
    matched = []
    for case in facts.cases:
        if case.item.implementation_code not in node.items:
            continue
        if node.statuses and case.status not in node.statuses:
            continue
        at = getattr(case, stamp)
        if since is not None and (at is None or at < since):
            continue
        matched.append(case)
    children = [
        Reason(
            _("办件 %(number)s %(name)s：%(status)s，%(when)s")
            % {
                "number": case.number or case.pk,
                "name": case.version.name,
                "status": labels.get(case.status, case.status),
                "when": timezone.localdate(getattr(case, stamp)).isoformat() if getattr(case, stamp) else "—",
            },
            True,
        )
        for case in matched[:5]
    ]
    statuses = "、".join(str(labels.get(s, s)) for s in node.statuses) or _("任意状态")
    window = _("，近 %(n)d 天内") % {"n": node.within_days} if node.within_days is not None else ""
    return Reason(
        _("相关办件（%(statuses)s%(window)s）%(n)d 件（要求 %(want)s）")
        % {"statuses": statuses, "window": window, "n": len(matched), "want": _count_text(node.count)},
        count_matches(node.count, len(matched)),
        children,
    )


def _certificates(node: r.CertificateCond, facts: Facts) -> Reason:
    today = facts.today
    matched = []
    for cert in facts.certificates:
        if node.items and cert.case.item.implementation_code not in node.items:
            continue
        if node.name_contains and node.name_contains not in cert.name:
            continue
        valid = cert.state == "valid" and (cert.valid_until is None or cert.valid_until >= today)
        if node.valid is not None and valid != node.valid:
            continue
        if node.expires_within_days is not None and not (
            cert.state == "valid"
            and cert.valid_until is not None
            and today <= cert.valid_until <= today + dt.timedelta(days=node.expires_within_days)
        ):
            continue
        matched.append(cert)
    children = [
        Reason(
            _("证照 %(name)s %(number)s，%(state)s，有效期至 %(until)s")
            % {
                "name": c.name,
                "number": c.number,
                "state": c.get_state_display(),
                "until": c.valid_until.isoformat() if c.valid_until else _("长期"),
            },
            True,
        )
        for c in matched[:5]
    ]
    if node.expires_within_days is not None:
        text = _("%(n)d 天内到期的有效证照 %(count)d 个") % {
            "n": node.expires_within_days,
            "count": len(matched),
        }
    else:
        text = _("符合条件的证照 %(count)d 个") % {"count": len(matched)}
    return Reason(text, bool(matched), children)


@dataclass
class Explanation:
    tag_code: str
    tag_name: str
    matched: bool
    reason: Reason


def explain(
    tag, subject, *, today: dt.date | None = None, tree=None, loader: FactsLoader | None = None
) -> Explanation:
    """Whether `tag` (a TagDefinition) applies to `subject` today, and why: the evaluated facts."""
    from yimen.proactive.tags.definitions import tag_tree

    today = today or timezone.localdate()
    loader = loader or FactsLoader(today)
    tree = tree if tree is not None else tag_tree(tag)
    facts = loader.get(subject, tag.kind)
    reason = evaluate(tree, facts)
    ok = reason.ok
    if tag.alive_only:
        alive = _alive(facts)
        ok = ok and alive.ok
        if not alive.ok:
            reason = Reason(_("全部满足"), False, [reason, alive])
    return Explanation(tag.code, tag.name, ok, reason)
