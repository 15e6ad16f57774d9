"""Campaigns: one message to a recipient set, created (with a confirmation for none or too many),
started, fanned out in background chunks through `notifications_send_bulk`, completed.

Each recipient is a row with an outcome (pending until its chunk ran), so a chunk that runs twice, or a
fan-out resumed after a crash, sends nobody a second message: the chunk takes only pending rows (locked,
skipping rows another worker holds), and the campaign's dedupe key stops a repeat at the insert.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.notify import contacts, workflow
from yimen.notify.errors import ConfirmationRequired
from yimen.notify.models import Campaign, CampaignRecipient, Outcome
from yimen.notify.services.sending import (
    action_clean,
    channels_for,
    context_check,
    context_clean,
    dedupe_clean,
    notifications_send_bulk,
)
from yimen.notify.services.templates import template_get
from yimen.notify.sets import ids_in, insert_rows


def require_manager(actor) -> None:
    if not (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.can(roles.NOTIFY_CAMPAIGN_MANAGE)
    ):
        raise PermissionDenied(gettext("无权管理推送活动"))


@transaction.atomic
def campaign_create(
    *,
    name: str,
    template_code: str,
    person_ids: Iterable[int],
    context: Mapping | None = None,
    actor,
    confirm: bool = False,
    limit: int | None = None,
    channels: Iterable[str] | None = None,
    action_url: str = "",
    action_label: str = "",
    dedupe_key: str | None = None,
) -> Campaign:
    """A draft campaign to the living persons among `person_ids`. No recipient, or more than `limit`
    (default YIMEN_NOTIFY_CAMPAIGN_LIMIT), raises ConfirmationRequired (409) unless confirm=True.
    `dedupe_key` (default `campaign:<id>`) is the offer's identity: a person who already had it is skipped."""
    require_manager(actor)
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 128:
        raise ValidationFailed(gettext("请填写活动名称(不超过128字)"), field="name")
    template = template_get(template_code)
    values = context_clean(context)
    context_check(template, values)
    chosen = channels_for(template, channels)
    url, label = action_clean(action_url, action_label)
    key = dedupe_clean(dedupe_key)
    try:
        requested = [int(i) for i in person_ids]
    except (TypeError, ValueError):
        raise ValidationFailed(gettext("收件人应为自然人编号列表"), field="person_ids") from None
    ids, excluded = contacts.living(requested)
    limit = settings.YIMEN_NOTIFY_CAMPAIGN_LIMIT if limit is None else limit
    if not ids and not confirm:
        raise ConfirmationRequired(
            gettext("收件人为空(%(excluded)d 人不在自然人库或已故)，确认仍要创建这个活动吗？")
            % {"excluded": excluded},
            field="confirm",
        )
    if len(ids) > limit and not confirm:
        raise ConfirmationRequired(
            gettext("收件人 %(count)d 人，超过 %(limit)d 人的上限，请确认后再创建。")
            % {"count": len(ids), "limit": limit},
            field="confirm",
        )
    campaign = Campaign.objects.create(
        name=name,
        template=template,
        context=values,
        channels=chosen,
        action_url=url,
        action_label=label,
        dedupe_key=key or "pending",
        recipient_count=len(ids),
        excluded_count=excluded,
        confirmed=bool(confirm) and (not ids or len(ids) > limit),
        created_by=actor,
    )
    if not key:
        campaign.dedupe_key = f"campaign:{campaign.pk}"
        campaign.save(update_fields=["dedupe_key"])
    insert_rows(
        CampaignRecipient,
        ("campaign_id", "person_id", "outcome"),
        [(campaign.pk, pid, Outcome.PENDING) for pid in ids],
    )
    audit.record(
        kind="notify.campaign.create",
        subject=campaign,
        actor=actor,
        content={
            "template": template.code,
            "template_version": template.version,
            "recipients": len(ids),
            "excluded": excluded,
            "channels": chosen,
            "confirmed": campaign.confirmed,
        },
    )
    return campaign


def _chunks(campaign: Campaign) -> list[tuple[int, int]]:
    """(first, last) recipient row ids of each chunk of YIMEN_NOTIFY_CHUNK_SIZE pending recipients."""
    size = max(1, settings.YIMEN_NOTIFY_CHUNK_SIZE)
    ids = list(
        CampaignRecipient.objects.filter(campaign=campaign, outcome=Outcome.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


@transaction.atomic
def campaign_start(*, campaign: Campaign, actor) -> Campaign:
    """Start the fan-out: after commit, one background task per chunk of recipients."""
    require_manager(actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign.state = workflow.check_campaign_transition(campaign.state, "start")
    campaign.started_at = timezone.now()
    campaign.save(update_fields=["state", "started_at"])
    audit.record(
        kind="notify.campaign.start",
        subject=campaign,
        actor=actor,
        content={"recipients": campaign.recipient_count},
    )
    chunks = _chunks(campaign)
    if chunks:
        from yimen.notify.tasks import campaign_fan_out

        transaction.on_commit(functools.partial(campaign_fan_out, campaign.pk, chunks), robust=True)
    else:
        _complete(campaign)
    return campaign


def _complete(campaign: Campaign) -> None:
    campaign.state = workflow.check_campaign_transition(campaign.state, "complete")
    campaign.completed_at = timezone.now()
    campaign.save(update_fields=["state", "completed_at"])
    audit.record(
        kind="notify.campaign.complete", subject=campaign, actor="system", content={"id": campaign.pk}
    )


@transaction.atomic
def campaign_complete_if_done(*, campaign_id: int) -> bool:
    """Complete a running campaign whose recipients have all been handled. Runs after each chunk's
    commit, so the chunk that commits last sees every other chunk's outcomes."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.state != workflow.CampaignState.RUNNING:
        return False
    if CampaignRecipient.objects.filter(campaign=campaign, outcome=Outcome.PENDING).exists():
        return False
    _complete(campaign)
    return True


@transaction.atomic
def campaign_chunk_send(*, campaign_id: int, first: int, last: int, now: dt.datetime | None = None) -> int:
    """Notify the pending recipients with row ids in [first, last]; returns how many got a notification."""
    campaign = Campaign.objects.select_related("template").get(pk=campaign_id)
    if campaign.state != workflow.CampaignState.RUNNING:
        return 0
    pending = list(
        CampaignRecipient.objects.select_for_update(skip_locked=True)
        .filter(campaign=campaign, id__range=(first, last), outcome=Outcome.PENDING)
        .values_list("id", "person_id")
    )
    if pending:
        result = notifications_send_bulk(
            person_ids=[pid for _, pid in pending],
            template_code=campaign.template.code,
            context=campaign.context,
            channels=campaign.channels,
            dedupe_key=campaign.dedupe_key,
            action_url=campaign.action_url,
            action_label=campaign.action_label,
            campaign=campaign,
            now=now,
        )
        by_outcome: dict[str, list[int]] = defaultdict(list)
        for row_id, pid in pending:
            outcome = (
                Outcome.SENT if pid in result.notifications else result.skipped.get(pid, Outcome.INELIGIBLE)
            )
            by_outcome[outcome].append(row_id)
        for outcome, row_ids in by_outcome.items():
            CampaignRecipient.objects.filter(ids_in("id", row_ids)).update(outcome=outcome)
        sent = len(result.notifications)
    else:
        sent = 0
    transaction.on_commit(functools.partial(campaign_complete_if_done, campaign_id=campaign.pk), robust=True)
    return sent


def campaigns_resume() -> int:
    """Enqueue again the chunks of running campaigns that still have pending recipients (after a worker
    outage); a chunk that runs twice sends nobody twice. Returns how many chunk tasks were enqueued."""
    from yimen.notify.tasks import campaign_fan_out

    count = 0
    for campaign in Campaign.objects.filter(state=workflow.CampaignState.RUNNING):
        chunks = _chunks(campaign)
        if chunks:
            campaign_fan_out(campaign.pk, chunks)
            count += len(chunks)
        else:
            campaign_complete_if_done(campaign_id=campaign.pk)
    return count
