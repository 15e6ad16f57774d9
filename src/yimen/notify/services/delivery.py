"""The worker's side: claim due text and email deliveries, send them in a batch, settle their states.

    deliveries_process(limit=1000)   # -> how many deliveries it claimed

One short transaction claims up to `limit` due deliveries (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL, so concurrent workers take disjoint batches; SQLite's IMMEDIATE transactions serialise the
claim) and moves them to `sending`. The providers are called outside any transaction. A second
transaction appends one attempt row per delivery and moves the batch in a few UPDATEs, one per outcome,
each guarded by the transition table (`WHERE state IN workflow.sources(action)`). A retryable failure
waits base * 2^(attempt-1) seconds (capped, and never inside the person's quiet hours) in `retrying`;
the last attempt fails. A person who switched the channel off meanwhile is cancelled, not sent.

A worker that died between the claim and the settle leaves `sending` rows behind: after
STALE_AFTER they are put back (`retry`), so a message is sent at least once, at worst twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from smtplib import SMTPException, SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from yimen.common.masking import mask_email, mask_phone
from yimen.notify import contacts, policy, providers, workflow
from yimen.notify.models import Channel, Delivery, DeliveryAttempt, Preference
from yimen.notify.providers import ProviderResult
from yimen.notify.sets import ids_in, insert_rows
from yimen.registry.models import Person

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)
ATTEMPT_FIELDS = (
    "delivery_id",
    "number",
    "at",
    "outcome",
    "provider",
    "provider_ref",
    "recipient",
    "error",
    "retry_at",
)


@dataclass
class _Job:
    delivery_id: int
    channel: str
    attempt: int
    person_id: int
    subject: str
    body: str
    action_url: str
    address: str = ""
    alive: bool = True
    rules: policy.Rules | None = None


def link(action_url: str) -> str:
    if not action_url or action_url.startswith("http"):
        return action_url
    return settings.YIMEN_PUBLIC_URL.rstrip("/") + action_url


def sms_text(job: _Job) -> str:
    url = link(job.action_url)
    return f"{settings.YIMEN_SMS_SIGNATURE}{job.body}" + (f" {url}" if url else "")


def _masked(channel: str, address: str) -> str:
    return mask_phone(address) if channel == Channel.SMS else mask_email(address)


def _send_emails(jobs: list[_Job]) -> list[ProviderResult]:
    """One connection for the batch; each message's outcome on its own."""
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except (OSError, SMTPException) as exc:
        error = f"邮件服务器连接失败 ({exc.__class__.__name__})"
        return [ProviderResult(ok=False, error=error, retryable=True) for _ in jobs]
    results = []
    try:
        for job in jobs:
            ref = uuid.uuid4().hex[:20]
            url = link(job.action_url)
            message = EmailMessage(
                subject=job.subject or "一门提醒",
                body=job.body + (f"\n\n{url}" if url else ""),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[job.address],
                headers={"Message-ID": f"<{ref}@yimen>"},
                connection=connection,
            )
            try:
                sent = message.send()
            except SMTPRecipientsRefused:
                results.append(ProviderResult(ok=False, error="收件地址被拒绝 (recipient refused)"))
            except (OSError, SMTPException) as exc:
                results.append(
                    ProviderResult(ok=False, error=f"邮件发送失败 ({exc.__class__.__name__})", retryable=True)
                )
            else:
                results.append(ProviderResult(ok=bool(sent), provider_ref=ref, retryable=not sent))
    finally:
        connection.close()
    return results


_CLAIM_SQL = """
UPDATE notify_delivery SET state = %s, attempts = attempts + 1, updated_at = %s
WHERE id IN (
    SELECT id FROM notify_delivery WHERE state = ANY(%s) AND due_at <= %s
    ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING id
"""


def _claim(now: dt.datetime, limit: int) -> list[int]:
    """Move up to `limit` due deliveries to `sending`; their ids. On PostgreSQL one statement locks the
    due rows no other worker holds, moves them and returns them (the usual SKIP LOCKED queue)."""
    claimable = sorted(workflow.sources("claim"))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_CLAIM_SQL, [workflow.target("claim"), now, claimable, now, limit])
                return [row[0] for row in cursor.fetchall()]
        ids = list(
            Delivery.objects.filter(state__in=claimable, due_at__lte=now)
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(id__in=ids, state__in=claimable).update(
                state=workflow.target("claim"), attempts=F("attempts") + 1, updated_at=now
            )
    return ids


def _jobs(ids: list[int]) -> list[_Job]:
    """What to send for each claimed delivery, with the address read from the registry now."""
    rows = Delivery.objects.filter(ids_in("id", ids), state=workflow.State.SENDING).values_list(
        "id",
        "channel",
        "attempts",
        "notification__person_id",
        "notification__subject",
        "notification__body",
        "notification__action_url",
        "notification__person__status",
        "notification__person__phone",
        "notification__person__account__email",
    )
    jobs = []
    for *head, status, phone, email in rows:
        job = _Job(*head)
        job.alive = status == Person.Status.ALIVE
        if job.alive:
            job.address = contacts.Contact(
                job.person_id, "", (phone or "").strip(), (email or "").strip(), True
            ).address(job.channel)
        jobs.append(job)
    prefs = {
        p.person_id: p for p in Preference.objects.filter(ids_in("person_id", {j.person_id for j in jobs}))
    }
    for job in jobs:
        job.rules = policy.rules_for(prefs.get(job.person_id))
    return jobs


class _Settle:
    """Collects outcomes; writes the attempts and the state changes in one transaction."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.attempts: list[tuple] = []
        self.by_action: dict[tuple[str, dt.datetime | None], list[int]] = defaultdict(list)

    def add(
        self, job: _Job, action: str, *, provider: str = "", result: ProviderResult | None = None, error=""
    ):
        retry_at = None
        if action == "retry":
            retry_at = policy.after_quiet(
                self.now + policy.backoff(job.attempt), job.rules.quiet if job.rules else None
            )
        self.by_action[(action, retry_at)].append(job.delivery_id)
        self.attempts.append(
            (
                job.delivery_id,
                job.attempt,
                self.now,
                workflow.target(action),
                provider,
                (result.provider_ref if result else "")[:64],
                _masked(job.channel, job.address) if job.address else "",
                (error or (result.error if result else ""))[:300],
                retry_at,
            )
        )

    def outcome(self, job: _Job, provider: str, result: ProviderResult) -> None:
        if result.ok:
            self.add(job, "succeed", provider=provider, result=result)
        elif result.retryable and job.attempt < policy.max_attempts():
            self.add(job, "retry", provider=provider, result=result)
        else:
            self.add(job, "fail", provider=provider, result=result)

    @transaction.atomic
    def write(self) -> list[dt.datetime]:
        insert_rows(DeliveryAttempt, ATTEMPT_FIELDS, self.attempts)
        retries = []
        for (action, retry_at), ids in self.by_action.items():
            fields: dict = {"state": workflow.target(action), "updated_at": self.now}
            if action == "succeed":
                fields["delivered_at"] = self.now
            if retry_at is not None:
                fields["due_at"] = retry_at
                retries.append(retry_at)
            Delivery.objects.filter(ids_in("id", ids), state__in=workflow.sources(action)).update(**fields)
        if retries:
            from yimen.notify.tasks import sending_schedule

            transaction.on_commit(functools.partial(sending_schedule, sorted(set(retries))), robust=True)
        return retries


def _recover_stale(now: dt.datetime, limit: int) -> int:
    """Put back deliveries left in `sending` by a worker that died (see the module docstring)."""
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=workflow.State.SENDING, updated_at__lt=now - STALE_AFTER)
            .values_list("id", "channel", "attempts", "notification__person_id")[:limit]
        )
        if not rows:
            return 0
        settle = _Settle(now)
        for pk, channel, attempt, person_id in rows:
            job = _Job(pk, channel, attempt, person_id, "", "", "", rules=policy.Rules())
            error = "发送中断，未收到结果 (worker stopped before the outcome was recorded)"
            if attempt < policy.max_attempts():
                settle.add(job, "retry", error=error)
            else:
                settle.add(job, "fail", error=error)
        settle.write()
    return len(rows)


def deliveries_process(*, limit: int = 1000, now: dt.datetime | None = None) -> int:
    """Send up to `limit` due text and email deliveries; returns how many were claimed (0: none due)."""
    now = now or timezone.now()
    _recover_stale(now, limit)
    ids = _claim(now, limit)
    if not ids:
        return 0
    settle = _Settle(now)
    sms: list[_Job] = []
    email: list[_Job] = []
    for job in _jobs(ids):
        if not job.alive:
            settle.add(job, "cancel", error="收件人已故或已不在自然人库 (deceased or removed)")
        elif job.rules and not job.rules.allows(job.channel):
            settle.add(job, "cancel", error="本人已关闭该渠道 (opted out)")
        elif not job.address:
            settle.add(job, "fail", error="没有可用的联系方式 (no address)")
        elif job.channel == Channel.SMS:
            sms.append(job)
        elif job.channel == Channel.EMAIL:
            email.append(job)
        else:
            settle.add(job, "fail", error=f"未知渠道 {job.channel}")
    if sms:
        provider = providers.sms_provider()
        try:
            results = provider.send_many([(job.address, sms_text(job)) for job in sms])
        except Exception as exc:  # a broken gateway must not leave the batch in `sending`
            logger.exception("SMS provider %s failed on a batch of %d", provider.name, len(sms))
            error = f"短信通道异常 ({exc.__class__.__name__})"
            results = [ProviderResult(ok=False, error=error, retryable=True) for _ in sms]
        for job, result in zip(sms, results, strict=True):
            settle.outcome(job, provider.name, result)
    if email:
        for job, result in zip(email, _send_emails(email), strict=True):
            settle.outcome(job, "email", result)
    settle.write()
    return len(ids)
