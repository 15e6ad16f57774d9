"""Use cases that change the catalog. Each runs in one transaction, validates, then saves.

Versioning: a published version is immutable. To change an item, copy its published version into a
draft (`item_version_create_draft`), edit the draft (`item_version_update`), then publish it
(`item_version_publish`), which retires the old version, moves the item's pointer and writes an audit
entry. `actor=None` means the system (a management command); otherwise the actor's capabilities and
department are checked here, so the API, the admin and scripts obey the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from yimen.accounts.roles import CATALOG_EDIT, CATALOG_MANAGE_ALL, CATALOG_PUBLISH
from yimen.catalog import workflow
from yimen.catalog.content import version_content
from yimen.catalog.models import ItemVersion, LifeStage, Material, ServiceItem, Theme, ThemeItem
from yimen.catalog.models.item import VersionStatus
from yimen.catalog.schema import ITEM_FIELD_NAMES, Cleaned, clean_item, clean_item_changes
from yimen.common import audit
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.places.models import Department

_REFERENCE_FIELDS = ("department", "keywords", "life_stages", "related_items", "materials")


def _is_system(actor) -> bool:
    return actor is None or isinstance(actor, str)


def require_capability(actor, capability: str, *, department_id: int | None = None) -> None:
    """The actor holds `capability` and, unless it manages all departments, belongs to `department_id`."""
    if _is_system(actor):
        return
    can = getattr(actor, "can", None)
    if can is None or not can(capability):
        raise PermissionDenied(gettext("您没有执行此操作的权限。"))
    if department_id is not None and not can(CATALOG_MANAGE_ALL) and actor.department_id != department_id:
        raise PermissionDenied(gettext("只能管理本部门实施的事项。"))


def _raise_problems(cleaned: Cleaned) -> None:
    if not cleaned.problems:
        return
    errors: dict[str, list[str]] = {}
    for problem in cleaned.problems:
        errors.setdefault(problem.dotted or "non_field_errors", []).append(problem.message)
    first = cleaned.problems[0]
    raise ValidationFailed(
        f"{first.dotted}: {first.message}" if first.dotted else first.message, errors=errors
    )


def _resolve_department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationFailed(gettext("未知的部门代码 “%(code)s”") % {"code": code}, field="department")
    return department


def _resolve_life_stages(codes: Sequence[str]) -> list[LifeStage]:
    stages = {s.code: s for s in LifeStage.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in stages]
    if missing:
        raise ValidationFailed(
            gettext("未知的人生阶段 %(codes)s") % {"codes": ", ".join(missing)}, field="life_stages"
        )
    return [stages[c] for c in codes]


def _resolve_related(codes: Sequence[str], *, item: ServiceItem) -> list[ServiceItem]:
    found = {i.implementation_code: i for i in ServiceItem.objects.filter(implementation_code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            gettext("关联事项不存在：%(codes)s") % {"codes": ", ".join(missing)}, field="related_items"
        )
    if item.implementation_code in found:
        raise ValidationFailed(gettext("事项不能关联自身"), field="related_items")
    return [found[c] for c in codes]


def _write_content(version: ItemVersion, value: dict) -> None:
    """Set the given content fields on a draft (references given as codes) and save it."""
    for name, field_value in value.items():
        if name not in _REFERENCE_FIELDS:
            setattr(version, name, field_value)
    if "department" in value:
        version.department = _resolve_department(value["department"])
    if "keywords" in value:
        version.keywords = ",".join(value["keywords"])
    version.save()
    if "life_stages" in value:
        version.life_stages.set(_resolve_life_stages(value["life_stages"]))
    if "related_items" in value:
        version.related_items.set(_resolve_related(value["related_items"], item=version.item))
    if "materials" in value:
        version.materials.all().delete()
        Material.objects.bulk_create(
            Material(version=version, order=index, **material)
            for index, material in enumerate(value["materials"])
        )


def _next_number(item: ServiceItem) -> int:
    return (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def item_register(*, implementation_code: str, basic_code: str, actor=None) -> ServiceItem:
    """The identity of an item (get or create by implementation code); a changed basic code is updated."""
    require_capability(actor, CATALOG_MANAGE_ALL)
    item, created = ServiceItem.objects.get_or_create(
        implementation_code=implementation_code, defaults={"basic_code": basic_code}
    )
    if not created and item.basic_code != basic_code:
        item.basic_code = basic_code
        item.save(update_fields=["basic_code"])
    return item


@transaction.atomic
def item_version_create(*, item: ServiceItem, content: dict, actor=None) -> ItemVersion:
    """A new draft of `item` holding `content` (all content fields; references as codes)."""
    cleaned = clean_item(
        {"implementation_code": item.implementation_code, "basic_code": item.basic_code, **content}
    )
    _raise_problems(cleaned)
    value = {k: v for k, v in cleaned.value.items() if k in ITEM_FIELD_NAMES}
    department = _resolve_department(value["department"])
    require_capability(actor, CATALOG_EDIT, department_id=department.pk)
    ServiceItem.objects.select_for_update().filter(pk=item.pk).first()
    version = ItemVersion(
        item=item,
        number=_next_number(item),
        status=VersionStatus.DRAFT,
        created_by=None if _is_system(actor) else actor,
    )
    _write_content(version, value)
    return version


@transaction.atomic
def item_create(*, implementation_code: str, basic_code: str, content: dict, actor=None) -> ItemVersion:
    """A new item with its first version, as a draft."""
    if ServiceItem.objects.filter(implementation_code=implementation_code).exists():
        raise ValidationFailed(
            gettext("实施编码 %(code)s 已存在") % {"code": implementation_code}, field="implementation_code"
        )
    cleaned = clean_item({"implementation_code": implementation_code, "basic_code": basic_code, **content})
    _raise_problems(cleaned)
    item = ServiceItem.objects.create(implementation_code=implementation_code, basic_code=basic_code)
    return item_version_create(item=item, content=content, actor=actor)


@transaction.atomic
def item_version_create_draft(
    *, item: ServiceItem, from_version: ItemVersion | None = None, actor=None
) -> ItemVersion:
    """ "Edit" a published item: copy a version (default: the current one), with its materials, into a draft."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    source = from_version or item.current_version
    if source is None:
        raise Conflict(gettext("该事项没有已发布的版本可供复制。"), field="item")
    if source.item_id != item.pk:
        raise ValidationFailed(gettext("所选版本不属于该事项。"), field="from_version")
    require_capability(actor, CATALOG_EDIT, department_id=source.department_id)
    open_draft = item.versions.filter(status=VersionStatus.DRAFT).first()
    if open_draft is not None:
        raise Conflict(
            gettext("该事项已有未发布的草稿（第 %(number)d 版），请先发布或删除。")
            % {"number": open_draft.number},
            field="item",
        )
    content = version_content(source)
    content.pop("implementation_code")
    content.pop("basic_code")
    return item_version_create(item=item, content=content, actor=actor)


@transaction.atomic
def item_version_update(*, version: ItemVersion, data: dict, actor=None) -> ItemVersion:
    """Change fields of a draft. Published and retired versions refuse (Conflict, HTTP 409)."""
    version = ItemVersion.objects.select_for_update().select_related("item", "department").get(pk=version.pk)
    workflow.check_editable(version.status)
    require_capability(actor, CATALOG_EDIT, department_id=version.department_id)
    current = version_content(version)
    cleaned = clean_item_changes(data, current=current)
    _raise_problems(cleaned)
    if "department" in cleaned.value and cleaned.value["department"] != current["department"]:
        require_capability(
            actor, CATALOG_EDIT, department_id=_resolve_department(cleaned.value["department"]).pk
        )
    _write_content(version, cleaned.value)
    return version


@transaction.atomic
def item_version_publish(*, version: ItemVersion, actor=None) -> ItemVersion:
    """Publish a draft: retire the version it replaces, move the item's pointer, write an audit entry."""
    require_capability(actor, CATALOG_PUBLISH)
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    version = ItemVersion.objects.select_related("item", "department").get(pk=version.pk)
    workflow.check_transition(version.status, VersionStatus.PUBLISHED)
    require_capability(actor, CATALOG_PUBLISH, department_id=version.department_id)
    content = version_content(version)
    _raise_problems(clean_item(content))
    previous = item.current_version
    if previous is not None and previous.number > version.number:
        raise Conflict(
            gettext("已有更新的发布版本（第 %(number)d 版），请基于最新版本重新建立草稿。")
            % {"number": previous.number},
            field="status",
        )
    now = timezone.now()
    if previous is not None:
        workflow.check_transition(previous.status, VersionStatus.RETIRED)
        previous.status = VersionStatus.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at", "updated_at"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.published_by = None if _is_system(actor) else actor
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    item.current_version = version
    item.save(update_fields=["current_version"])
    audit.record(
        kind="catalog.item_version.published",
        subject=version,
        actor=actor,
        content={
            "implementation_code": item.implementation_code,
            "number": version.number,
            "replaces": previous.number if previous else None,
            "content": content,
        },
    )
    return version


@transaction.atomic
def item_version_discard(*, version: ItemVersion, actor=None) -> None:
    """Delete a draft that will not be published."""
    version = ItemVersion.objects.select_for_update().get(pk=version.pk)
    workflow.check_editable(version.status)
    require_capability(actor, CATALOG_EDIT, department_id=version.department_id)
    version.delete()


@transaction.atomic
def item_retire(*, item: ServiceItem, actor=None) -> ServiceItem:
    """Withdraw an item from the catalog (事项取消): its published version is retired, nothing replaces it."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    current = item.current_version
    if current is None:
        raise Conflict(gettext("该事项没有已发布的版本。"), field="item")
    require_capability(actor, CATALOG_PUBLISH, department_id=current.department_id)
    workflow.check_transition(current.status, VersionStatus.RETIRED)
    current.status = VersionStatus.RETIRED
    current.retired_at = timezone.now()
    current.save(update_fields=["status", "retired_at", "updated_at"])
    item.current_version = None
    item.save(update_fields=["current_version"])
    audit.record(
        kind="catalog.item.retired",
        subject=item,
        actor=actor,
        content={"implementation_code": item.implementation_code, "number": current.number},
    )
    return item


@transaction.atomic
def theme_save(
    *,
    code: str,
    name: str,
    promised_days: int,
    items: Sequence[ServiceItem],
    description: str = "",
    life_stage: LifeStage | None = None,
    lead_department: Department | None = None,
    published: bool = True,
    actor=None,
) -> Theme:
    """Create or replace a theme (by code) with its ordered items; audited."""
    require_capability(actor, CATALOG_MANAGE_ALL)
    if not items:
        raise ValidationFailed(gettext("主题至少包含一个事项"), field="items")
    if len({i.pk for i in items}) != len(items):
        raise ValidationFailed(gettext("主题中的事项重复"), field="items")
    theme, _ = Theme.objects.select_for_update().get_or_create(
        code=code, defaults={"name": name, "promised_days": promised_days}
    )
    theme.name = name
    theme.description = description
    theme.life_stage = life_stage
    theme.lead_department = lead_department
    theme.promised_days = promised_days
    theme.published = published
    theme.save()
    theme.theme_items.all().delete()
    ThemeItem.objects.bulk_create(ThemeItem(theme=theme, item=item, order=i) for i, item in enumerate(items))
    audit.record(
        kind="catalog.theme.saved",
        subject=theme,
        actor=actor,
        content={
            "code": code,
            "items": [i.implementation_code for i in items],
            "promised_days": promised_days,
            "published": published,
        },
    )
    return theme


def catalog_import(*, path, actor=None):
    """Import catalog YAML all-or-nothing; see `yimen.catalog.yaml_io.importer.catalog_import`."""
    from yimen.catalog.yaml_io import catalog_import as run

    return run(path=path, actor=actor)


def catalog_export(*, path):
    """Write every published item and theme as catalog YAML; see `yimen.catalog.yaml_io.exporter`."""
    from yimen.catalog.yaml_io import catalog_export as run

    return run(path=path)


def catalog_load_sample(*, actor=None):
    """Import the sample catalog shipped in `yimen/catalog/sample/` (idempotent). Needs the departments
    (`yimen places import` / `reference_load`) to be loaded first."""
    from yimen.catalog.yaml_io import SAMPLE_DIR
    from yimen.catalog.yaml_io import catalog_import as run

    return run(path=SAMPLE_DIR, actor=actor)
