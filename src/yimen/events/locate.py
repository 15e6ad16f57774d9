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
    # (name, level, lat, lng, path), longest name first; a name two divisions share (村尾村民委员会 in two
    # streets) appears once for each
    names: tuple[tuple[str, int, float, float, str], ...]


_lock = threading.Lock()
_gazetteer: _Gazetteer | None = None


def _current_gazetteer() -> _Gazetteer:
    global _gazetteer
    revision = GridGeneration.objects.values_list("revision", flat=True).first() or ""
    with _lock:
        if _gazetteer is None or _gazetteer.revision != revision:
            names: set[tuple[str, int, float, float, str]] = set()
            rows = Division.objects.filter(
                level__gte=Division.Level.STREET, centroid_lat__isnull=False
            ).values_list("name", "level", "centroid_lat", "centroid_lng", "path")
            for name, level, lat, lng, path in rows:
                for form in {name, Division(name=name).short_name}:
                    if len(form) >= 2:
                        names.add((form, level, lat, lng, path))
            ordered = sorted(names, key=lambda r: (-len(r[0]), -r[1], r[4]))
            _gazetteer = _Gazetteer(revision=revision, names=tuple(ordered))
        return _gazetteer


def address_match(address: str) -> tuple[str, float, float] | None:
    """The most precise division named in the address: (name, lat, lng). A name that lies inside a longer
    matched name is passed over; then the deepest level wins, so "石湾镇街道澜石社区" is the community,
    not the street. Among divisions of one name, the one inside another division the address names wins
    ("张槎街道村尾村民委员会"), then the longer name."""
    text = address.strip()
    hits: list[tuple[int, int, str, int, float, float, str]] = []  # (start, end, name, level, lat, lng, path)
    for name, level, lat, lng, path in _current_gazetteer().names:  # longest first
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            if not any(h[0] <= start and end <= h[1] and h[2] != name for h in hits):
                hits.append((start, end, name, level, lat, lng, path))
            start = text.find(name, start + 1)
    if not hits:
        return None
    paths = {h[6] for h in hits}

    def precision(hit):
        inside = any(other != hit[6] and hit[6].startswith(other) for other in paths)
        return hit[3], inside, hit[1] - hit[0]

    _start, _end, name, _level, lat, lng, _path = max(hits, key=precision)
    return name, lat, lng


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
