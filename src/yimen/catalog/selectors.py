"""Reads of the catalog shared by the portal, the API and other apps (cases, notify).

Public reads return published versions only. Staff reads (`item_drafts_for`, `item_version_for`) are
scoped to the user's department unless the user manages all departments; another department's
version is reported as not found, never as forbidden, so its existence does not leak.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from yimen.accounts.roles import CATALOG_MANAGE_ALL, CATALOG_VIEW_DRAFTS
from yimen.accounts.scope import scope_by_department
from yimen.catalog.models import ItemVersion, LifeStage, ServiceItem, Theme
from yimen.catalog.models.item import VersionStatus
from yimen.catalog.search import search_filter, search_rank
from yimen.catalog.theme_merge import ThemeDetail, theme_detail_build
from yimen.common import prepared
from yimen.common.errors import NotFound
from yimen.places.models import Department

__all__ = [
    "ThemeDetail",
    "departments_with_item_counts",
    "item_current",
    "item_drafts_for",
    "item_version_for",
    "item_versions",
    "items_published",
    "items_search",
    "life_stages",
    "theme_detail",
    "themes",
]

_PUBLISHED = Q(item_versions__status=VersionStatus.PUBLISHED)


def life_stages() -> QuerySet[LifeStage]:
    """The eight life stages in order, each annotated with `item_count` (published items)."""
    return LifeStage.objects.annotate(
        item_count=Count("item_versions", filter=_PUBLISHED, distinct=True)
    ).order_by("order")


def _published() -> QuerySet[ItemVersion]:
    return (
        ItemVersion.objects.published()
        .select_related("item", "department")
        .prefetch_related(Prefetch("life_stages", queryset=LifeStage.objects.order_by("order")))
    )


def items_published(*, life_stage=None, department=None, q: str | None = None) -> QuerySet[ItemVersion]:
    """Published versions, optionally of one life stage and/or department (a code or an instance) and
    matching a search text (then ordered by relevance, as `items_search`)."""
    qs = _published()
    if life_stage is not None:
        qs = qs.filter(life_stages__code=getattr(life_stage, "code", life_stage))
    if department is not None:
        qs = qs.filter(department__code=getattr(department, "code", department))
    if q and q.strip():
        return search_rank(qs.filter(search_filter(q)), q)
    return qs.order_by("department__kind", "department__code", "name", "item__implementation_code")


def items_search(q: str, *, limit: int = 20) -> list[ItemVersion]:
    """Published versions matching `q`: names first (exact, prefix, contains; shorter names first),
    then result name, keywords, department and conditions. Empty query -> empty list."""
    if not q or not q.strip():
        return []
    return list(search_rank(_published().filter(search_filter(q)), q)[:limit])


def _with_guide(qs: QuerySet[ItemVersion]) -> QuerySet[ItemVersion]:
    return qs.select_related("item", "department", "department__division").prefetch_related(
        "materials",
        Prefetch("life_stages", queryset=LifeStage.objects.order_by("order")),
        Prefetch(
            "related_items",
            queryset=ServiceItem.objects.select_related("current_version").order_by("implementation_code"),
        ),
    )


def item_current(implementation_code: str) -> ItemVersion:
    """The published version of an item, with materials, department, life stages and related items
    (each related `ServiceItem` with its `current_version`). NotFound when none is published."""
    version = (
        _with_guide(ItemVersion.objects.published())
        .filter(item__implementation_code=implementation_code)
        .first()
    )
    if version is None:
        raise NotFound(gettext("事项 %(code)s 不存在或未发布。") % {"code": implementation_code})
    return version


# Published versions never change (only which version is current does), so intake keeps the ones it
# has loaded, keyed by version id and modification time, in this process.
_INTAKE_CACHE: dict[tuple[int, object], ItemVersion] = {}
_INTAKE_CACHE_MAX = 4_096
# The one statement per submission: the current version's id, modification time and status by the
# item's (unique) implementation code, prepared once per connection on PostgreSQL.
_INTAKE_CURRENT = (
    'SELECT i."current_version_id", v."updated_at", v."status" FROM "catalog_serviceitem" i '
    'LEFT JOIN "catalog_itemversion" v ON v."id" = i."current_version_id" '
    'WHERE i."implementation_code" = %s LIMIT 1'
)


def item_for_intake(implementation_code: str) -> ItemVersion:
    """The published version of an item with what filing a case needs (item, department, materials), for
    the intake path that runs on every submission: one indexed query for the current version's id, the
    version itself from this process's cache after the first time. NotFound when none is published."""
    rows = prepared.fetch(_INTAKE_CURRENT, [implementation_code])
    row = rows[0] if rows else None
    if row is None or row[0] is None or row[2] != VersionStatus.PUBLISHED:
        raise NotFound(gettext("事项 %(code)s 不存在或未发布。") % {"code": implementation_code})
    key = (row[0], row[1])
    version = _INTAKE_CACHE.get(key)
    if version is None:
        version = (
            ItemVersion.objects.select_related("item", "department")
            .prefetch_related("materials")
            .get(pk=row[0])
        )
        if len(_INTAKE_CACHE) >= _INTAKE_CACHE_MAX:
            _INTAKE_CACHE.clear()
        _INTAKE_CACHE[key] = version
    return version


def item_versions(implementation_code: str) -> list[ItemVersion]:
    """The public history of an item: published and retired versions, newest first."""
    if not ServiceItem.objects.filter(implementation_code=implementation_code).exists():
        raise NotFound(gettext("事项 %(code)s 不存在。") % {"code": implementation_code})
    return list(
        ItemVersion.objects.filter(item__implementation_code=implementation_code)
        .exclude(status=VersionStatus.DRAFT)
        .select_related("item", "department", "published_by")
        .order_by("-number")
    )


def themes(*, include_unpublished: bool = False) -> QuerySet[Theme]:
    qs = Theme.objects.select_related("life_stage", "lead_department").annotate(
        item_count=Count("theme_items")
    )
    return qs if include_unpublished else qs.filter(published=True)


def theme_detail(code: str, *, include_unpublished: bool = False) -> ThemeDetail:
    """A theme with its items' current versions and the merged material list (see `ThemeDetail`)."""
    theme = themes(include_unpublished=include_unpublished).filter(code=code).first()
    if theme is None:
        raise NotFound(gettext("主题 %(code)s 不存在或未发布。") % {"code": code})
    return theme_detail_build(theme)


def departments_with_item_counts() -> QuerySet[Department]:
    """Departments implementing at least one published item, each with `item_count`."""
    return (
        Department.objects.annotate(item_count=Count("item_versions", filter=_PUBLISHED, distinct=True))
        .filter(item_count__gt=0)
        .order_by("kind", "code")
    )


def _staff_scope(user, qs: QuerySet[ItemVersion]) -> QuerySet[ItemVersion]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(CATALOG_VIEW_DRAFTS):
        return qs.none()
    return scope_by_department(user, qs, via="department", all_departments=user.can(CATALOG_MANAGE_ALL))


def item_drafts_for(user) -> QuerySet[ItemVersion]:
    """Drafts the user may see: their department's, or all with CATALOG_MANAGE_ALL; none for others."""
    qs = (
        ItemVersion.objects.drafts()
        .select_related("item", "department", "created_by")
        .order_by("-updated_at")
    )
    return _staff_scope(user, qs)


def item_version_for(user, pk: int) -> ItemVersion:
    """Any version (draft, published, retired) within the user's department scope, with its guide
    relations; NotFound for versions outside the scope."""
    version = _staff_scope(user, _with_guide(ItemVersion.objects.all())).filter(pk=pk).first()
    if version is None:
        raise NotFound(gettext("事项版本不存在。"))
    return version
