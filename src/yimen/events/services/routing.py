"""Routing rules (category x area -> department), edited by the command centre, and the route lookup."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import NotFound, ValidationFailed
from yimen.events.models import Category, RoutingRule, Subcategory
from yimen.events.services._base import require
from yimen.places.models import Department, Division


def route(*, subcategory: Subcategory, grid: Division) -> tuple[Department, RoutingRule | None]:
    """The first active rule (by position) matching the subcategory and the grid's area wins; otherwise
    the subcategory's default department from the taxonomy."""
    rules = RoutingRule.objects.filter(active=True).select_related("division", "department")
    for rule in rules.order_by("position", "id"):
        if rule.subcategory_id and rule.subcategory_id != subcategory.pk:
            continue
        if rule.category_id and rule.category_id != subcategory.category_id:
            continue
        if rule.division_id and not grid.path.startswith(rule.division.path):
            continue
        return rule.department, rule
    return subcategory.department, None


def _resolve(*, category: str = "", subcategory: str = "", division: str = "", department: str = "") -> dict:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"category": None, "subcategory": None, "division": None, "department": None}
    lookups = (
        ("category", category, Category, "code"),
        ("subcategory", subcategory, Subcategory, "code"),
        ("division", division, Division, "code"),
        ("department", department, Department, "code"),
    )
    for name, value, model, key in lookups:
        value = (value or "").strip()
        if not value:
            continue
        found = model.objects.filter(**{key: value}).first()
        if found is None:
            errors[name] = [_("未找到 %(v)s (not found)") % {"v": value}]
        out[name] = found
    if out["department"] is None and "department" not in errors:
        errors["department"] = [_("请选择处置部门 (department required)")]
    if out["category"] and out["subcategory"] and out["subcategory"].category_id != out["category"].pk:
        errors["subcategory"] = [_("小类不属于所选大类 (subcategory not in category)")]
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], field=field, errors=errors)
    return out


def _snapshot(rule: RoutingRule) -> dict:
    return {
        "position": rule.position,
        "category": rule.category_id,
        "subcategory": rule.subcategory_id,
        "division": rule.division_id,
        "department": rule.department_id,
        "active": rule.active,
        "note": rule.note,
    }


@transaction.atomic
def routing_rule_create(
    *,
    actor,
    department: str,
    category: str = "",
    subcategory: str = "",
    division: str = "",
    note: str = "",
    position: int | None = None,
) -> RoutingRule:
    """A new rule; at the end of the list unless a position is given (later rules move down)."""
    require(actor, roles.EVENT_COMMAND)
    refs = _resolve(category=category, subcategory=subcategory, division=division, department=department)
    last = RoutingRule.objects.select_for_update().aggregate(m=Max("position"))["m"] or 0
    if position is None or position > last:
        position = last + 1
    if position < 1:
        raise ValidationFailed(_("顺序应为正整数 (position must be >= 1)"), field="position")
    RoutingRule.objects.filter(position__gte=position).update(position=F("position") + 1)
    rule = RoutingRule.objects.create(position=position, note=note.strip()[:200], **refs)
    audit.record(kind="events.routing_rule.created", subject=rule, actor=actor, content=_snapshot(rule))
    return rule


@transaction.atomic
def routing_rule_update(
    *,
    actor,
    rule_id: int,
    department: str,
    category: str = "",
    subcategory: str = "",
    division: str = "",
    note: str = "",
    active: bool = True,
) -> RoutingRule:
    require(actor, roles.EVENT_COMMAND)
    rule = _rule(rule_id)
    refs = _resolve(category=category, subcategory=subcategory, division=division, department=department)
    for key, value in refs.items():
        setattr(rule, key, value)
    rule.note, rule.active = note.strip()[:200], bool(active)
    rule.save()
    audit.record(kind="events.routing_rule.updated", subject=rule, actor=actor, content=_snapshot(rule))
    return rule


@transaction.atomic
def routing_rule_move(*, actor, rule_id: int, position: int) -> RoutingRule:
    """Move a rule to a position; the others keep their relative order (positions stay 1..n)."""
    require(actor, roles.EVENT_COMMAND)
    rule = _rule(rule_id)
    ordered = [
        r for r in RoutingRule.objects.select_for_update().order_by("position", "id") if r.pk != rule.pk
    ]
    if not isinstance(position, int) or position < 1:
        raise ValidationFailed(_("顺序应为正整数 (position must be >= 1)"), field="position")
    ordered.insert(min(position, len(ordered) + 1) - 1, rule)
    for index, r in enumerate(ordered, start=1):
        if r.position != index:
            r.position = index
            r.save(update_fields=["position"])
    audit.record(kind="events.routing_rule.moved", subject=rule, actor=actor, content=_snapshot(rule))
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule_id: int) -> None:
    require(actor, roles.EVENT_COMMAND)
    rule = _rule(rule_id)
    snapshot = _snapshot(rule)
    audit.record(kind="events.routing_rule.deleted", subject=rule, actor=actor, content=snapshot)
    rule.delete()
    for index, r in enumerate(RoutingRule.objects.order_by("position", "id"), start=1):
        if r.position != index:
            RoutingRule.objects.filter(pk=r.pk).update(position=index)


def _rule(rule_id) -> RoutingRule:
    try:
        return RoutingRule.objects.select_for_update().get(pk=int(rule_id))
    except (RoutingRule.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("未找到派遣规则 (routing rule not found)"), field="rule") from None


@transaction.atomic
def subcategory_save(*, subcategory: Subcategory, actor) -> Subcategory:
    """The admin changes a subcategory's default department, time limits or urgency (the taxonomy loader
    sets them first). Audited with the values before and after."""
    require(actor, roles.EVENT_COMMAND)
    if subcategory.pk is None:
        raise ValidationFailed(_("事件小类由分类表加载，不能在此新增 (subcategories come from the taxonomy)"))
    if not subcategory.respond_hours:
        raise ValidationFailed(_("签收时限至少 1 小时 (at least 1 hour)"), field="respond_hours")
    if not subcategory.resolve_days:
        raise ValidationFailed(_("办结时限至少 1 个工作日 (at least 1 working day)"), field="resolve_days")
    fields = ("name", "department_id", "respond_hours", "resolve_days", "urgent")
    before = Subcategory.objects.filter(pk=subcategory.pk).values(*fields).first()
    subcategory.save(update_fields=["name", "department", "respond_hours", "resolve_days", "urgent"])
    audit.record(
        kind="events.subcategory.changed",
        subject=subcategory,
        actor=actor,
        content={
            "code": subcategory.code,
            "before": before,
            "after": {f: getattr(subcategory, f) for f in fields},
        },
    )
    return subcategory
