"""A parsed rule (tags/rules.py) as a Django `Q` over `registry.Person` or `registry.Enterprise`.

Ages and day windows are computed from `today` in Python, so the SQL is the same on SQLite and
PostgreSQL and a birthday is crossed exactly on the day. Conditions on other rows (household, relations,
cases, certificates) are correlated `EXISTS` or `COUNT` subqueries on indexed foreign keys.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from yimen.common.dates import years_before
from yimen.proactive.tags import rules as r

_LOOKUPS = {
    "eq": Exact,
    "gte": GreaterThanOrEqual,
    "lte": LessThanOrEqual,
    "gt": GreaterThan,
    "lt": LessThan,
}


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def count_matches(count: r.Count, n: int) -> bool:
    return {
        "eq": n == count.value,
        "ne": n != count.value,
        "gte": n >= count.value,
        "lte": n <= count.value,
        "gt": n > count.value,
        "lt": n < count.value,
    }[count.op]


def _count_q(qs, count: r.Count) -> Q:
    """`count` applied to the rows of the correlated queryset `qs`: EXISTS where it can (the planner turns
    those into semi/anti joins), a COUNT subquery otherwise."""
    if (count.op, count.value) in (("gte", 1), ("gt", 0), ("ne", 0)):
        return Q(Exists(qs))
    if (count.op, count.value) in (("eq", 0), ("lt", 1), ("lte", 0)):
        return ~Q(Exists(qs))
    # COUNT as a plain function, not an aggregate: no GROUP BY, one row per outer row.
    counted = Coalesce(
        Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )
    if count.op == "ne":
        return ~Q(Exact(counted, count.value))
    return Q(_LOOKUPS[count.op](counted, count.value))


def field_q(node: r.Field, today: dt.date, prefix: str = "") -> Q:
    f, op, v = prefix + node.field, node.op, node.value
    if node.spec.type == "division":
        from yimen.places.models import Division

        path = Division.objects.filter(code=v).values_list("path", flat=True).first() or "\0"
        return Q(**{f"{f}__path__startswith": path})
    if op == "age_gte":
        return Q(**{f"{f}__lte": years_before(today, v)})
    if op == "age_lt":
        return Q(**{f"{f}__gt": years_before(today, v)})
    if op == "age_between":
        lo, hi = v
        return Q(**{f"{f}__lte": years_before(today, lo), f"{f}__gt": years_before(today, hi + 1)})
    if op == "within_days":
        return Q(**{f"{f}__gte": today - dt.timedelta(days=v), f"{f}__lte": today})
    if op == "before_days":
        return Q(**{f"{f}__lt": today - dt.timedelta(days=v)})
    if op == "is_null":
        return Q(**{f"{f}__isnull": v})
    if op == "eq":
        return Q(**{f: v})
    if op == "ne":
        return ~Q(**{f: v})
    if op == "in":
        return Q(**{f"{f}__in": list(v)})
    if op in ("contains", "startswith"):
        return Q(**{f"{f}__{op}": v})
    return Q(**{f"{f}__{op}": v})  # gte, lte, gt, lt on numbers


def alive_q(kind: str) -> Q:
    return Q(status="alive") if kind == r.PERSON else Q(status="active")


def rule_q(node, *, kind: str, today: dt.date, prefix: str = "") -> Q:
    if isinstance(node, r.All):
        q = Q()
        for child in node.children:
            q &= rule_q(child, kind=kind, today=today, prefix=prefix)
        return q
    if isinstance(node, r.AnyOf):
        q = Q(pk__in=[])
        for child in node.children:
            q |= rule_q(child, kind=kind, today=today, prefix=prefix)
        return q
    if isinstance(node, r.Not):
        return ~rule_q(node.child, kind=kind, today=today, prefix=prefix)
    if isinstance(node, r.Field):
        return field_q(node, today, prefix)
    if isinstance(node, r.TagRef):
        q = rule_q(node.rule, kind=kind, today=today)
        return q & alive_q(kind) if node.alive_only else q
    return _related_q(node, kind=kind, today=today)


def _related_q(node, *, kind: str, today: dt.date) -> Q:
    from yimen.cases.models import Case, Certificate
    from yimen.registry.models import Person, Relation

    if isinstance(node, r.HouseholdSize):
        members = Person.objects.filter(household_id=OuterRef("household_id"), status="alive")
        if (node.count.op, node.count.value) in (("eq", 1), ("lte", 1), ("lt", 2)):
            # "Living alone": for a living person, nobody else living in the household, an anti-join
            # PostgreSQL hashes (the COUNT subquery ran once per person: 11 s instead of ~2 s at 1.2M).
            others = members.exclude(pk=OuterRef("pk"))
            alone = Q(status="alive") & ~Q(Exists(others))
            dead = ~Q(status="alive") & _count_q(members, node.count)
            return Q(household__isnull=False) & (alone | dead)
        return Q(household__isnull=False) & _count_q(members, node.count)
    if isinstance(node, r.HouseholdMember):
        members = Person.objects.filter(household_id=OuterRef("household_id"), status="alive").filter(
            rule_q(node.rule, kind=kind, today=today)
        )
        return Q(household__isnull=False) & Q(Exists(members))
    if isinstance(node, r.Relation):
        rel = Relation.objects.filter(person_id=OuterRef("pk"), kind=node.kind)
        if node.where is not None:
            rel = rel.filter(rule_q(node.where, kind=kind, today=today, prefix="relative__"))
        return _count_q(rel, node.count)
    if isinstance(node, r.CaseCond):
        owner = "applicant_person_id" if kind == r.PERSON else "applicant_enterprise_id"
        cases = Case.objects.filter(**{owner: OuterRef("pk")}, item__implementation_code__in=node.items)
        if node.statuses:
            cases = cases.filter(status__in=node.statuses)
        if node.within_days is not None:
            since = day_start(today - dt.timedelta(days=node.within_days))
            stamp = "decided_at" if node.on_decision else "submitted_at"
            cases = cases.filter(**{f"{stamp}__gte": since})
        return _count_q(cases, node.count)
    if isinstance(node, r.CertificateCond):
        owner = "holder_person_id" if kind == r.PERSON else "holder_enterprise_id"
        certs = Certificate.objects.filter(**{owner: OuterRef("pk")})
        if node.items:
            certs = certs.filter(case__item__implementation_code__in=node.items)
        if node.name_contains:
            certs = certs.filter(name__contains=node.name_contains)
        valid = Q(state="valid") & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        if node.valid is True:
            certs = certs.filter(valid)
        elif node.valid is False:
            certs = certs.exclude(valid)
        if node.expires_within_days is not None:
            certs = certs.filter(
                state="valid",
                valid_until__gte=today,
                valid_until__lte=today + dt.timedelta(days=node.expires_within_days),
            )
        return Q(Exists(certs))
    raise TypeError(f"not a rule node: {node!r}")


def tag_q(tree, *, kind: str, alive_only: bool, today: dt.date) -> Q:
    q = rule_q(tree, kind=kind, today=today)
    return q & alive_q(kind) if alive_only else q
