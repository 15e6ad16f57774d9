"""Reads of the division tree and the departments that other apps and the API share.

division_by_code("440604012")         -> Division (NotFound otherwise)
subtree(street)                      -> that street and everything under it (one prefix query)
villages(street_code="440604012")    -> the street's villages/communities
department_by_code("CGJ")            -> Department
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yimen.common.errors import NotFound, ValidationFailed
from yimen.places.geojson import feature_collection
from yimen.places.models import Department, Division

Level = Division.Level


def district() -> Division:
    return division_by_code(settings.YIMEN_DISTRICT_CODE)


def division_by_code(code: str, *, level: int | None = None, field: str = "code") -> Division:
    """The division with this code (and level, if given); NotFound with a message on `field` otherwise."""
    qs = Division.objects.select_related("parent")
    if level is not None:
        qs = qs.filter(level=level)
    try:
        return qs.get(code=str(code).strip())
    except Division.DoesNotExist:
        what = Level(level).label if level else _("区划")
        raise NotFound(_("未找到%(what)s %(code)s") % {"what": what, "code": code}, field=field) from None


def divisions(
    *, level: int | None = None, parent_code: str | None = None, within_code: str | None = None, q: str = ""
) -> QuerySet[Division]:
    """Divisions without geometry, filtered by level, direct parent, ancestor and/or a name fragment."""
    qs = Division.objects.defer("geometry").select_related("parent")
    if level is not None:
        if level not in Level.values:
            raise ValidationFailed(_("层级应为 %(values)s 之一") % {"values": Level.values}, field="level")
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent=division_by_code(parent_code, field="parent"))
    if within_code:
        qs = qs.filter(path__startswith=division_by_code(within_code, field="within").path)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("code")


def subtree(division: Division, *, include_self: bool = True, level: int | None = None) -> QuerySet[Division]:
    """The division and everything under it: one prefix query on `path`."""
    qs = Division.objects.filter(path__startswith=division.path)
    if not include_self:
        qs = qs.exclude(pk=division.pk)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def streets() -> QuerySet[Division]:
    return Division.objects.filter(level=Level.STREET).defer("geometry").order_by("code")


def areas(street_code: str | None = None) -> QuerySet[Division]:
    return _level_under(Level.AREA, street_code, Level.STREET)


def villages(street_code: str | None = None) -> QuerySet[Division]:
    """Villages/communities, of one street/town if given (whether or not areas have been generated)."""
    return _level_under(Level.VILLAGE, street_code, Level.STREET)


def grids(under: Division | None = None) -> QuerySet[Division]:
    qs = Division.objects.filter(level=Level.GRID)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return qs.order_by("code")


def children(division: Division) -> QuerySet[Division]:
    return Division.objects.filter(parent=division).defer("geometry").order_by("code")


def division_geojson(division: Division) -> dict:
    """A FeatureCollection of the division's children's boundaries, or of its own if it has no children."""
    kids = Division.objects.filter(parent=division, geometry__isnull=False).order_by("code")
    if kids.exists():
        return feature_collection(kids)
    return feature_collection([division] if division.geometry else [])


def grids_geojson(under: Division | None = None) -> dict:
    return feature_collection(grids(under).filter(geometry__isnull=False))


def departments(*, kind: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("division")
    if kind:
        if kind not in Department.Kind.values:
            raise ValidationFailed(
                _("部门类型应为 %(values)s 之一") % {"values": Department.Kind.values}, field="kind"
            )
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "code")


def department_by_code(code: str) -> Department:
    try:
        return Department.objects.select_related("division").get(code=str(code).strip())
    except Department.DoesNotExist:
        raise NotFound(_("未找到部门 %(code)s") % {"code": code}, field="code") from None


def street_office(street_code: str) -> Department:
    """The office (街道办事处 / 镇人民政府) of a street/town."""
    return department_by_code(f"JD{street_code}")


def _level_under(level: int, code: str | None, parent_level: int) -> QuerySet[Division]:
    qs = Division.objects.filter(level=level).defer("geometry")
    if code:
        qs = qs.filter(path__startswith=division_by_code(code, level=parent_level, field="street_code").path)
    return qs.order_by("code")
