"""Partner pages: a partner's own profile, and the staff directory with its network map."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from carecover.partners import repository, service
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner
from carecover.partners.schemas import ALWAYS_OPEN, DAYS
from carecover.platform.auth.models import Organisation
from carecover.platform.auth.roles import Permission
from carecover.platform.geo import city_by_adcode
from carecover.platform.pagination import Page
from carecover.platform.web.deps import PartnerPage, WebContext, permission_required
from carecover.platform.web.templating import merge_query

router = APIRouter(include_in_schema=False)

# Every staff role reads the network, as in the partners API.
NetworkDesk = Annotated[WebContext, permission_required(Permission.customers_read)]
TypeParam = Annotated[str | None, Query(alias="type", max_length=30)]
CityParam = Annotated[str | None, Query(max_length=12)]
StatusParam = Annotated[str | None, Query(max_length=20)]

PAGE_SIZE = 25
MAX_MARKERS = 2000
#: Where an empty map looks: the middle of mainland China, the whole country in view.
CHINA_CENTRE = (35.0, 104.0)
CHINA_ZOOM = 4
#: The outline is the markers' convex hull pushed out from its centre by this fraction.
OUTLINE_PADDING = 0.05
#: Half the side of the square drawn around fewer than three distinct points (about 5 km).
SQUARE_HALF_DEG = 0.05
#: A hull smaller than this (square degrees, about 0.3 km²) is a line in all but rounding.
MIN_HULL_AREA = 2.5e-5

E = TypeVar("E", bound=StrEnum)
Pt = tuple[float, float]


def _member(kind: type[E], value: str | None) -> E | None:
    """The enum member named by a query value; anything else means no filter."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Filters:
    """The directory's filters; unknown values are ignored rather than refused."""

    partner_type: PartnerType | None
    city_adcode: str | None
    status: PartnerStatus | None

    @classmethod
    def parse(cls, partner_type: str | None, city: str | None, status: str | None) -> Filters:
        code = (city or "").strip()
        valid_city = len(code) == 6 and code.isascii() and code.isdigit()
        return cls(
            _member(PartnerType, partner_type),
            service.normalise_city(code) if valid_city else None,
            _member(PartnerStatus, status),
        )

    def params(self) -> dict[str, str]:
        return {
            "type": self.partner_type.value if self.partner_type else "",
            "city_adcode": self.city_adcode or "",
            "status": self.status.value if self.status else "",
        }


def _cross(o: Pt, a: Pt, b: Pt) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Iterable[Pt]) -> list[Pt]:
    """The convex hull (Andrew's monotone chain), counter-clockwise, no point repeated."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts
    lower: list[Pt] = []
    upper: list[Pt] = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _area(ring: Sequence[Pt]) -> float:
    """The shoelace area of a polygon, in square degrees."""
    twice = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, [*ring[1:], ring[0]], strict=True))
    return abs(twice) / 2


def outline(points: Sequence[Pt]) -> list[list[float]]:
    """A polygon around ``points``: the padded hull, or a box when the hull is a point or line."""
    if not points:
        return []
    hull = convex_hull(points)
    if len(hull) < 3 or _area(hull) < MIN_HULL_AREA:
        lats = [p[0] for p in points]
        lngs = [p[1] for p in points]
        south, north = min(lats) - SQUARE_HALF_DEG, max(lats) + SQUARE_HALF_DEG
        west, east = min(lngs) - SQUARE_HALF_DEG, max(lngs) + SQUARE_HALF_DEG
        ring = [(south, west), (south, east), (north, east), (north, west)]
    else:
        c_lat = sum(p[0] for p in hull) / len(hull)
        c_lng = sum(p[1] for p in hull) / len(hull)
        scale = 1 + OUTLINE_PADDING
        ring = [(c_lat + (lat - c_lat) * scale, c_lng + (lng - c_lng) * scale) for lat, lng in hull]
    return [[round(lat, 6), round(lng, 6)] for lat, lng in ring]


def map_view(points: Sequence[Pt], city_code: str | None) -> tuple[list[float], int]:
    """A centre and zoom showing every point (the script fits the bounds more exactly)."""
    if points:
        lats = [p[0] for p in points]
        lngs = [p[1] for p in points]
        span = max(max(lats) - min(lats), max(lngs) - min(lngs), 0.01)
        zoom = max(3, min(15, math.floor(math.log2(360 / span))))
        return [(min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2], zoom
    city = city_by_adcode(city_code) if city_code else None
    if city is not None:
        return [city.point.lat, city.point.lng], 10
    return list(CHINA_CENTRE), CHINA_ZOOM


def opening_rows(hours: Mapping[str, Any]) -> list[tuple[str, list[str]]] | None:
    """Each weekday with its intervals as "08:00–20:00" ([] = closed); None = always open."""
    if hours.get(ALWAYS_OPEN) is True:
        return None
    rows: list[tuple[str, list[str]]] = []
    for day in DAYS:
        spans = hours.get(day) or []
        rows.append(
            (day, [f"{s[0]}–{s[1]}" for s in spans if isinstance(s, list | tuple) and len(s) == 2])
        )
    return rows


def _details(ctx: WebContext, partner: Partner) -> dict[str, Any]:
    """What the partner's own profile and the staff partner page both show."""
    today = service.china_today()
    return {
        "partner": service.to_read(partner),
        "sites": repository.locations(ctx.session, partner.id),
        "qualifications": [
            service.qualification_read(q, today)
            for q in repository.qualifications(ctx.session, partner.id)
        ],
        "hours_of": opening_rows,
    }


@router.get("/partner/profile", response_model=None)
def my_profile(ctx: PartnerPage) -> Response:
    assert ctx.principal is not None  # PartnerPage guarantees it
    org_id = ctx.principal.organisation_id
    organisation = ctx.session.get(Organisation, org_id) if org_id else None
    partner = repository.get_by_organisation(ctx.session, org_id) if org_id else None
    if partner is None:
        return ctx.render("partners/profile.html", organisation=organisation, partner=None)
    return ctx.render("partners/profile.html", organisation=organisation, **_details(ctx, partner))


@router.get("/staff/partners", response_model=None)
def directory(
    ctx: NetworkDesk,
    partner_type: TypeParam = None,
    city_adcode: CityParam = None,
    status: StatusParam = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    filters = Filters.parse(partner_type, city_adcode, status)
    rows, total = repository.list_partners(
        ctx.session,
        partner_type=filters.partner_type,
        status=filters.status,
        city_adcode=filters.city_adcode,
        limit=PAGE_SIZE,
        offset=offset,
    )
    page = Page[object](items=list(rows), total=total, limit=PAGE_SIZE, offset=offset)
    params = filters.params()
    query = merge_query(params)
    cities = repository.partner_cities(ctx.session)
    template = "partners/_directory_rows.html" if ctx.is_htmx else "partners/directory.html"
    return ctx.render(
        template,
        page=page,
        params=params,
        filters=filters,
        partner_types=list(PartnerType),
        statuses=list(PartnerStatus),
        cities=cities,
        city_names=dict(cities),
        site_counts=repository.active_site_counts(ctx.session, [p.id for p in rows]),
        map_source="/staff/partners/map.json" + (f"?{query}" if query else ""),
        max_markers=f"{MAX_MARKERS:,}",
    )


def _setting(ctx: WebContext, name: str) -> str | None:
    value = getattr(ctx.settings, name, None)
    return value if isinstance(value, str) and value.strip() else None


@router.get("/staff/partners/map.json", response_model=None)
def map_data(
    ctx: NetworkDesk,
    partner_type: TypeParam = None,
    city_adcode: CityParam = None,
    status: StatusParam = None,
) -> JSONResponse:
    """Active sites for the map (at most MAX_MARKERS), their outline and the base map."""
    filters = Filters.parse(partner_type, city_adcode, status)
    found = repository.map_sites(
        ctx.session,
        partner_type=filters.partner_type,
        status=filters.status,
        city_adcode=filters.city_adcode,
        limit=MAX_MARKERS + 1,
    )
    sites = found[:MAX_MARKERS]
    markers = [
        {
            "lat": site.lat,
            "lng": site.lng,
            "name": site.name,
            "partner": partner.legal_name,
            "type": partner.partner_type.value,
            "type_label": ctx.t(f"partner_type.{partner.partner_type.value}"),
            "status": partner.status.value,
            "status_label": ctx.t(f"partner_status.{partner.status.value}"),
            "url": f"/staff/partners/{partner.id}",
        }
        for site, partner in sites
    ]
    points = [(site.lat, site.lng) for site, _ in sites]
    centre, zoom = map_view(points, filters.city_adcode)
    body = {
        "center": centre,
        "zoom": zoom,
        "tiles": _setting(ctx, "map_tile_url"),
        "attribution": _setting(ctx, "map_tile_attribution") or "",
        "outline": outline(points),
        "markers": markers,
        "truncated": len(found) > MAX_MARKERS,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/staff/partners/{partner_id}", response_model=None)
def partner_page(partner_id: uuid.UUID, ctx: NetworkDesk) -> Response:
    partner = service.get_or_raise(ctx.session, partner_id)
    return ctx.render(
        "partners/partner.html",
        organisation=ctx.session.get(Organisation, partner.organisation_id),
        missing=service.admission_gaps(ctx.session, partner),
        staff_view=True,
        **_details(ctx, partner),
    )
