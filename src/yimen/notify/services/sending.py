"""Creating notifications: one person (`notification_send`) or thousands (`notifications_send_bulk`).

Both take one path. For a set of persons it reads, in a handful of queries, their contact details,
preferences, recent notification counts (frequency cap) and earlier notifications with the same
dedupe key; renders the template for each; inserts the notifications and their deliveries set-based
(COPY on PostgreSQL, see `notify.sets`); and, once the transaction commits, enqueues the sending. An inbox delivery is delivered
on insert; a text or email one is due now, or at the end of the person's quiet hours.

Persons are skipped, never failed: a deceased or unknown person (`ineligible`), one who already has a
notification with this dedupe key (`duplicate`: the same offer never twice), and, for messages that are
not transactional, one who had YIMEN_NOTIFY_FREQUENCY_CAP of them in the last
YIMEN_NOTIFY_FREQUENCY_DAYS days (`capped`). A channel the person switched off, or has no address
for, gets no delivery; the inbox always keeps the message.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from yimen.common.errors import ValidationFailed
from yimen.notify import contacts, placeholders, policy
from yimen.notify.models import Channel, Delivery, Notification, Outcome, Preference, Template
from yimen.notify.services.templates import template_get
from yimen.notify.sets import id_batches, ids_in, insert_rows
from yimen.notify.workflow import State


@dataclass
class BulkResult:
    """What a send did: notification ids by person, skip reasons by person, how many deliveries."""

    notifications: dict[int, int] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)
    deliveries: int = 0

    def merge(self, other: BulkResult) -> None:
        self.notifications.update(other.notifications)
        self.skipped.update(other.skipped)
        self.deliveries += other.deliveries


def channels_for(template: Template, channels: Iterable[str] | None) -> list[str]:
    """The template's channels, or the requested subset of them; the inbox always."""
    if channels is None:
        return list(template.channels) or [Channel.INBOX]
    chosen = {str(c) for c in channels} | {Channel.INBOX}
    outside = sorted(c for c in chosen if c not in template.channels and c != Channel.INBOX)
    if outside:
        raise ValidationFailed(
            gettext("模板 %(code)s 不支持渠道：%(channels)s")
            % {"code": template.code, "channels": "、".join(outside)},
            field="channels",
        )
    return [c for c in Channel.values if c in chosen]


def action_clean(action_url: str, action_label: str) -> tuple[str, str]:
    """A button needs a link on this site (a path like /items/CODE/, or under YIMEN_PUBLIC_URL)."""
    url, label = (action_url or "").strip(), (action_label or "").strip()
    if label and not url:
        raise ValidationFailed(gettext("有按钮文字但没有操作链接"), field="action_url")
    if url:
        host = urlsplit(settings.YIMEN_PUBLIC_URL).netloc
        local = url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
        public = url_has_allowed_host_and_scheme(url, allowed_hosts={host}) and urlsplit(url).netloc == host
        if len(url) > 500 or not (local or public):
            raise ValidationFailed(gettext("操作链接只能指向本站，如 /items/事项编码/"), field="action_url")
        label = label or gettext("查看详情")
    if len(label) > 32:
        raise ValidationFailed(gettext("按钮文字不能超过32字"), field="action_label")
    return url, label


def dedupe_clean(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key.strip()) > 128:
        raise ValidationFailed(gettext("去重键应为1到128个字符"), field="dedupe_key")
    return key.strip()


def context_clean(context: Mapping | None) -> dict:
    """Placeholder values: text, numbers or lists of them (a list renders as 甲、乙、丙), JSON-storable."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise ValidationFailed(gettext("占位符内容应为键值对"), field="context")
    clean = {}
    for key, value in context.items():
        if not isinstance(key, str) or not key:
            raise ValidationFailed(gettext("占位符名称应为文本"), field="context")
        if isinstance(value, list | tuple):
            value = [v if isinstance(v, str | int | float) else str(v) for v in value]
        elif isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif not isinstance(value, str | int | float):
            value = str(value)
        clean[key] = value
    try:
        json.dumps(clean)
    except (TypeError, ValueError):
        raise ValidationFailed(gettext("占位符内容无法保存"), field="context") from None
    return clean


def template_names(template: Template) -> list[str]:
    return list(
        dict.fromkeys([*placeholders.names_of(template.subject), *placeholders.names_of(template.body)])
    )


def context_check(template: Template, context: Mapping) -> None:
    """Every placeholder of the template has a value (besides the ones filled from the registry)."""
    absent = [
        n for n in template_names(template) if n not in context and n not in placeholders.SYSTEM_PLACEHOLDERS
    ]
    if absent:
        raise ValidationFailed(
            gettext("缺少占位符 {%(name)s} 的内容") % {"name": absent[0]},
            errors={"context": [gettext("缺少占位符 {%(name)s} 的内容") % {"name": n} for n in absent]},
        )


def _already_sent(ids: list[int], key_of: Mapping[int, str | None]) -> set[int]:
    """The persons among `ids` who already have a notification with their dedupe key."""
    ids = [i for i in ids if key_of.get(i)]
    out: set[int] = set()
    for chunk in id_batches(ids):
        keys = {key_of[i] for i in chunk}
        rows = Notification.objects.filter(ids_in("person_id", chunk), dedupe_key__in=keys).values_list(
            "person_id", "dedupe_key"
        )
        out.update(pid for pid, key in rows if key_of.get(pid) == key)
    return out


def _recent_counts(ids: list[int], since: dt.datetime) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in id_batches(ids):
        rows = (
            Notification.objects.filter(
                ids_in("person_id", chunk), transactional=False, created_at__gte=since
            )
            .values_list("person_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        out.update(rows)
    return out


def _preferences(ids: list[int]) -> dict[int, Preference]:
    out: dict[int, Preference] = {}
    for chunk in id_batches(ids):
        out.update((p.person_id, p) for p in Preference.objects.filter(ids_in("person_id", chunk)))
    return out


NOTIFICATION_FIELDS = (
    "person_id",
    "template_id",
    "campaign_id",
    "subject",
    "body",
    "action_url",
    "action_label",
    "transactional",
    "dedupe_key",
    "created_at",
)
DELIVERY_FIELDS = (
    "notification_id",
    "campaign_id",
    "channel",
    "state",
    "due_at",
    "attempts",
    "created_at",
    "updated_at",
    "delivered_at",
)


def _insert(rows: list[tuple]) -> list[int | None]:
    """The new notifications' ids, in row order. If a concurrent send took one of the dedupe keys in the
    meantime, the batch is inserted again row by row and the rows that lost get None."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return insert_rows(Notification, NOTIFICATION_FIELDS, rows, returning_ids=True)
    except IntegrityError:
        pass
    ids: list[int | None] = []
    for row in rows:
        try:
            with transaction.atomic():
                ids.append(Notification.objects.create(**dict(zip(NOTIFICATION_FIELDS, row, strict=True))).pk)
        except IntegrityError:
            ids.append(None)
    return ids


def _send(
    *,
    template: Template,
    person_ids: list[int],
    context: dict,
    contexts: Mapping[int, Mapping] | None,
    channels: list[str],
    dedupe_key: str | None,
    action_url: str,
    action_label: str,
    campaign,
    now: dt.datetime,
    dedupe_keys: Mapping[int, str] | None = None,
) -> BulkResult:
    result = BulkResult()
    people = contacts.contacts(person_ids)
    eligible: list[contacts.Contact] = []
    for pid in person_ids:
        person = people.get(pid)
        if person is None or not person.alive:
            result.skipped[pid] = Outcome.INELIGIBLE
        else:
            eligible.append(person)
    ids = [p.person_id for p in eligible]
    key_of = {pid: (dedupe_keys or {}).get(pid, dedupe_key) for pid in ids}
    seen = _already_sent(ids, key_of)
    cap, since = policy.frequency_window(now)
    counts = {} if template.transactional else _recent_counts(ids, since)
    prefs = _preferences(ids)
    campaign_id = campaign.pk if campaign is not None else None
    plans: list[tuple[contacts.Contact, policy.Rules]] = []
    rows: list[tuple] = []
    for person in eligible:
        pid = person.person_id
        if pid in seen:
            result.skipped[pid] = Outcome.DUPLICATE
            continue
        if not template.transactional and counts.get(pid, 0) >= cap:
            result.skipped[pid] = Outcome.CAPPED
            continue
        values = {"name": person.name, **context}
        if contexts and pid in contexts:
            values.update(context_clean(contexts[pid]))
        rows.append(
            (
                pid,
                template.pk,
                campaign_id,
                placeholders.render(template.subject, values)[:200],
                placeholders.render(template.body, values),
                action_url,
                action_label,
                template.transactional,
                key_of[pid],
                now,
            )
        )
        plans.append((person, policy.rules_for(prefs.get(pid))))
    deliveries: list[tuple] = []
    due: set[dt.datetime] = set()
    for (person, rules), note_id in zip(plans, _insert(rows), strict=True):
        if note_id is None:
            result.skipped[person.person_id] = Outcome.DUPLICATE
            continue
        result.notifications[person.person_id] = note_id
        for channel in channels:
            if channel == Channel.INBOX:
                deliveries.append((note_id, campaign_id, channel, State.DELIVERED, now, 0, now, now, now))
            elif rules.allows(channel) and person.address(channel):
                when = policy.due_at(channel, now, rules)
                due.add(when)
                deliveries.append((note_id, campaign_id, channel, State.CREATED, when, 0, now, now, None))
    insert_rows(Delivery, DELIVERY_FIELDS, deliveries)
    result.deliveries = len(deliveries)
    if due:
        from yimen.notify.tasks import sending_schedule

        transaction.on_commit(functools.partial(sending_schedule, sorted(due)), robust=True)
    return result


def _person_id(person) -> int:
    pk = getattr(person, "pk", person)
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise ValidationFailed(gettext("收件人无效"), field="person")
    return pk


@transaction.atomic
def notification_send(
    *,
    person,
    template_code: str,
    context: Mapping | None = None,
    channels: Iterable[str] | None = None,
    dedupe_key: str | None = None,
    action_url: str = "",
    action_label: str = "",
    campaign=None,
    now: dt.datetime | None = None,
) -> list[Delivery]:
    """Notify one person (a registry Person or its id). Returns the deliveries created: the inbox one
    (delivered) and one per other allowed channel; [] when the person was skipped (dedupe key already
    used for them, frequency cap, deceased). A placeholder without a value is a ValidationFailed."""
    template = template_get(template_code)
    values = context_clean(context)
    context_check(template, values)
    url, label = action_clean(action_url, action_label)
    result = _send(
        template=template,
        person_ids=[_person_id(person)],
        context=values,
        contexts=None,
        channels=channels_for(template, channels),
        dedupe_key=dedupe_clean(dedupe_key),
        action_url=url,
        action_label=label,
        campaign=campaign,
        now=now or timezone.now(),
    )
    if not result.notifications:
        return []
    [note_id] = result.notifications.values()
    return list(
        Delivery.objects.filter(notification_id=note_id).select_related("notification").order_by("id")
    )


@transaction.atomic
def notifications_send_bulk(
    *,
    person_ids: Iterable[int],
    template_code: str,
    context: Mapping | None = None,
    contexts: Mapping[int, Mapping] | None = None,
    channels: Iterable[str] | None = None,
    dedupe_key: str | None = None,
    dedupe_keys: Mapping[int, str] | None = None,
    action_url: str = "",
    action_label: str = "",
    campaign=None,
    now: dt.datetime | None = None,
) -> BulkResult:
    """Notify many persons with set-based inserts, in chunks of YIMEN_NOTIFY_CHUNK_SIZE, in one
    transaction. `context` is shared; `contexts` adds per-person values by person id. `dedupe_key` is
    the offer's identity: a person who already had a notification with it is skipped; `dedupe_keys`
    gives a person their own key instead (one run offering different occasions to different people)."""
    template = template_get(template_code)
    values = context_clean(context)
    if not contexts:
        context_check(template, values)
    url, label = action_clean(action_url, action_label)
    chosen = channels_for(template, channels)
    key = dedupe_clean(dedupe_key)
    keys = {int(pid): dedupe_clean(k) for pid, k in (dedupe_keys or {}).items()}
    moment = now or timezone.now()
    ids = list(dict.fromkeys(int(i) for i in person_ids))
    size = max(1, settings.YIMEN_NOTIFY_CHUNK_SIZE)
    result = BulkResult()
    for start in range(0, len(ids), size):
        result.merge(
            _send(
                template=template,
                person_ids=ids[start : start + size],
                context=values,
                contexts=contexts,
                channels=chosen,
                dedupe_key=key,
                dedupe_keys=keys,
                action_url=url,
                action_label=label,
                campaign=campaign,
                now=moment,
            )
        )
    return result
