"""Partner sites: where a partner works from, its service radius, capacity and hours."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.partners.models import Partner, PartnerLocation
from carecover.partners.schemas import LocationCreate, LocationRead
from carecover.platform import audit
from carecover.platform.cn import InvalidIdentifier
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.geo import city_by_adcode, parse_address

#: Mainland China's rough extent (southernmost reef to Mohe, Pamirs to the Wusuli river).
CHINA_LAT = (3.8, 53.6)
CHINA_LNG = (73.5, 135.1)


def _place(data: LocationCreate) -> tuple[list[FieldProblem], str, str]:
    """Problems with the site's position, and its adcode and city adcode."""
    problems: list[FieldProblem] = []
    if not CHINA_LAT[0] <= data.lat <= CHINA_LAT[1]:
        problems.append(FieldProblem("lat", "location.outside_china"))
    if not CHINA_LNG[0] <= data.lng <= CHINA_LNG[1]:
        problems.append(FieldProblem("lng", "location.outside_china"))
    if data.adcode is not None:
        city = city_by_adcode(data.adcode)
        if city is None:
            problems.append(FieldProblem("adcode", "location.adcode_unknown"))
            return problems, "", ""
        return problems, data.adcode, city.adcode
    try:
        parsed = parse_address(data.address)
    except InvalidIdentifier as exc:
        problems.append(FieldProblem("address", exc.code, exc.params))
        return problems, "", ""
    return problems, parsed.adcode, parsed.city_adcode


def add_location(
    session: Session, actor: Actor, partner: Partner, data: LocationCreate
) -> PartnerLocation:
    """Add a site; its district comes from ``adcode`` or else from the address."""
    problems, adcode, city_code = _place(data)
    if problems:
        raise InvalidFields(*problems)
    site = PartnerLocation(
        partner_id=partner.id,
        name=data.name,
        address=data.address,
        adcode=adcode,
        city_adcode=city_code,
        lat=data.lat,
        lng=data.lng,
        service_radius_km=data.service_radius_km,
        capacity=data.capacity,
        opening_hours=data.opening_hours,
        is_active=True,
    )
    session.add(site)
    session.flush()
    audit.record(
        session,
        actor,
        "partners.location_added",
        object_type="partner",
        object_id=partner.id,
        details={"location_id": str(site.id), "city_adcode": city_code, "capacity": data.capacity},
    )
    return site


def location_read(site: PartnerLocation, distance_km: float | None = None) -> LocationRead:
    read = LocationRead.model_validate(site)
    if distance_km is not None:
        read.distance_km = round(distance_km, 2)
    return read
