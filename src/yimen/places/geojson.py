"""GeoJSON (RFC 7946) for division geometry: (lng, lat) order, 6 decimals (about 0.1 m), exterior rings
counter-clockwise. The stored form is what the locator and the map both read."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

DECIMALS = 6


def geometry_to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    polygons = [_rings(p) for p in shapely.get_parts(geometry) if p.geom_type == "Polygon"]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def geojson_to_geometry(data: dict[str, Any]) -> BaseGeometry:
    return shape(data)


def point_lat_lng(geometry: BaseGeometry) -> tuple[float, float]:
    """A point surely inside the geometry (not the centroid, which may fall outside), as (lat, lng)."""
    point = geometry.representative_point()
    return round(point.y, DECIMALS), round(point.x, DECIMALS)


def feature(division, *, geometry: bool = True) -> dict[str, Any]:
    """One division as a Feature; properties are what a map popup shows."""
    return {
        "type": "Feature",
        "id": division.code,
        "geometry": division.geometry if geometry else None,
        "properties": {
            "code": division.code,
            "name": division.name,
            "short_name": division.short_name,
            "level": division.level,
            "parent": _parent_code(division),
            "centroid": [division.centroid_lng, division.centroid_lat]
            if division.centroid_lat is not None
            else None,
        },
    }


def feature_collection(divisions) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(d) for d in divisions]}


def _rings(polygon) -> list[list[list[float]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords] for ring in rings]


def _parent_code(division) -> str | None:
    codes = division.path.strip("/").split("/")
    return codes[-2] if len(codes) > 1 else None
