"""Reads: a person's notifications, campaigns for the staff who manage them, progress and statistics."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from yimen.common.dates import years_before
from yimen.common.errors import NotFound, ValidationFailed
from yimen.notify import workflow
from yimen.notify.models import Campaign, CampaignRecipient, Channel, Delivery, Notification, Outcome
from yimen.notify.services.campaigns import require_manager


def notifications_of(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (none for an account not linked to a person)."""
    pid = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not pid:
        return Notification.objects.none()
    return Notification.objects.filter(person_id=pid).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


def campaigns_visible(user) -> QuerySet[Campaign]:
    require_manager(user)
    return Campaign.objects.select_related("template", "created_by")


def campaign_get(*, user, pk: int) -> Campaign:
    try:
        return campaigns_visible(user).get(pk=pk)
    except Campaign.DoesNotExist:
        raise NotFound(gettext("未找到该推送活动")) from None


def campaign_stats(campaign: Campaign) -> dict:
    """Progress of the fan-out (recipients by outcome) and of the deliveries (by channel and state).

    `queued` counts deliveries not yet settled (created, sending, retrying); `read` counts notifications
    their recipient has opened in the inbox."""
    outcomes = dict(
        CampaignRecipient.objects.filter(campaign=campaign)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    recipients = {o: outcomes.get(o, 0) for o in Outcome.values}
    total = campaign.recipient_count
    processed = total - recipients[Outcome.PENDING]
    matrix = {c: {s: 0 for s in workflow.State.values} for c in Channel.values}
    for channel, state, n in (
        Delivery.objects.filter(campaign=campaign)
        .values_list("channel", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        matrix.setdefault(channel, {s: 0 for s in workflow.State.values})[state] = n
    by_state = {s: sum(row[s] for row in matrix.values()) for s in workflow.State.values}
    return {
        "recipients": total,
        "excluded": campaign.excluded_count,
        "outcomes": recipients,
        "processed": processed,
        "percent": round(100 * processed / total, 1) if total else 100.0,
        "deliveries": matrix,
        "by_state": by_state,
        "queued": sum(by_state[s] for s in workflow.WAITING),
        "sent": by_state[workflow.State.SENDING],
        "delivered": by_state[workflow.State.DELIVERED],
        "failed": by_state[workflow.State.FAILED],
        "read": Notification.objects.filter(campaign=campaign, read_at__isnull=False).count(),
    }


def recipients_select(
    *,
    user,
    division_code: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    id_numbers: list[str] | None = None,
    today: dt.date | None = None,
) -> tuple[list[int], list[str]]:
    """A simple recipient set for the campaign page, within the user's registry scope: the living
    residents of a division (code prefix: a street takes all its villages) in an age range, or the
    persons with the given ID numbers. Returns (person ids, ID numbers not found). The proactive app's
    target groups (标签、人群) pass their own person ids to `campaign_create`."""
    from yimen.registry import selectors as registry

    require_manager(user)
    qs = registry.persons_visible(user).filter(status="alive").order_by()
    missing: list[str] = []
    if id_numbers:
        wanted = list(dict.fromkeys(n.strip().upper() for n in id_numbers if n.strip()))
        found = dict(qs.filter(id_number__in=wanted).values_list("id_number", "pk"))
        missing = [n for n in wanted if n not in found]
        return sorted(found.values()), missing
    if not division_code:
        raise ValidationFailed(gettext("请选择区划或填写身份证号码"), field="division_code")
    qs = qs.filter(residence_division__code__startswith=division_code)
    today = today or timezone.localdate()
    if min_age is not None:
        qs = qs.filter(birth_date__lte=years_before(today, min_age))
    if max_age is not None:
        qs = qs.filter(birth_date__gt=years_before(today, max_age + 1))
    return list(qs.values_list("pk", flat=True)), missing
