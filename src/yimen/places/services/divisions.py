"""Importing the official part of the tree (district, streets/towns, villages/communities) and the
departments, and keeping `Division.path` right when parents change."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.places import sources
from yimen.places.models import Department, Division

Level = Division.Level


@transaction.atomic
def divisions_import(*, path: Path | None = None, district_code: str = "440604", actor: Any = None) -> dict:
    """Import (or update the names of) the district, its streets/towns and villages/communities.

    Re-running with the same file changes nothing. Villages already placed under a generated area stay
    there. Divisions missing from the file are kept (others may refer to them) and counted as `not_in_file`.
    """
    path = Path(path) if path else sources.reference_path(sources.DIVISIONS_FILE)
    tree = sources.division_tree_read(path, district_code=district_code)

    codes = (
        [tree.district_code]
        + [s.code for s in tree.streets]
        + [v.code for s in tree.streets for v in s.villages]
    )
    existing = {d.code: d for d in Division.objects.filter(code__in=codes).select_related("parent")}
    for code, division in existing.items():
        expected = (
            Level.DISTRICT
            if code == tree.district_code
            else (Level.STREET if len(code) == 9 else Level.VILLAGE)
        )
        if division.level != expected:
            raise ValidationFailed(
                f"{path}: 键 {code!r}: 数据库中已有同代码但层级不同的区划 (a division with this code but another level exists)",
                field="divisions",
            )

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    district = _upsert(existing, tree.district_code, tree.district_name, Level.DISTRICT, None, counts)
    for street_row in tree.streets:
        street = _upsert(existing, street_row.code, street_row.name, Level.STREET, district, counts)
        for village_row in street_row.villages:
            current = existing.get(village_row.code)
            parent = street
            if (
                current
                and current.parent
                and current.parent.level == Level.AREA
                and current.parent.parent_id == street.pk
            ):
                parent = current.parent  # placed in a generated area: keep it there
            _upsert(existing, village_row.code, village_row.name, Level.VILLAGE, parent, counts)
    if counts["updated"]:
        paths_refresh()

    in_tree = Division.objects.filter(path__startswith=district.path, level__in=[Level.STREET, Level.VILLAGE])
    result = {
        "district": 1,
        "streets": len(tree.streets),
        "villages": sum(len(s.villages) for s in tree.streets),
        **counts,
        "not_in_file": in_tree.exclude(code__in=codes).count(),
    }
    if counts["created"] or counts["updated"]:
        audit.record(
            kind="places.divisions_imported",
            subject=district,
            actor=actor,
            content={**result, "file": path.name, "sha256": _file_digest(path)},
        )
    return result


@transaction.atomic
def departments_import(
    *, taxonomy_path: Path | None = None, extras_path: Path | None = None, actor: Any = None
) -> dict:
    """District departments (taxonomy codes CGJ ... ZSJ plus the extras file) and one office per street/town
    (code `JD` + street code). Idempotent; departments missing from the files are kept."""
    taxonomy_path = Path(taxonomy_path) if taxonomy_path else sources.reference_path(sources.TAXONOMY_FILE)
    extras_path = Path(extras_path) if extras_path else sources.reference_path(sources.DEPARTMENTS_FILE)
    spec = sources.departments_read(taxonomy_path, extras_path)
    district = Division.objects.filter(level=Level.DISTRICT, code=settings.YIMEN_DISTRICT_CODE).first()
    if district is None:
        raise ValidationFailed(
            "请先导入行政区划 (import divisions first: yimen places import)", field="divisions"
        )
    streets = list(Division.objects.filter(level=Level.STREET, parent=district).order_by("code"))
    unknown = sorted(set(spec.street_offices) - {s.code for s in streets})
    if unknown:
        raise ValidationFailed(
            f"{extras_path}: 键 {unknown[0]!r}: 不是本区的镇街 (not a street of the district)",
            field="departments",
        )

    wanted = [
        {
            "code": row.code,
            "name": row.name,
            "kind": Department.Kind.DISTRICT,
            "division": district,
            "phone": row.phone,
            "address": row.address,
        }
        for row in spec.district
    ]
    for street in streets:
        details = spec.street_offices.get(street.code, {})
        wanted.append(
            {
                "code": f"JD{street.code}",
                "name": street_office_name(street.name),
                "kind": Department.Kind.STREET_OFFICE,
                "division": street,
                "phone": details.get("phone", ""),
                "address": details.get("address", ""),
            }
        )
    existing = {d.code: d for d in Department.objects.filter(code__in=[w["code"] for w in wanted])}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for fields in wanted:
        department = existing.get(fields["code"])
        if department is None:
            Department.objects.create(**fields)
            counts["created"] += 1
            continue
        changed = [k for k, v in fields.items() if getattr(department, k) != v]
        if changed:
            for key in changed:
                setattr(department, key, fields[key])
            department.save(update_fields=changed)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    result = {"district": len(spec.district), "street_offices": len(streets), **counts}
    if counts["created"] or counts["updated"]:
        audit.record(kind="places.departments_imported", subject=district, actor=actor, content=result)
    return result


def street_office_name(street_name: str) -> str:
    """`石湾镇街道` -> `石湾镇街道办事处`; a town (`南庄镇`) is run by its people's government."""
    if street_name.endswith("镇"):
        return f"{street_name}人民政府"
    return f"{street_name}办事处"


def _upsert(
    existing: dict[str, Division], code: str, name: str, level: int, parent: Division | None, counts: dict
) -> Division:
    division = existing.get(code)
    if division is None:
        division = Division(code=code, name=name, level=level, parent=parent)
        division.path = division.build_path()
        division.save()
        existing[code] = division
        counts["created"] += 1
        return division
    parent_id = parent.pk if parent else None
    if division.name == name and division.parent_id == parent_id:
        counts["unchanged"] += 1
        return division
    division.name = name
    division.parent = parent
    division.save(update_fields=["name", "parent"])  # paths are refreshed in one pass afterwards
    counts["updated"] += 1
    return division


def paths_refresh() -> int:
    """Recompute every `path` from the parents in one pass (one read, one bulk update of the rows that
    changed), after a subtree moved. Returns how many paths changed."""
    rows = sorted(
        Division.objects.values_list("id", "code", "parent_id", "path", "level"), key=lambda r: r[4]
    )
    computed: dict[int, str] = {}
    stale = []
    for pk, code, parent_id, path, _level in rows:
        computed[pk] = f"{computed[parent_id]}{code}/" if parent_id else f"/{code}/"
        if computed[pk] != path:
            stale.append(Division(pk=pk, path=computed[pk]))
    Division.objects.bulk_update(stale, ["path"], batch_size=500)
    return len(stale)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
