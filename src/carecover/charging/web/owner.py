"""The owner's "find a charger" (D5): the nearest chargers with a free point now on a Leaflet map
and in a list (power, free/total points, price, distance), filters for DC fast charging and GB/T
plugs, a charger's points, and "report a charging failure", after which the owner is told a
free tow is on its way (the order itself comes from the orders domain).

Where to search: the ``lat``/``lng`` the page was given (the map's "use my location" fills them
from the browser), else the centre of the owner's home city, else People's Square in Shanghai.
The page lists everything without JavaScript; the map script adds the markers.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select

from carecover.charging.enums import GBT_STANDARDS, FailureReason
from carecover.charging.service import failures, nearest, view
from carecover.charging.service.nearest import ChargerHit
from carecover.customers import repository as customers
from carecover.platform.clock import utc_now
from carecover.platform.errors import AppError, FieldProblem, InvalidFields, NotFound
from carecover.platform.geo import city_by_adcode
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
SCRIPT = Path(__file__).with_name("charger-map.js")
SHANGHAI = (31.2304, 121.4737)
LIST_SIZE = 12
RADIUS_KM = 30.0


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return (
        number if number is not None and abs(number) != float("inf") and number == number else None
    )


def _point(ctx: WebContext) -> tuple[float, float, bool]:
    """Where to search, and whether it is the owner's own position."""
    lat, lng = (
        _float(ctx.request.query_params.get("lat")),
        _float(ctx.request.query_params.get("lng")),
    )
    if lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180:
        return lat, lng, True
    owner = customers.get_by_user(ctx.session, ctx.principal.user_id) if ctx.principal else None
    city = city_by_adcode(owner.city_adcode) if owner is not None and owner.city_adcode else None
    if city is not None:
        return city.point.lat, city.point.lng, False
    return SHANGHAI[0], SHANGHAI[1], False


def _filters(ctx: WebContext) -> dict[str, bool]:
    params = ctx.request.query_params
    return {"dc": params.get("dc") == "1", "gbt": params.get("gbt") == "1"}


def _search(ctx: WebContext, lat: float, lng: float, filters: dict[str, bool]) -> list[ChargerHit]:
    return nearest.nearest_available(
        ctx.session,
        lat,
        lng,
        now=utc_now(),
        dc_only=filters["dc"],
        connector_standards=GBT_STANDARDS if filters["gbt"] else None,
        limit=LIST_SIZE,
        radius_km=RADIUS_KM,
    )


def plug_in_cars(ctx: WebContext) -> list[Vehicle]:
    owner = customers.get_by_user(ctx.session, ctx.principal.user_id) if ctx.principal else None
    if owner is None:
        return []
    return list(
        ctx.session.scalars(
            select(Vehicle)
            .where(Vehicle.owner_id == owner.id, Vehicle.powertrain.in_(failures.PLUG_IN))
            .order_by(Vehicle.created_at)
        )
    )


def _marker(ctx: WebContext, hit: ChargerHit) -> dict[str, Any]:
    price = hit.tariff.energy_fen_per_kwh if hit.tariff else None
    return {
        "lat": hit.location.lat,
        "lng": hit.location.lng,
        "name": hit.location.name or hit.location.address,
        "power": ctx.t("page.chargers.power", kw=f"{hit.best_power_kw:g}"),
        "free": ctx.t("page.chargers.free", available=hit.available_evses, total=hit.total_evses),
        "price": ctx.t("page.chargers.price", price=f"¥{price / 100:.2f}")
        if price is not None
        else "",
        "distance": ctx.t("page.chargers.distance", km=f"{hit.distance_km:.1f}"),
        "dc": hit.dc,
        "url": f"/owner/chargers/{hit.location.id}",
    }


@router.get("/owner/chargers", response_model=None)
def find_a_charger(ctx: OwnerPage) -> Response:
    lat, lng, mine = _point(ctx)
    filters = _filters(ctx)
    query = ctx.request.url.query
    return ctx.render(
        "charging/chargers.html",
        hits=_search(ctx, lat, lng, filters),
        here=(lat, lng),
        mine=mine,
        filters=filters,
        cars=plug_in_cars(ctx),
        reasons=list(FailureReason),
        source="/owner/chargers/map.json" + (f"?{query}" if query else ""),
        has_tiles=bool(ctx.settings.map_tile_url),
    )


@router.get("/owner/chargers/map.json", response_model=None)
def charger_markers(ctx: OwnerPage) -> JSONResponse:
    lat, lng, _ = _point(ctx)
    hits = _search(ctx, lat, lng, _filters(ctx))
    return JSONResponse(
        {
            "center": [lat, lng],
            "zoom": 13,
            "tiles": ctx.settings.map_tile_url,
            "attribution": ctx.settings.map_tile_attribution,
            "here": {"lat": lat, "lng": lng, "label": ctx.t("page.chargers.here")},
            "markers": [_marker(ctx, h) for h in hits],
        }
    )


@router.get("/owner/chargers/charger-map.js", response_model=None)
def charger_map_script() -> FileResponse:
    return FileResponse(
        SCRIPT,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/owner/chargers/{location_id}", response_model=None)
def charger(ctx: OwnerPage, location_id: uuid.UUID) -> Response:
    detail = view.charger_detail(ctx.session, location_id, now=utc_now())
    return ctx.render(
        "charging/charger.html",
        detail=detail,
        cars=plug_in_cars(ctx),
        reasons=list(FailureReason),
    )


def _message(ctx: WebContext, exc: AppError) -> str:
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    return ctx.t(f"error.{exc.code}")


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InvalidFields(FieldProblem(field, "charging.failure.choose")) from None


@router.post("/owner/chargers/failures", response_model=None)
async def report_failure(ctx: CheckedContext) -> Response:
    form = await ctx.request.form()
    text = {
        k: str(form.get(k) or "")
        for k in ("vehicle_id", "location_id", "evse_uid", "reason", "note")
    }
    try:
        location_id = _uuid(text["location_id"], "location_id")
        detail = view.charger_detail(ctx.session, location_id, now=utc_now())
        failure, created = failures.record_failure(
            ctx.session,
            ctx.actor(),
            vehicle_id=_uuid(text["vehicle_id"], "vehicle_id"),
            location_id=location_id,
            evse_uid=text["evse_uid"] or None,
            reason=text["reason"],
            note=text["note"] or None,
        )
    except NotFound:
        raise
    except AppError as exc:
        ctx.session.rollback()
        return ctx.render(
            "charging/failure_done.html",
            failure=None,
            error=_message(ctx, exc),
            status_code=exc.status_code,
        )
    car = ctx.session.get(Vehicle, failure.vehicle_id)
    minutes = max(0, int((utc_now() - failure.reported_at).total_seconds() // 60))
    return ctx.render(
        "charging/failure_done.html",
        failure=failure,
        created=created,
        minutes=minutes,
        car=car,
        site=detail.location,
        error=None,
        status_code=201 if created else 200,
    )
