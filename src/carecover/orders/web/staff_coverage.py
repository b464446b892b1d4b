"""Planning the circle: each city's KPIs over the last 30 days, the cost per city and service
line (an ECharts bar chart, the same figures in a table), the selected city's H3 coverage map
(demand cells the on-duty units reach within 15 minutes, or not), and the what-if: where K more
units would cover the most demand, drawn on the map with what each adds.

Demand is the city's roadside orders of the last 30 days; a city with fewer than
``board.MIN_DEMAND`` of them gets a seeded Poisson day around its centre instead, and the page
says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import DISPATCHED, kinds_for
from carecover.orders.service import board, coverage, kpis
from carecover.orders.service.dispatching import TRAVEL
from carecover.orders.web.common import KIND_COLOURS, render
from carecover.orders.web.staff_board import city_param
from carecover.platform.auth.roles import Permission
from carecover.platform.clock import utc_now
from carecover.platform.web.deps import WebContext, permission_required

router = APIRouter(include_in_schema=False)
PlanningDesk = Annotated[WebContext, permission_required(Permission.dispatch_manage)]
WINDOW_DAYS = 30
MAX_EXTRA = 20
COVERED, UNCOVERED, SITE = "#16a34a", "#dc2626", "#1d4ed8"
LINES = sorted(DISPATCHED, key=lambda s: s.value)


def _yuan(fen: int) -> int:
    return (fen + 50) // 100


def cost_chart(ctx: WebContext, lines: list[kpis.CostLine]) -> dict[str, Any]:
    """A stacked bar per city, one series per service line, in whole yuan."""
    cities = sorted({c.city_adcode for c in lines})
    services = sorted({c.service for c in lines}, key=lambda s: s.value)
    cost = {(c.city_adcode, c.service): c.cost_fen for c in lines}
    return {
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": [ctx.t(f"service.{s.value}") for s in services]},
        "xAxis": {"type": "category", "data": [kpis.city_name(c) for c in cities]},
        "yAxis": {"type": "value", "name": ctx.t("orders.web.coverage.yuan")},
        "series": [
            {
                "name": ctx.t(f"service.{s.value}"),
                "type": "bar",
                "stack": "cost",
                "data": [_yuan(cost.get((c, s), 0)) for c in cities],
            }
            for s in services
        ],
    }


def _int(value: str | None, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or "0")))
    except ValueError:
        return low


def _service(value: str | None) -> ServiceType | None:
    return next((s for s in LINES if s.value == value), None)


def plan(ctx: WebContext, city: str, service: ServiceType | None, extra: int) -> dict[str, Any]:
    """The coverage map of ``city`` and, with ``extra`` > 0, the what-if placements."""
    now = utc_now()
    demand = board.planning_demand(ctx.session, city, now, days=WINDOW_DAYS)
    fleet = board.fleet_snapshots(ctx.session, city)
    kinds = kinds_for(service, electric=False) if service is not None else None
    tier = board.city_tier(city)
    result = coverage.what_if(
        demand.points, fleet, TRAVEL, extra=extra, at=now, tier=tier, kinds=kinds
    )
    cells = result.before.geojson()
    for feature in cells["features"]:
        feature["properties"]["colour"] = COVERED if feature["properties"]["covered"] else UNCOVERED
    markers: list[dict[str, Any]] = [
        {
            "lat": u.lat,
            "lng": u.lng,
            "colour": KIND_COLOURS.get(u.kind, SITE),
            "radius": 5,
            "kind": "unit",
            "label": ctx.t(f"orders.web.kind.{u.kind.value}"),
        }
        for u in fleet
        if kinds is None or u.kind in kinds
    ]
    for n, p in enumerate(result.placements, start=1):
        markers.append(
            {
                "lat": p.lat,
                "lng": p.lng,
                "colour": SITE,
                "stroke": "#ffffff",
                "radius": 11,
                "kind": "site",
                "label": ctx.t(
                    "orders.web.coverage.site_label",
                    n=n,
                    gain=f"{p.gain_share * 100:.1f}",
                    after=f"{p.share_after * 100:.1f}",
                ),
            }
        )
    return {
        "result": result,
        "demand": demand,
        "units_counted": len(markers) - len(result.placements),
        "points": {"markers": markers, "cells": cells},
    }


@router.get("/staff/dispatch/coverage", response_model=None)
def coverage_page(ctx: PlanningDesk) -> Response:
    now = utc_now()
    since = now - timedelta(days=WINDOW_DAYS)
    rows = kpis.city_kpis(ctx.session, since=since, until=now)
    lines = kpis.cost_by_city_and_line(ctx.session, since, now)
    cities = board.cities_in_play(ctx.session)
    query = ctx.request.query_params
    city = city_param(query.get("city")) or (rows[0].city_adcode if rows else None)
    if city is None and cities:
        city = cities[0]
    service = _service(query.get("service"))
    extra = _int(query.get("extra"), 0, MAX_EXTRA)
    selected = next((r for r in rows if r.city_adcode == city), None)
    return render(
        ctx,
        "orders/coverage.html",
        rows=rows,
        lines=lines,
        chart=cost_chart(ctx, lines) if lines else None,
        city=city,
        cities=[(c, kpis.city_name(c)) for c in sorted({*cities, *(r.city_adcode for r in rows)})],
        selected=selected,
        service=service.value if service else "",
        services=[s.value for s in LINES],
        extra=extra,
        max_extra=MAX_EXTRA,
        window_days=WINDOW_DAYS,
        city_name=kpis.city_name,
        **(plan(ctx, city, service, extra) if city else {"result": None, "points": None}),
    )
