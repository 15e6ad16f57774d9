"""The merged view of a theme (主题办): what the applicant submits once instead of once per item.

Materials of all the theme's items (their current published versions) are grouped by `key`; a material
several items ask for is asked once. The figures before/after the merge and the summed vs promised time
limits are what the reform is measured by (e.g. 我要开餐馆: ~45 materials -> ~27, 45 -> 10 working days).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yimen.catalog.models import ItemVersion, Material, ServiceItem, Theme
from yimen.catalog.models.item import VersionStatus
from yimen.catalog.models.material import MaterialSource


@dataclass
class MergedMaterial:
    """One material as the theme asks for it. Name, format and source come from the first item (in
    theme order) that asks for it; `required` is true when any item requires it."""

    key: str
    name: str
    required: bool
    format: str
    source: str
    source_ref: str
    notes: str
    items: list[ItemVersion] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def shared(self) -> bool:
        return self.count > 1

    @property
    def reused(self) -> bool:
        return self.source != MaterialSource.APPLICANT

    def get_format_display(self) -> str:
        return str(dict(Material._meta.get_field("format").choices).get(self.format, self.format))

    def get_source_display(self) -> str:
        return str(dict(Material._meta.get_field("source").choices).get(self.source, self.source))


@dataclass
class ThemeDetail:
    theme: Theme
    items: list[ItemVersion]
    missing: list[ServiceItem]  # items of the theme with no published version (left out of the figures)
    materials: list[MergedMaterial]
    materials_before: int
    materials_after: int
    uploads_after: int  # merged materials the applicant still provides (not reused from government data)
    days_summed: int
    days_promised: int

    @property
    def code(self) -> str:
        return self.theme.code

    @property
    def name(self) -> str:
        return self.theme.name

    @property
    def description(self) -> str:
        return self.theme.description

    @property
    def materials_saved(self) -> int:
        return self.materials_before - self.materials_after

    @property
    def days_saved(self) -> int:
        return max(self.days_summed - self.days_promised, 0)


def theme_detail_build(theme: Theme) -> ThemeDetail:
    theme_items = list(theme.theme_items.select_related("item").order_by("order", "id"))
    version_ids = [ti.item.current_version_id for ti in theme_items if ti.item.current_version_id]
    versions = {
        v.pk: v
        for v in ItemVersion.objects.filter(pk__in=version_ids, status=VersionStatus.PUBLISHED)
        .select_related("item", "department")
        .prefetch_related("materials", "life_stages")
    }
    items = [
        versions[ti.item.current_version_id] for ti in theme_items if ti.item.current_version_id in versions
    ]
    missing = [ti.item for ti in theme_items if ti.item.current_version_id not in versions]

    merged: dict[str, MergedMaterial] = {}
    before = 0
    for version in items:
        for material in version.materials.all():
            before += 1
            entry = merged.get(material.key)
            if entry is None:
                entry = merged[material.key] = MergedMaterial(
                    key=material.key,
                    name=material.name,
                    required=material.required,
                    format=material.format,
                    source=material.source,
                    source_ref=material.source_ref,
                    notes=material.notes,
                )
            entry.required = entry.required or material.required
            entry.items.append(version)
    materials = sorted(merged.values(), key=lambda m: (not m.shared, -m.count))
    return ThemeDetail(
        theme=theme,
        items=items,
        missing=missing,
        materials=materials,
        materials_before=before,
        materials_after=len(merged),
        uploads_after=sum(1 for m in materials if not m.reused),
        days_summed=sum(v.promised_limit_days for v in items),
        days_promised=theme.promised_days,
    )
