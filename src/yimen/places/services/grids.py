"""Generating areas (片区) and grids (网格) and storing them under the official villages.

The geometry comes from `layout.layout_compute` (pure, seeded); this module decides what to write:
nothing when the same scale and seed are already stored, an in-place update when only names changed,
a replacement when the layout changed, refused with Conflict if other records still point at what
would be replaced.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from yimen.common import audit
from yimen.common.errors import Conflict, ValidationFailed
from yimen.places import locator
from yimen.places.geojson import geometry_to_geojson, point_lat_lng
from yimen.places.layout import GENERATOR_VERSION, GRID_TARGETS, Layout, StreetInput, layout_compute
from yimen.places.models import Division, GridGeneration
from yimen.places.services.divisions import paths_refresh

Level = Division.Level
_NUMERALS = "一二三四五六七八九十"


@transaction.atomic
def grids_generate(*, scale: str = "full", seed: int = 4406, actor: Any = None) -> dict:
    """Generate areas and grids for every street and village of the district (see layout.py).

    Villages move under their area (their paths and their grids' paths follow). Same scale and seed as
    what is stored: nothing is written. Another scale or seed: grids (and, for another seed, areas) are
    replaced, unless another record refers to them (Conflict, nothing changes).
    """
    if scale not in GRID_TARGETS:
        raise ValidationFailed(
            f"未知规模 {scale!r}，可选 {', '.join(GRID_TARGETS)} (unknown scale)", field="scale"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ValidationFailed("随机种子应为非负整数 (seed must be a non-negative integer)", field="seed")
    district, streets, villages = _tree()
    inputs = tuple(
        StreetInput(code=s.code, village_codes=tuple(v.code for v in villages[s.code])) for s in streets
    )
    area_key = _digest(["areas", GENERATOR_VERSION, seed, [(s.code, s.village_codes) for s in inputs]])
    layout_key = _digest(["grids", area_key, scale])
    names = [(s.code, s.name, [(v.code, v.name) for v in villages[s.code]]) for s in streets]
    input_key = _digest([layout_key, names])

    meta = GridGeneration.objects.select_for_update().first()
    stored = Counter(
        Division.objects.filter(level__in=[Level.AREA, Level.GRID]).values_list("level", flat=True)
    )
    if (
        meta
        and meta.input_key == input_key
        and stored[Level.AREA] == meta.area_count
        and stored[Level.GRID] == meta.grid_count
    ):
        return _summary(meta, changed=False, counts={"created": 0, "updated": 0, "deleted": 0})

    layout = _layout(inputs, scale, seed)
    counts = Counter()
    replace_areas = meta is None or meta.area_key != area_key
    replace_grids = meta is None or meta.layout_key != layout_key
    grid_rows = _grid_rows(layout, villages)
    area_rows = _area_rows(layout, streets)

    old_grids = Division.objects.filter(level=Level.GRID)
    if not replace_grids:
        old_grids = old_grids.exclude(code__in=[r["code"] for r in grid_rows])
    counts["deleted"] += _delete_or_refuse(old_grids, "网格 (grids)")

    village_list = [v for s in streets for v in villages[s.code]]
    street_of = {v.code: s for s in streets for v in villages[s.code]}
    old_areas = Division.objects.filter(level=Level.AREA)
    if not replace_areas:
        old_areas = old_areas.exclude(code__in=[r["code"] for r in area_rows])
    if old_areas.exists():  # villages leave the areas that go, then the areas go
        for village in village_list:
            village.parent = street_of[village.code]
        Division.objects.bulk_update(village_list, ["parent"], batch_size=500)
        counts["deleted"] += _delete_or_refuse(old_areas, "片区 (areas)")

    street_by_code = {s.code: s for s in streets}
    areas = _upsert_level(Level.AREA, area_rows, street_by_code, counts)
    area_of_village = {v: row["code"] for row in area_rows for v in row["villages"]}
    for village in village_list:
        village.parent = areas[area_of_village[village.code]]
        village.path = f"{village.parent.path}{village.code}/"
        _set_shape(village, layout.villages[village.code])
    Division.objects.bulk_update(
        village_list, ["parent", "path", "geometry", "centroid_lat", "centroid_lng"], batch_size=500
    )
    _upsert_level(Level.GRID, grid_rows, {v.code: v for v in village_list}, counts)

    for street in streets:
        _set_shape(street, layout.streets[street.code])
    _set_shape(district, layout.district)
    Division.objects.bulk_update([*streets, district], ["geometry", "centroid_lat", "centroid_lng"])
    paths_refresh()

    meta = meta or GridGeneration()
    meta.scale, meta.seed, meta.generator_version = scale, seed, GENERATOR_VERSION
    meta.area_key, meta.layout_key, meta.input_key = area_key, layout_key, input_key
    meta.stamp = _digest([(r["code"], r["geometry"]) for r in sorted(grid_rows, key=lambda r: r["code"])])
    meta.area_count, meta.grid_count = len(area_rows), len(grid_rows)
    meta.revision = uuid.uuid4().hex
    meta.save()
    locator.invalidate()
    transaction.on_commit(locator.invalidate)
    result = _summary(meta, changed=True, counts=counts)
    audit.record(kind="places.grids_generated", subject=district, actor=actor, content=result)
    return result


@functools.lru_cache(maxsize=4)
def _layout(inputs: tuple[StreetInput, ...], scale: str, seed: int) -> Layout:
    """The computation is pure, so a process that generates the same layout twice (tests, a scale switch
    and back) computes it once."""
    return layout_compute(streets=inputs, scale=scale, seed=seed)


def _tree() -> tuple[Division, list[Division], dict[str, list[Division]]]:
    district = Division.objects.filter(level=Level.DISTRICT, code=settings.YIMEN_DISTRICT_CODE).first()
    if district is None:
        raise ValidationFailed(
            "请先导入行政区划 (import divisions first: yimen places import)", field="divisions"
        )
    streets = list(Division.objects.filter(level=Level.STREET, parent=district).order_by("code"))
    villages: dict[str, list[Division]] = {s.code: [] for s in streets}
    for village in Division.objects.filter(level=Level.VILLAGE, path__startswith=district.path).order_by(
        "code"
    ):
        street_code = village.path.strip("/").split("/")[1]
        villages.setdefault(street_code, []).append(village)
    empty = [s.code for s in streets if not villages[s.code]]
    if not streets or empty:
        raise ValidationFailed(
            f"镇街 {empty[0] if empty else district.code} 没有村居，无法生成网格 (no villages to grid)",
            field="divisions",
        )
    return district, streets, villages


def _area_rows(layout: Layout, streets: list[Division]) -> list[dict]:
    names = {s.code: s.name for s in streets}
    rows = []
    for area in layout.areas:
        rows.append(
            {
                "code": f"{area.street_code}P{area.number:02d}",
                "name": f"{names[area.street_code]}第{_NUMERALS[area.number - 1]}片区",
                "parent": area.street_code,
                "villages": area.village_codes,
                **_shape(area.polygon),
            }
        )
    return rows


def _grid_rows(layout: Layout, villages: dict[str, list[Division]]) -> list[dict]:
    short = {v.code: v.short_name for vs in villages.values() for v in vs}
    return [
        {
            "code": f"{g.village_code}{g.number:03d}",
            "name": f"{short[g.village_code]}第{g.number}网格",
            "parent": g.village_code,
            **_shape(g.polygon),
        }
        for g in layout.grids
    ]


def _upsert_level(
    level: int, rows: list[dict], parents: dict[str, Division], counts: Counter
) -> dict[str, Division]:
    """Create or update the rows of one level (by code); paths come from the parents given."""
    existing = {d.code: d for d in Division.objects.filter(level=level, code__in=[r["code"] for r in rows])}
    fields = ["name", "parent", "path", "geometry", "centroid_lat", "centroid_lng"]
    create, update = [], []
    for row in rows:
        parent = parents[row["parent"]]
        values = {
            "name": row["name"],
            "parent": parent,
            "path": f"{parent.path}{row['code']}/",
            "geometry": row["geometry"],
            "centroid_lat": row["centroid_lat"],
            "centroid_lng": row["centroid_lng"],
        }
        division = existing.get(row["code"])
        if division is None:
            existing[row["code"]] = division = Division(code=row["code"], level=level, **values)
            create.append(division)
        elif (
            any(getattr(division, f) != v for f, v in values.items() if f != "parent")
            or division.parent_id != parent.pk
        ):
            for f, v in values.items():
                setattr(division, f, v)
            update.append(division)
    Division.objects.bulk_create(create, batch_size=500)
    Division.objects.bulk_update(update, fields, batch_size=500)
    counts["created"] += len(create)
    counts["updated"] += len(update)
    return existing


def _delete_or_refuse(queryset, what: str) -> int:
    """Delete, or raise Conflict naming what still refers to the rows (PROTECT foreign keys)."""
    try:
        deleted, _ = queryset.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        blockers = Counter(str(obj._meta.verbose_name) for obj in blocking)
        summary = "、".join(f"{name} {n} 条" for name, n in sorted(blockers.items()))
        raise Conflict(
            f"{what}已被其他数据引用，不能替换：{summary} (still referenced by other records; "
            f"keep the current scale and seed, or remove those references first)",
            field="scale",
        ) from None
    return deleted


def _shape(polygon) -> dict:
    lat, lng = point_lat_lng(polygon)
    return {"geometry": geometry_to_geojson(polygon), "centroid_lat": lat, "centroid_lng": lng}


def _set_shape(division: Division, polygon) -> None:
    for key, value in _shape(polygon).items():
        setattr(division, key, value)


def _summary(meta: GridGeneration, *, changed: bool, counts: dict) -> dict:
    return {
        "scale": meta.scale,
        "seed": meta.seed,
        "areas": meta.area_count,
        "grids": meta.grid_count,
        "created": counts.get("created", 0),
        "updated": counts.get("updated", 0),
        "deleted": counts.get("deleted", 0),
        "changed": changed,
        "stamp": meta.stamp,
    }


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=list)
    return hashlib.sha256(raw.encode()).hexdigest()
