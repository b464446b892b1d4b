"""The nearest partner site to a car, from an in-memory grid (C1's "nearest charger").

A low-charge rule needs, for every reading of an EV running low, how far the nearest charger
is. One query per reading would cost the ingest path a round trip each; instead a batch loads the
active charging sites around its low cars once (a box with a margin) into a grid of ~5 km
cells, and each reading asks the grid: the cells ring by ring outwards until no closer site can
lie beyond the ring, great-circle distance for the candidates. Built per batch, it is never
stale and needs no invalidation.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.partners.repository import bounding_box
from carecover.platform.geo import Point, haversine_km

CELL_DEG = 0.05
"""Grid cell size in degrees (~5.5 km of latitude)."""
MARGIN_KM = 60.0
"""How far beyond the batch's cars sites are loaded: farther than any range worth warning on."""


@dataclass(frozen=True, slots=True)
class Site:
    location_id: uuid.UUID
    name: str
    address: str
    lat: float
    lng: float


class SiteGrid:
    """Sites bucketed by grid cell; ``nearest`` answers within the loaded area."""

    def __init__(self, sites: Iterable[Site], reach_km: float = MARGIN_KM) -> None:
        self.cells: dict[tuple[int, int], list[Site]] = defaultdict(list)
        for site in sites:
            self.cells[self._cell(site.lat, site.lng)].append(site)
        self.reach_km = reach_km

    @staticmethod
    def _cell(lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / CELL_DEG), math.floor(lng / CELL_DEG)

    def __len__(self) -> int:
        return sum(len(v) for v in self.cells.values())

    def nearest(self, lat: float, lng: float) -> tuple[Site, float] | None:
        """The nearest site within ``reach_km`` and its distance in km, or None."""
        if not self.cells:
            return None
        ci, cj = self._cell(lat, lng)
        # a ring of cells r away covers at least r cell heights in latitude; in longitude the
        # cells shrink by cos(lat), so the safe bound uses the smaller of the two
        cell_km = CELL_DEG * 111.32 * max(0.05, math.cos(math.radians(lat)))
        best: tuple[Site, float] | None = None
        rings = int(self.reach_km / cell_km) + 2
        for r in range(rings):
            if best is not None and best[1] <= (r - 1) * cell_km:
                break
            for i in range(ci - r, ci + r + 1):
                for j in range(cj - r, cj + r + 1):
                    if max(abs(i - ci), abs(j - cj)) != r:
                        continue
                    for site in self.cells.get((i, j), ()):
                        km = haversine_km(Point(lat, lng), Point(site.lat, site.lng))
                        if best is None or km < best[1]:
                            best = (site, km)
        if best is None or best[1] > self.reach_km:
            return None
        return best


def load(session: Session, points: Sequence[Point], partner_type: PartnerType) -> SiteGrid:
    """The active sites of ``partner_type`` within ``MARGIN_KM`` of any of ``points``."""
    if not points:
        return SiteGrid(())
    lat_lo = min(p.lat for p in points)
    lat_hi = max(p.lat for p in points)
    lng_lo = min(p.lng for p in points)
    lng_hi = max(p.lng for p in points)
    south = bounding_box(Point(lat_lo, lng_lo), MARGIN_KM)
    north = bounding_box(Point(lat_hi, lng_hi), MARGIN_KM)
    query = (
        select(
            PartnerLocation.id,
            PartnerLocation.name,
            PartnerLocation.address,
            PartnerLocation.lat,
            PartnerLocation.lng,
        )
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            Partner.partner_type == partner_type,
            Partner.status == PartnerStatus.active,
            PartnerLocation.is_active.is_(True),
            PartnerLocation.lat.between(south.lat[0], north.lat[1]),
        )
    )
    if south.lng is not None and north.lng is not None:
        query = query.where(PartnerLocation.lng.between(south.lng[0], north.lng[1]))
    return SiteGrid(Site(*row) for row in session.execute(query))
