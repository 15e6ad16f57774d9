"""Reads of the person and enterprise libraries, always through the caller's scope.

Staff see persons living in their division subtree (accounts.scope); a window clerk may also identify
any person by exact ID number, because any general window accepts any applicant.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.accounts.scope import scope_by_division
from yimen.common import prepared
from yimen.common.errors import NotFound, PermissionDenied, ValidationFailed
from yimen.common.identity import normalize_id_number, normalize_uscc
from yimen.places.models import Division
from yimen.registry.models import Enterprise, FieldLineage, FieldSource, FullRead, Person

_PERSON_RELATED = ("residence_division", "hukou_division", "household")
# A division row carries its boundary polygon (GeoJSON, kilobytes for a village); a person or enterprise
# read never needs it, and fetching and decoding two polygons per lookup was most of its cost.
_PERSON_DEFERRED = ("residence_division__geometry", "hukou_division__geometry")
_ENTERPRISE_DEFERRED = ("division__geometry",)


def _persons() -> QuerySet[Person]:
    return Person.objects.select_related(*_PERSON_RELATED).defer(*_PERSON_DEFERRED)


def _enterprises() -> QuerySet[Enterprise]:
    return Enterprise.objects.select_related("division", "legal_representative").defer(*_ENTERPRISE_DEFERRED)


def persons_visible(user) -> QuerySet[Person]:
    if not user.can(roles.PERSON_VIEW):
        raise PermissionDenied(_("无权查看自然人库"))
    qs = _persons()
    return scope_by_division(user, qs, via="residence_division")


def person_get(*, user, pk: int) -> Person:
    if getattr(user, "person_id", None) == pk:
        return _persons().get(pk=pk)
    try:
        return persons_visible(user).get(pk=pk)
    except Person.DoesNotExist:
        raise NotFound(_("未找到该自然人")) from None


def person_identify(*, user, id_number: str, places: bool = True) -> Person:
    """Exact lookup by ID number. Clerks (PERSON_IDENTIFY) reach the whole district; others their scope.
    `places=False`: a clerk gets the person row alone, without its divisions and household joined (case
    intake reads none of them; the joins were most of the lookup's cost)."""
    number = normalize_id_number(id_number)
    if user.can(roles.PERSON_IDENTIFY):
        if not places:  # the person row alone, as one prepared statement: no query compiled per intake
            person = prepared.fetch_instance(Person, "id_number", number)
            if person is None:
                raise NotFound(_("自然人库中无此身份证号码"), field="id_number")
            return person
        qs = _persons()
    else:
        qs = persons_visible(user)
    try:
        return qs.get(id_number=number)
    except Person.DoesNotExist:
        raise NotFound(_("自然人库中无此身份证号码"), field="id_number") from None


def persons_search(*, user, name: str = "", division_code: str = "", id_number: str = "") -> QuerySet[Person]:
    if not (name or division_code or id_number):
        raise ValidationFailed(_("请至少提供姓名、区划或身份证号码之一"), field="name")
    if id_number:
        return _persons().filter(pk=person_identify(user=user, id_number=id_number).pk)
    qs = persons_visible(user)
    if name:
        qs = qs.filter(name=name.strip())
    if division_code:
        try:
            division = Division.objects.get(code=division_code)
        except Division.DoesNotExist:
            raise ValidationFailed(
                _("未知区划代码 %(code)s") % {"code": division_code}, field="division"
            ) from None
        if division.level >= Division.Level.VILLAGE:
            qs = qs.filter(residence_division=division)
        else:
            qs = qs.filter(residence_division__path__startswith=division.path)
    return qs.order_by("id")


def enterprises_visible(user) -> QuerySet[Enterprise]:
    if not user.can(roles.ENTERPRISE_VIEW):
        raise PermissionDenied(_("无权查看法人库"))
    qs = _enterprises()
    return scope_by_division(user, qs, via="division")


def enterprise_get(*, user, pk: int) -> Enterprise:
    if getattr(user, "enterprise_id", None) == pk:
        return _enterprises().get(pk=pk)
    try:
        return enterprises_visible(user).get(pk=pk)
    except Enterprise.DoesNotExist:
        raise NotFound(_("未找到该法人")) from None


def enterprise_by_uscc(*, uscc: str) -> Enterprise:
    """Enterprise identity is public (工商公示): anyone may look an enterprise up by its code."""
    try:
        return _enterprises().get(uscc=normalize_uscc(uscc))
    except Enterprise.DoesNotExist:
        raise NotFound(_("法人库中无此统一社会信用代码"), field="uscc") from None


def full_reads_of_person(*, user, person: Person) -> QuerySet[FullRead]:
    """Who read this person's full data: the person themself, or auditors."""
    if getattr(user, "person_id", None) != person.pk and not user.can(roles.LEDGER_VIEW):
        raise PermissionDenied(_("只有本人或审计人员可查看查阅记录"))
    return FullRead.objects.filter(person=person).select_related("actor", "actor__department")


def field_sources(
    *, person: Person | None = None, enterprise: Enterprise | None = None
) -> QuerySet[FieldSource]:
    """Which registry fields came from which case (数据沉淀), newest first. The caller has already read
    `person`/`enterprise` through its scope (`person_get`, `enterprise_get`)."""
    if person is not None:
        return FieldSource.objects.filter(person=person)
    return FieldSource.objects.filter(enterprise=enterprise)


def field_lineage(
    *, person: Person | None = None, enterprise: Enterprise | None = None
) -> QuerySet[FieldLineage]:
    """Where each field's value came from in the fused store (数据血缘): source, department, record, date.
    The caller has already read `person`/`enterprise` through its scope (`person_get`, `enterprise_get`)."""
    if person is not None:
        return FieldLineage.objects.filter(person=person)
    return FieldLineage.objects.filter(enterprise=enterprise)
