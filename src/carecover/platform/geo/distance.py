"""Points on the Earth and great-circle distances between them."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The IUGG mean Earth radius; haversine on a sphere is within about 0.5% of the ellipsoid.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Point:
    """A latitude/longitude pair in decimal degrees.

    cpca's city points come from Chinese map data, which may use GCJ-02 rather than WGS-84;
    the offset (a few hundred metres) does not matter for distances between cities.
    """

    lat: float
    lng: float

    def __post_init__(self) -> None:
        # Written as "not inside" so that NaN fails too.
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"latitude out of range: {self.lat}")
        if not -180.0 <= self.lng <= 180.0:
            raise ValueError(f"longitude out of range: {self.lng}")


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlng = math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
