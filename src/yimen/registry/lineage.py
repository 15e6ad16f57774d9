"""Field lineage (数据血缘) of the person and enterprise libraries: which fields the fused store feeds, the
keyed digest kept of a loaded value, and how a field's current value is shown (masked) beside its source.

A value is digested in its natural form: a date as ISO text, a division by its code, a person by ID
number. The loader (`fusion_load`) and every reader use these functions, so "does the registry still
hold what fusion loaded" is one digest comparison.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache

from django.conf import settings

from yimen.common.masking import mask_address, mask_id_number, mask_name, mask_phone
from yimen.registry.models import Enterprise, FieldLineage, Person

PERSON_FIELDS = (
    "id_number",
    "name",
    "gender",
    "birth_date",
    "phone",
    "residence_address",
    "residence_division",
)
ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "legal_representative",
    "registered_address",
    "established_date",
    "status",
    "division",
)
_DIVISIONS = ("residence_division", "division")


@lru_cache(maxsize=2)
def _keyed(secret: str) -> tuple:
    """SHA-256 states after the HMAC inner and outer key blocks (RFC 2104), to be copied per value."""
    key = secret.encode()
    key = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def lineage_digest(value) -> str:
    """`services.value_digest` of a natural value (a date as ISO text; None as ""). The same HMAC-SHA256
    of SECRET_KEY, from pre-keyed states: a million persons have seven values each, and keying the HMAC
    anew for every value took most of a re-load's time."""
    text = "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)
    inner, outer = _keyed(settings.SECRET_KEY)
    inner, outer = inner.copy(), outer.copy()
    inner.update(text.encode())
    outer.update(inner.digest())
    return outer.hexdigest()


def natural_value(subject: Person | Enterprise, field: str):
    """The subject's current value of `field` in the form the loader digests."""
    if field in _DIVISIONS:
        division = getattr(subject, field) if getattr(subject, f"{field}_id") else None
        return division.code if division else None
    if field == "legal_representative":
        rep = subject.legal_representative if subject.legal_representative_id else None
        return rep.id_number if rep else None
    return getattr(subject, field)


def is_current(row: FieldLineage, subject: Person | Enterprise) -> bool:
    """Whether the registry still holds the value this lineage row describes (not replaced since)."""
    return lineage_digest(natural_value(subject, row.field)) == row.value_digest


def masked_value(subject: Person | Enterprise, field: str) -> str:
    """The current value as a page or API shows it by default: a person's data masked, an enterprise's
    registration data public (工商公示) except its legal representative."""
    if field in _DIVISIONS:
        division = getattr(subject, field) if getattr(subject, f"{field}_id") else None
        return division.name if division else ""
    if field == "legal_representative":
        rep = subject.legal_representative if subject.legal_representative_id else None
        return mask_name(rep.name) if rep else ""
    value = getattr(subject, field)
    if isinstance(subject, Person):
        if field == "birth_date":
            return f"{value.year}-**-**" if value else ""
        if field == "gender":
            return subject.get_gender_display()
        mask = {"id_number": mask_id_number, "name": mask_name, "phone": mask_phone}.get(field, mask_address)
        return mask(str(value or ""))
    if field == "status":
        return subject.get_status_display()
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


def lineage_ordered(rows, fields: tuple[str, ...]) -> list[FieldLineage]:
    order = {f: i for i, f in enumerate(fields)}
    return sorted(rows, key=lambda r: (order.get(r.field, len(order)), r.field))
