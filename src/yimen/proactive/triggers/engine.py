"""Firing life-event triggers: who receives an offer when an event happens, and the offers and the one
notification per recipient and occasion that follow.

`fire` is the one path: event handlers (`on_event`, run by a background task after the change commits)
and the daily scan (scan.py) both turn what happened into `Hit`s (a recipient, the occasion, the values of
the event text) and hand them to it. An occasion already offered to a person under a rule is skipped, so
an event seen twice (the service's signal and the next scan) offers once; the notification's dedupe key
(`trigger:<code>:<occasion>`) guarantees the same for the message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from yimen.notify import placeholders
from yimen.notify.sets import id_batches, ids_in
from yimen.proactive.models import LifeEventTrigger, Offer, TriggerKind
from yimen.proactive.triggers.definitions import ANY_ITEM
from yimen.registry.models import Enterprise, Person, Relation

logger = logging.getLogger(__name__)

# Relatives offered 身后事 after a death, and the parents of a newborn, in both stored directions.
FAMILY = (Relation.Kind.SPOUSE, Relation.Kind.CHILD, Relation.Kind.PARENT)


@dataclass(frozen=True)
class Hit:
    person_id: int  # the recipient
    occasion: str  # what happened, unique per rule and recipient: "case:4406..", "age:80", "child:17"
    values: dict = field(default_factory=dict, hash=False, compare=False)  # event-text placeholders
    about_person_id: int | None = None
    enterprise_id: int | None = None
    item_ids: tuple[int, ...] = ()  # offered items for this hit only (an expiring licence's renewal)


def enabled(kind: str) -> list[LifeEventTrigger]:
    return list(
        LifeEventTrigger.objects.filter(kind=kind, enabled=True)
        .select_related("template")
        .prefetch_related("offers__current_version")
    )


def _offered_items(trigger: LifeEventTrigger) -> dict[int, str]:
    """Item id -> name of the rule's offers that are still published, by implementation code (the rule's
    offers are prefetched with their current versions by whoever loaded the rule)."""
    return {
        item.pk: item.current_version.name
        for item in sorted(trigger.offers.all(), key=lambda i: i.implementation_code)
        if item.current_version_id is not None and item.current_version.status == "published"
    }


def _already(trigger: LifeEventTrigger, hits: list[Hit]) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    ids = sorted({h.person_id for h in hits})
    occasions = {h.occasion for h in hits}
    for chunk in id_batches(ids):
        rows = Offer.objects.filter(ids_in("person_id", chunk), trigger=trigger).values_list(
            "person_id", "occasion"
        )
        out.update((p, o) for p, o in rows if o in occasions)
    return out


def _living(ids: Iterable[int]) -> set[int]:
    out: set[int] = set()
    for chunk in id_batches(sorted(set(ids))):
        out.update(
            Person.objects.filter(ids_in("pk", chunk), status=Person.Status.ALIVE).values_list(
                "pk", flat=True
            )
        )
    return out


def _rounds(hits: list[Hit]) -> list[list[Hit]]:
    """Split hits so that no person appears twice in a round (one notification per person per send)."""
    rounds: list[list[Hit]] = []
    seen: list[set[int]] = []
    for hit in hits:
        for i, members in enumerate(seen):
            if hit.person_id not in members:
                members.add(hit.person_id)
                rounds[i].append(hit)
                break
        else:
            seen.append({hit.person_id})
            rounds.append([hit])
    return rounds


@transaction.atomic
def fire(trigger: LifeEventTrigger, hits: Iterable[Hit], *, now: dt.datetime | None = None) -> dict:
    """Offer the rule's items to each hit's recipient and notify them once per occasion. Returns counts:
    hits, new (recipients offered), offers (rows), notified, skipped (already offered or deceased)."""
    from yimen.notify.services import notifications_send_bulk

    now = now or timezone.now()
    hits = list(dict.fromkeys(hits))
    counts = {"hits": len(hits), "new": 0, "offers": 0, "notified": 0, "skipped": 0}
    if not hits:
        return counts
    items = _offered_items(trigger)
    done = _already(trigger, hits)
    alive = _living(h.person_id for h in hits)
    fresh = [h for h in hits if (h.person_id, h.occasion) not in done and h.person_id in alive]
    counts["skipped"] = len(hits) - len(fresh)
    if not fresh:
        return counts
    names = dict(items)
    extra = {i for h in fresh for i in h.item_ids if i not in names}
    if extra:
        from yimen.catalog.models import ServiceItem

        for item in ServiceItem.objects.filter(
            pk__in=extra, current_version__status="published"
        ).select_related("current_version"):
            names[item.pk] = item.current_version.name
    rows, offered, events = [], {}, {}
    for hit in fresh:
        chosen = [i for i in (hit.item_ids or tuple(items)) if i in names]
        if not chosen:
            continue
        offered[hit] = chosen
        events[hit] = placeholders.render(trigger.event_text, hit.values)[:160]
        rows.extend(
            Offer(
                person_id=hit.person_id,
                trigger=trigger,
                item_id=item_id,
                occasion=hit.occasion,
                event=events[hit],
                about_person_id=hit.about_person_id,
                enterprise_id=hit.enterprise_id,
                created_at=now,
            )
            for item_id in chosen
        )
    Offer.objects.bulk_create(rows, batch_size=2_000, ignore_conflicts=True)
    counts["new"], counts["offers"] = len(offered), len(rows)
    url = reverse("proactive:offers")
    for batch in _rounds(list(offered)):
        contexts, keys = {}, {}
        for hit in batch:
            chosen = offered[hit]
            contexts[hit.person_id] = {
                "event": events[hit],
                "offers": [names[i] for i in chosen],
                "count": len(chosen),
            }
            keys[hit.person_id] = f"trigger:{trigger.code}:{hit.occasion}"[:128]
        result = notifications_send_bulk(
            person_ids=[h.person_id for h in batch],
            template_code=trigger.template.code,
            contexts=contexts,
            dedupe_keys=keys,
            action_url=url,
            action_label="查看并办理",
            now=now,
        )
        counts["notified"] += len(result.notifications)
    LifeEventTrigger.objects.filter(pk=trigger.pk).update(
        fired_count=F("fired_count") + counts["new"], last_fired_at=now
    )
    return counts


# ----------------------------------------------------------------------------------------- recipients


def relatives(person_ids: Iterable[int], kinds: Iterable[str]) -> dict[int, set[int]]:
    """person id -> ids of their relatives of `kinds`, reading relations stored in either direction."""
    ids = sorted(set(person_ids))
    kinds = list(kinds)
    reverse_kind = {
        Relation.Kind.CHILD: Relation.Kind.PARENT,
        Relation.Kind.PARENT: Relation.Kind.CHILD,
        Relation.Kind.SPOUSE: Relation.Kind.SPOUSE,
    }
    out: dict[int, set[int]] = defaultdict(set)
    for chunk in id_batches(ids):
        for pid, rel in Relation.objects.filter(ids_in("person_id", chunk), kind__in=kinds).values_list(
            "person_id", "relative_id"
        ):
            out[pid].add(rel)
        back = [reverse_kind[k] for k in kinds if k in reverse_kind]
        for rel, pid in Relation.objects.filter(ids_in("relative_id", chunk), kind__in=back).values_list(
            "person_id", "relative_id"
        ):
            out[pid].add(rel)
    return out


def parents(person_ids: Iterable[int]) -> dict[int, set[int]]:
    return relatives(person_ids, [Relation.Kind.PARENT])


def legal_representatives(enterprise_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """enterprise id -> (legal representative's person id, enterprise name), where the library has one."""
    out = {}
    for chunk in id_batches(sorted(set(enterprise_ids))):
        rows = Enterprise.objects.filter(ids_in("pk", chunk), legal_representative__isnull=False).values_list(
            "pk", "legal_representative_id", "name"
        )
        out.update((pk, (rep, name)) for pk, rep, name in rows)
    return out


def birth_hits(newborn_ids: Iterable[int]) -> list[Hit]:
    return [
        Hit(person_id=parent, occasion=f"child:{child}", about_person_id=child)
        for child, ps in parents(newborn_ids).items()
        for parent in sorted(ps)
    ]


def death_hits(deceased_ids: Iterable[int]) -> list[Hit]:
    return [
        Hit(person_id=rel, occasion=f"death:{pid}", about_person_id=pid)
        for pid, rels in relatives(deceased_ids, FAMILY).items()
        for rel in sorted(rels)
    ]


def enterprise_hits(enterprise_ids: Iterable[int]) -> list[Hit]:
    return [
        Hit(person_id=rep, occasion=f"enterprise:{ent}", values={"enterprise": name}, enterprise_id=ent)
        for ent, (rep, name) in legal_representatives(enterprise_ids).items()
    ]


# ------------------------------------------------------------------------------------------- events


def _case_hits(case) -> list[Hit]:
    """The applicant of a completed case, or its enterprise's legal representative."""
    values = {"item": case.version.name}
    if case.applicant_person_id:
        return [Hit(person_id=case.applicant_person_id, occasion=f"case:{case.number}", values=values)]
    ent = case.applicant_enterprise
    if ent is not None and ent.legal_representative_id:
        return [
            Hit(
                person_id=ent.legal_representative_id,
                occasion=f"case:{case.number}",
                values=values,
                enterprise_id=ent.pk,
            )
        ]
    return []


def _related_items(version) -> tuple[int, ...]:
    """The catalog's related items of the completed case's version (关联事项), published ones only."""
    return tuple(
        version.related_items.filter(current_version__status="published")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _on_case_completed(case_id: int) -> dict:
    """The rules naming the completed item; where none does, the rules for any item ("*"): their own
    offers, or the item's related items in the catalog."""
    from yimen.cases.models import Case

    case = (
        Case.objects.select_related("item", "version", "applicant_enterprise")
        .filter(pk=case_id, status__in=("approved", "delivered"))
        .first()
    )
    if case is None:
        return {}
    hits = _case_hits(case)
    rules = enabled(TriggerKind.CASE_COMPLETED)
    specific = [t for t in rules if t.params.get("item") == case.item.implementation_code]
    if specific or not hits:
        return {t.code: fire(t, hits) for t in specific}
    out = {}
    for trigger in (t for t in rules if t.params.get("item") == ANY_ITEM):
        # `enabled` prefetched the offers: an empty list means the catalog's related items
        rule_hits = hits
        if not trigger.offers.all():
            related = _related_items(case.version)
            rule_hits = [replace(h, item_ids=related) for h in hits] if related else []
        out[trigger.code] = fire(trigger, rule_hits)
    return out


def on_event(*, kind: str, person_id=None, enterprise_id=None, case_id=None, today=None) -> dict:
    """Fire the enabled rules of an event kind for one event (see `common.signals.life_event`)."""
    today = today or timezone.localdate()
    out: dict[str, dict] = {}
    if kind == TriggerKind.CASE_COMPLETED and case_id:
        out = _on_case_completed(case_id)
    elif kind == TriggerKind.BIRTH and person_id:
        birth = Person.objects.filter(pk=person_id).values_list("birth_date", flat=True).first()
        for trigger in enabled(kind):
            if birth and (today - birth).days <= trigger.params.get("within_days", 30):
                out[trigger.code] = fire(trigger, birth_hits([person_id]))
    elif kind == TriggerKind.DEATH and person_id:
        for trigger in enabled(kind):
            out[trigger.code] = fire(trigger, death_hits([person_id]))
    elif kind == TriggerKind.ENTERPRISE_ESTABLISHED and enterprise_id:
        for trigger in enabled(kind):
            out[trigger.code] = fire(trigger, enterprise_hits([enterprise_id]))
    return out


def newborns(since: dt.date, until: dt.date) -> list[int]:
    return list(
        Person.objects.filter(
            birth_date__gte=since, birth_date__lte=until, status=Person.Status.ALIVE
        ).values_list("pk", flat=True)
    )
