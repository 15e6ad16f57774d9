"""Reads of tags and target groups for staff: the tag library, one person's tags with why they apply,
segment counts and masked pages; the life-event rules; a citizen's own offers (我的提醒). Every read checks the caller's capability; person rows come through the
registry's selectors, so division scope and masking are the registry's own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yimen.accounts import roles
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.proactive import bitmaps, segments
from yimen.proactive.models import (
    LifeEventTrigger,
    Offer,
    OfferState,
    PersonTag,
    SavedSegment,
    TagDefinition,
    TriggerScan,
)
from yimen.proactive.tags.definitions import db_lookup, tag_tree
from yimen.proactive.tags.explain import Explanation, FactsLoader, explain
from yimen.proactive.triggers.oneclick import OneClick, one_click

PAGE_SIZE = 50


def require_staff(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.can(roles.PERSON_VIEW)):
        raise PermissionDenied(_("只有可查看自然人库的工作人员可以使用标签与目标人群"))


def tags_library(user) -> list[dict]:
    require_staff(user)
    return [
        {"tag": tag, "rule_yaml": _yaml(tag.rule), "count": tag.member_count}
        for tag in TagDefinition.objects.all()
    ]


_KEY_ORDER = ["all", "any", "not", "field", "op", "value", "tag", "household_size", "household_member"]
_KEY_ORDER += ["relation", "where", "case", "certificate", "item", "items", "status", "within_days", "count"]


def _ordered(node):
    """A rule with its keys in reading order (PostgreSQL's jsonb keeps them in its own order)."""
    if isinstance(node, dict):
        rank = {k: i for i, k in enumerate(_KEY_ORDER)}
        return {k: _ordered(node[k]) for k in sorted(node, key=lambda k: (rank.get(k, len(rank)), k))}
    if isinstance(node, list):
        return [_ordered(v) for v in node]
    return node


def _yaml(rule) -> str:
    import yaml

    return yaml.safe_dump(
        _ordered(rule), allow_unicode=True, sort_keys=False, default_flow_style=None
    ).strip()


@dataclass
class PersonTagRow:
    tag: TagDefinition
    explanation: Explanation
    since: dt.date | None  # stored membership (None: not stored, e.g. not yet refreshed)

    @property
    def stale(self) -> bool:
        return self.explanation.matched != (self.since is not None)


def person_tags(*, user, pk: int, today: dt.date | None = None, all_tags: bool = False):
    """(person, rows): the person tags that apply today with the facts that make them apply (or every
    enabled tag with `all_tags`), and the stored membership with its start date."""
    require_staff(user)
    from yimen.registry import selectors as registry

    person = registry.person_get(user=user, pk=pk)
    today = today or timezone.localdate()
    since = dict(PersonTag.objects.filter(person=person).values_list("tag_id", "since"))
    loader, lookup = FactsLoader(today), db_lookup()
    rows = []
    for tag in TagDefinition.objects.filter(kind="person", enabled=True):
        explanation = explain(tag, person, today=today, tree=tag_tree(tag, lookup=lookup), loader=loader)
        if explanation.matched or all_tags or tag.pk in since:
            rows.append(PersonTagRow(tag, explanation, since.get(tag.pk)))
    return person, rows


def segment_count(*, user, expression: str) -> segments.SegmentResult:
    require_staff(user)
    return segments.segment_evaluate(expression, user=user)


def segment_page(*, user, expression: str, page: int = 1, page_size: int = PAGE_SIZE):
    """(result, persons of the page in id order, page count). Persons are read through the registry's
    scoped selector; a stale bitmap entry (a person since moved out of scope) is simply skipped."""
    from yimen.registry import selectors as registry

    result = segment_count(user=user, expression=expression)
    pages = max(1, -(-result.count // page_size))
    if page < 1 or page > pages:
        raise ValidationFailed(_("页码应在 1 至 %(n)d 之间") % {"n": pages}, field="page")
    start = (page - 1) * page_size
    ids = list(result.ids[start : start + page_size])
    persons = registry.persons_visible(user).filter(pk__in=ids).order_by("id")
    return result, list(persons), pages


def segments_saved(user):
    require_staff(user)
    return SavedSegment.objects.filter(owner=user)


def index_status() -> dict:
    version = bitmaps.cache.sync()
    universe = bitmaps.cache.get(bitmaps.UNIVERSE)
    return {"version": version, "universe": len(universe), "bitmaps": len(bitmaps.cache.maps)}


EXPORT_COLUMNS = [
    ("id", gettext_noop("编号")),
    ("name", gettext_noop("姓名")),
    ("id_number", gettext_noop("公民身份号码")),
    ("gender", gettext_noop("性别")),
    ("birth_year", gettext_noop("出生年份")),
    ("division", gettext_noop("居住村居")),
    ("address", gettext_noop("居住地址")),
    ("phone", gettext_noop("联系电话")),
    ("household", gettext_noop("户号")),
    ("migrant", gettext_noop("流动人口")),
]


def export_rows(*, user, ids, chunk: int = 2_000, unmasked: bool = False):
    """The rows of an export, header first, in id order, read in chunks through the registry's scoped
    selector: masked exactly as the registry API masks, or (`unmasked`, after the export service
    recorded each person's full read) the values themselves."""
    from yimen.common import masking
    from yimen.registry import selectors as registry

    def keep(value):
        return value

    mask_address, mask_id_number, mask_name, mask_phone = (
        (keep, keep, keep, keep)
        if unmasked
        else (masking.mask_address, masking.mask_id_number, masking.mask_name, masking.mask_phone)
    )

    yield [_(label) for _key, label in EXPORT_COLUMNS]
    ordered = list(ids)
    for start in range(0, len(ordered), chunk):
        for p in registry.persons_visible(user).filter(pk__in=ordered[start : start + chunk]).order_by("id"):
            yield [
                p.pk,
                mask_name(p.name),
                mask_id_number(p.id_number),
                p.get_gender_display(),
                p.birth_date.year,
                p.residence_division.name if p.residence_division_id else "",
                mask_address(p.residence_address),
                mask_phone(p.phone),
                mask_id_number(p.household.number) if p.household_id else "",
                _("是") if p.is_migrant else _("否"),
            ]


# ------------------------------------------------------------------------------- life-event offers


@dataclass
class OfferRow:
    offer: Offer
    version: object
    check: OneClick


@dataclass
class OfferGroup:
    """The offers of one occasion (what happened), newest first."""

    event: str
    stage: str
    created_at: object
    rows: list[OfferRow]


def offers_of(user, *, limit: int | None = None) -> list[OfferGroup]:
    """The open offers of the user's own person record, grouped by occasion, each with whether it can be
    applied for with one click and which materials would be reused."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    qs = (
        Offer.objects.filter(person_id=person_id, state=OfferState.OPEN)
        .select_related("item__current_version__department", "trigger__life_stage", "person")
        .prefetch_related("item__current_version__materials")
        .order_by("-created_at", "trigger_id", "occasion", "id")
    )
    if limit:
        qs = qs[:limit]
    today = timezone.localdate()
    groups: dict[tuple, OfferGroup] = {}
    for offer in qs:
        version = offer.item.current_version
        if version is None or version.status != "published":
            continue
        key = (offer.trigger_id, offer.occasion)
        group = groups.get(key)
        if group is None:
            stage = offer.trigger.life_stage
            group = groups[key] = OfferGroup(
                event=offer.event or offer.trigger.name,
                stage=stage.display_name if stage else "",
                created_at=offer.created_at,
                rows=[],
            )
        group.rows.append(
            OfferRow(offer=offer, version=version, check=one_click(version, offer.person, today=today))
        )
    return list(groups.values())


def open_offer_count(user) -> int:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return 0
    return Offer.objects.filter(person_id=person_id, state=OfferState.OPEN).count()


def triggers_library(user) -> list[dict]:
    """Every life-event rule with its offers and what it did (staff)."""
    require_staff(user)
    counts = dict(
        Offer.objects.values_list("trigger_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("trigger_id", "n")
    )
    applied = dict(
        Offer.objects.filter(state=OfferState.APPLIED)
        .values_list("trigger_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("trigger_id", "n")
    )
    rows = []
    for trigger in LifeEventTrigger.objects.select_related("life_stage", "template").prefetch_related(
        "offers__current_version"
    ):
        rows.append(
            {
                "trigger": trigger,
                "offers": [i.current_version.name for i in trigger.offers.all() if i.current_version_id],
                "offer_count": counts.get(trigger.pk, 0),
                "applied_count": applied.get(trigger.pk, 0),
            }
        )
    return rows


def trigger_scans(limit: int = 14) -> list[TriggerScan]:
    return list(TriggerScan.objects.all()[:limit])
