"""Where a report is: a map pin through the places locator, or a typed address through a gazetteer of
division names (streets, areas, villages/communities and grids, full and short forms).

    place_resolve(lat=23.03, lng=113.11)              -> Place(lat, lng, location, address)
    place_resolve(address="祖庙街道某某社区 人民路 12 号") -> the matched division's centre
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yimen.common.errors import ValidationFailed
from yimen.places import locator
from yimen.places.models import Division, GridGeneration


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    location: locator.Location
    address: str
    matched: str = ""  # the gazetteer name an address matched, if any


@dataclass(frozen=True)
class _Gazetteer:
    revision: str
    names: tuple[tuple[str, int, float, float], ...]  # (name, level, lat, lng), longest name first


_lock = threading.Lock()
_gazetteer: _Gazetteer | None = None


def _current_gazetteer() -> _Gazetteer:
    global _gazetteer
    revision = GridGeneration.objects.values_list("revision", flat=True).first() or ""
    with _lock:
        if _gazetteer is None or _gazetteer.revision != revision:
            names: dict[str, tuple[int, float, float]] = {}
            rows = Division.objects.filter(
                level__gte=Division.Level.STREET, centroid_lat__isnull=False
            ).values_list("name", "level", "centroid_lat", "centroid_lng")
            for name, level, lat, lng in rows:
                short = Division(name=name).short_name
                for form in {name, short}:
                    if len(form) >= 2 and (form not in names or names[form][0] < level):
                        names[form] = (level, lat, lng)
            ordered = sorted(((n, *v) for n, v in names.items()), key=lambda r: (-len(r[0]), -r[1]))
            _gazetteer = _Gazetteer(revision=revision, names=tuple(ordered))
        return _gazetteer


def address_match(address: str) -> tuple[str, float, float] | None:
    """The longest division name contained in the address (deeper level on a tie): (name, lat, lng)."""
    text = address.strip()
    for name, _level, lat, lng in _current_gazetteer().names:
        if name in text:
            return name, lat, lng
    return None


def place_resolve(*, lat=None, lng=None, address: str = "") -> Place:
    """Locate a report. A pin wins over an address; a point outside the district is refused."""
    address = (address or "").strip()
    if lat not in (None, "") and lng not in (None, ""):
        location = locator.locate(lat, lng)
        return Place(lat=float(lat), lng=float(lng), location=location, address=address)
    if lat not in (None, "") or lng not in (None, ""):
        raise ValidationFailed(_("经纬度须同时提供 (give both lat and lng)"), field="location")
    if not address:
        raise ValidationFailed(
            _("请在地图上选点或填写地址 (a map pin or an address is required)"), field="location"
        )
    hit = address_match(address)
    if hit is None:
        raise ValidationFailed(
            _(
                "无法识别该地址，请填写镇街、社区或村名，或在地图上选点 (address not recognised in the district)"
            ),
            field="address",
        )
    name, lat, lng = hit
    return Place(lat=lat, lng=lng, location=locator.locate(lat, lng), address=address, matched=name)
