"""Use cases that change the person and enterprise libraries, and the logged reveal of full values."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.common.identity import normalize_uscc, parse_id_number, validate_uscc
from yimen.common.signals import life_event_on_commit, subjects_changed_on_commit
from yimen.places.models import Division
from yimen.registry import selectors
from yimen.registry.models import Enterprise, FieldSource, FullRead, Household, Person

PERSON_FULL_FIELDS = ("id_number", "name", "phone", "birth_date", "residence_address", "household_number")
ENTERPRISE_FULL_FIELDS = ("legal_rep_id_number", "legal_rep_name", "legal_rep_phone")


def _clean_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "-")
    if phone and not (7 <= len(digits.replace("-", "")) <= 13):
        raise ValidationFailed(_("联系电话 “%(phone)s” 格式不正确") % {"phone": phone}, field="phone")
    return digits


@transaction.atomic
def person_create(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    residence_division: Division | None = None,
    residence_address: str = "",
    hukou_division: Division | None = None,
    hukou_region: str | None = None,
    household: Household | None = None,
    household_role: str = "",
    actor=None,
) -> Person:
    rid = parse_id_number(id_number)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("姓名不能为空"), field="name")
    if Person.objects.filter(id_number=rid.number).exists():
        raise ValidationFailed(_("该身份证号码已在自然人库中"), field="id_number")
    person = Person.objects.create(
        id_number=rid.number,
        name=name,
        gender=rid.gender,
        birth_date=rid.birth_date,
        hukou_division=hukou_division,
        hukou_region=hukou_region or (hukou_division.code[:6] if hukou_division else rid.address_code),
        is_migrant=hukou_division is None,
        residence_division=residence_division,
        residence_address=residence_address,
        phone=_clean_phone(phone),
        household=household,
        household_role=household_role,
    )
    audit.record(kind="registry.person.created", subject=person, actor=actor, content={"id": person.pk})
    subjects_changed_on_commit(
        reason="registry.person.created", person_ids=[person.pk], household_ids=[person.household_id]
    )
    life_event_on_commit(kind="birth", person_id=person.pk)
    return person


@transaction.atomic
def person_record_death(*, person: Person, death_date: dt.date, actor=None) -> Person:
    if death_date < person.birth_date or death_date > dt.date.today():
        raise ValidationFailed(_("死亡日期不合理"), field="death_date")
    person.status = Person.Status.DECEASED
    person.death_date = death_date
    person.save(update_fields=["status", "death_date", "updated_at"])
    audit.record(
        kind="registry.person.deceased", subject=person, actor=actor, content={"death_date": death_date}
    )
    subjects_changed_on_commit(reason="registry.person.deceased", person_ids=[person.pk])
    life_event_on_commit(kind="death", person_id=person.pk)
    return person


@transaction.atomic
def enterprise_create(
    *,
    uscc: str,
    name: str,
    kind: str,
    division: Division,
    registered_address: str,
    established_date: dt.date,
    legal_representative: Person | None = None,
    industry: str = "",
    registered_capital=None,
    actor=None,
) -> Enterprise:
    code = validate_uscc(normalize_uscc(uscc))
    if kind not in Enterprise.Kind.values:
        raise ValidationFailed(_("未知企业类型 “%(kind)s”") % {"kind": kind}, field="kind")
    if Enterprise.objects.filter(uscc=code).exists():
        raise ValidationFailed(_("该统一社会信用代码已在法人库中"), field="uscc")
    enterprise = Enterprise.objects.create(
        uscc=code,
        name=name.strip(),
        kind=kind,
        industry=industry,
        legal_representative=legal_representative,
        registered_address=registered_address,
        division=division,
        registered_capital=registered_capital,
        established_date=established_date,
    )
    audit.record(kind="registry.enterprise.created", subject=enterprise, actor=actor, content={"uscc": code})
    subjects_changed_on_commit(reason="registry.enterprise.created", enterprise_ids=[enterprise.pk])
    life_event_on_commit(kind="enterprise_established", enterprise_id=enterprise.pk)
    return enterprise


def _check_fields(fields: Iterable[str], allowed: tuple[str, ...]) -> list[str]:
    fields = list(dict.fromkeys(fields))
    if not fields:
        raise ValidationFailed(_("请指定要查看的字段"), field="fields")
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise ValidationFailed(
            _("不能查看字段 %(unknown)s（可查看：%(allowed)s）")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            field="fields",
        )
    return fields


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请填写查阅事由(至少4个字)"), field="reason")
    return reason[:200]


@transaction.atomic
def person_reveal(*, actor, person: Person, fields: Iterable[str], reason: str) -> dict[str, str]:
    """Return the unmasked values of `fields` and record who read them, why, in the same transaction."""
    fields = _check_fields(fields, PERSON_FULL_FIELDS)
    reason = _check_reason(reason)
    own = getattr(actor, "person_id", None) == person.pk
    if not own:
        if not actor.can(roles.PERSON_READ_FULL):
            raise PermissionDenied(_("无权查看完整个人信息"))
        selectors.person_get(user=actor, pk=person.pk)  # raises NotFound outside the actor's scope
    values = {
        "id_number": person.id_number,
        "name": person.name,
        "phone": person.phone,
        "birth_date": person.birth_date.isoformat(),
        "residence_address": person.residence_address,
        "household_number": person.household.number if person.household_id else "",
    }
    read = FullRead.objects.create(actor=actor, person=person, fields=fields, reason=reason)
    entry = audit.record(
        kind="registry.person.full_read",
        subject=person,
        actor=actor,
        content={"fields": fields, "read": read.pk},
    )
    FullRead.objects.filter(pk=read.pk).update(ledger_index=entry.index)
    return {f: values[f] for f in fields}


BULK_READ_MAX = 20_000


@transaction.atomic
def persons_full_read_bulk(
    *, actor, person_ids: Iterable[int], fields: Iterable[str], reason: str
) -> list[int]:
    """Record a full read of `fields` of many persons at once (an unmasked list for a service project):
    one FullRead row per person, so each sees it in "who read my data", and one ledger entry for the
    batch (count, reason and a digest of the ids). Only persons within the actor's scope are read; their
    ids are returned, sorted. The caller reads the values in the same transaction."""
    import hashlib

    fields = _check_fields(fields, PERSON_FULL_FIELDS)
    reason = _check_reason(reason)
    if not actor.can(roles.PERSON_READ_FULL):
        raise PermissionDenied(_("无权查看完整个人信息"))
    wanted = sorted({int(i) for i in person_ids})
    if len(wanted) > BULK_READ_MAX:
        raise ValidationFailed(
            _("一次最多查看 %(max)d 人的完整信息，请缩小范围") % {"max": BULK_READ_MAX}, field="person_ids"
        )
    visible: list[int] = []
    for start in range(0, len(wanted), 2_000):
        visible.extend(
            selectors.persons_visible(actor)
            .filter(pk__in=wanted[start : start + 2_000])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if not visible:
        return []
    digest = hashlib.sha256(",".join(map(str, visible)).encode()).hexdigest()
    entry = audit.record(
        kind="registry.person.full_read_bulk",
        subject="registry.person",
        actor=actor,
        content={"fields": fields, "count": len(visible), "reason": reason, "ids_sha256": digest},
    )
    FullRead.objects.bulk_create(
        [
            FullRead(actor=actor, person_id=pk, fields=fields, reason=reason, ledger_index=entry.index)
            for pk in visible
        ],
        batch_size=2_000,
    )
    return visible


@transaction.atomic
def enterprise_reveal(*, actor, enterprise: Enterprise, fields: Iterable[str], reason: str) -> dict[str, str]:
    fields = _check_fields(fields, ENTERPRISE_FULL_FIELDS)
    reason = _check_reason(reason)
    if not actor.can(roles.ENTERPRISE_READ_FULL):
        raise PermissionDenied(_("无权查看完整法定代表人信息"))
    selectors.enterprise_get(user=actor, pk=enterprise.pk)
    rep = enterprise.legal_representative
    values = {
        "legal_rep_id_number": rep.id_number if rep else "",
        "legal_rep_name": rep.name if rep else "",
        "legal_rep_phone": rep.phone if rep else "",
    }
    read = FullRead.objects.create(
        actor=actor, enterprise=enterprise, person=rep, fields=fields, reason=reason
    )
    entry = audit.record(
        kind="registry.enterprise.full_read",
        subject=enterprise,
        actor=actor,
        content={"fields": fields, "read": read.pk},
    )
    FullRead.objects.filter(pk=read.pk).update(ledger_index=entry.index)
    return {f: values[f] for f in fields}


# 数据沉淀: the fields an accepted case may update, and how each value is cleaned. Nothing else (names,
# ID numbers, birth dates, household) is ever written from an application.
_SOURCE = re.compile(r"^[a-z_]+\.[a-z_]+:[0-9A-Za-z_-]{1,40}$")


def _clean_text(label: str, limit: int = 128):
    def clean(value, field: str) -> str:
        value = " ".join(str(value or "").split())
        if not 2 <= len(value) <= limit:
            raise ValidationFailed(
                _("%(label)s应为2至%(limit)d个字") % {"label": label, "limit": limit}, field=field
            )
        return value

    return clean


def _clean_settled_phone(value, field: str) -> str:
    value = str(value or "").strip()
    try:
        phone = _clean_phone(value)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field=field) from None
    if not phone:
        raise ValidationFailed(_("联系电话不能为空"), field=field)
    return phone


PERSON_SETTLE_FIELDS = {
    "phone": _clean_settled_phone,
    "residence_address": _clean_text(gettext_lazy("居住地址")),
}
ENTERPRISE_SETTLE_FIELDS = {
    "registered_address": _clean_text(gettext_lazy("住所")),
    "industry": _clean_text(gettext_lazy("行业"), 64),
}


def value_digest(value) -> str:
    """A keyed digest of a replaced value: shows that it changed without keeping what it was."""
    return hmac.new(settings.SECRET_KEY.encode(), str(value or "").encode(), hashlib.sha256).hexdigest()


def settle_clean(kind: str, fields: Mapping[str, object]) -> dict[str, str]:
    """The cleaned values of `fields` for a person (`kind="person"`) or an enterprise; a ValidationFailed
    names every bad field. Cases check an application's mapped fields with this before filing it."""
    allowed = PERSON_SETTLE_FIELDS if kind == "person" else ENTERPRISE_SETTLE_FIELDS
    cleaned, errors = {}, {}
    for name, value in fields.items():
        if name not in allowed:
            errors.setdefault(name, []).append(_("该字段不能由办件更新：%(f)s") % {"f": name})
            continue
        try:
            cleaned[name] = allowed[name](value, name)
        except ValidationFailed as exc:
            errors.setdefault(name, []).append(exc.message)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return cleaned


def _settle(obj, *, kind: str, fields: Mapping, source: str, source_label: str, actor) -> list[FieldSource]:
    if not _SOURCE.match(source or ""):
        raise ValidationFailed(_("数据来源格式不正确"), field="source")
    cleaned = settle_clean(kind, fields)
    model = type(obj)
    obj = model.objects.select_for_update().get(pk=obj.pk)
    changed = {f: v for f, v in cleaned.items() if getattr(obj, f) != v}
    if not changed:
        return []
    rows = [
        FieldSource(
            **{kind: obj},
            field=f,
            old_digest=value_digest(getattr(obj, f)) if getattr(obj, f) else "",
            source=source,
            source_label=(source_label or "")[:64],
            actor=actor if getattr(actor, "pk", None) else None,
        )
        for f in changed
    ]
    for f, v in changed.items():
        setattr(obj, f, v)
    obj.save(update_fields=[*changed, "updated_at"])
    entry = audit.record(
        kind=f"registry.{kind}.settle",
        subject=obj,
        actor=actor,
        content={"fields": sorted(changed), "source": source},  # which fields, never their values
    )
    for row in rows:
        row.ledger_index = entry.index
    subjects_changed_on_commit(reason=f"registry.{kind}.settle", **{f"{kind}_ids": [obj.pk]})
    return FieldSource.objects.bulk_create(rows)


@transaction.atomic
def person_settle(
    *, person: Person, fields: Mapping[str, object], source: str, actor, source_label: str = ""
) -> list[FieldSource]:
    """数据沉淀: update whitelisted fields of a person from an accepted case, with one provenance row per
    changed field (source e.g. `cases.case:42`). Bad data changes nothing; unchanged values write nothing."""
    return _settle(
        person, kind="person", fields=fields, source=source, source_label=source_label, actor=actor
    )


@transaction.atomic
def enterprise_settle(
    *, enterprise: Enterprise, fields: Mapping[str, object], source: str, actor, source_label: str = ""
) -> list[FieldSource]:
    """数据沉淀 for the enterprise library (住所, 行业), as `person_settle`."""
    return _settle(
        enterprise, kind="enterprise", fields=fields, source=source, source_label=source_label, actor=actor
    )
