"""An item version as plain data, in the shape `yimen.catalog.schema` cleans: the basis for copying a
version into a draft, comparing an import with what is published, and exporting YAML."""

from __future__ import annotations

from yimen.catalog.models import ItemVersion, Material
from yimen.catalog.schema import ITEM_FIELD_NAMES, MATERIAL_FIELD_NAMES


def material_content(material: Material) -> dict:
    return {name: getattr(material, name) for name in MATERIAL_FIELD_NAMES}


def version_content(version: ItemVersion) -> dict:
    """Everything a version says, with references as codes (department, life stages, related items).

    Works from prefetched relations when present (`materials`, `life_stages`, `related_items`)."""
    references = {
        "department": lambda: version.department.code,
        "keywords": lambda: version.keyword_list,
        "life_stages": lambda: [
            s.code for s in sorted(version.life_stages.all(), key=lambda s: (s.order, s.code))
        ],
        "related_items": lambda: sorted(i.implementation_code for i in version.related_items.all()),
        "materials": lambda: [
            material_content(m) for m in sorted(version.materials.all(), key=lambda m: (m.order, m.pk or 0))
        ],
    }
    content = {
        "implementation_code": version.item.implementation_code,
        "basic_code": version.item.basic_code,
    }
    for name in ITEM_FIELD_NAMES:
        content[name] = references[name]() if name in references else getattr(version, name)
    return content


def comparable(content: dict) -> dict:
    """Normalise what does not change meaning: the order of life stages and related items."""
    out = dict(content)
    out["related_items"] = sorted(out.get("related_items") or [])
    out["life_stages"] = sorted(out.get("life_stages") or [])
    return out
