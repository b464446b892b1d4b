"""The dispatch board: open orders and on-duty units on a map (an order turns red once it is
beyond the 15-minute circle), the open orders' SLA clocks against the 15-minute target, and the
dispatcher's hand: send a chosen unit (the fastest suitable available ones are listed) or cancel
with a reason. The table and the map refresh every 10 s (HTMX), pausing while a form has focus.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from carecover.orders.catalogue import DISPATCHED
from carecover.orders.service import board, steps
from carecover.orders.service.kpis import city_name
from carecover.orders.service.matching import WITHIN_S
from carecover.orders.web.common import (
    LATE_COLOUR,
    STATUS_COLOURS,
    CheckedDispatcher,
    FormProblem,
    error_text,
    form_uuid,
    render,
    text,
    unit_marker,
)
from carecover.platform.auth.roles import Permission
from carecover.platform.clock import utc_now
from carecover.platform.errors import AppError
from carecover.platform.web.deps import WebContext, permission_required

router = APIRouter(include_in_schema=False)
DispatchDesk = Annotated[WebContext, permission_required(Permission.dispatch_manage)]


def city_param(value: str | None) -> str | None:
    code = (value or "").strip()
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def _order_marker(ctx: WebContext, row: board.BoardOrder) -> dict[str, Any]:
    order = row.order
    return {
        "lat": order.lat,
        "lng": order.lng,
        "colour": LATE_COLOUR if row.late else STATUS_COLOURS[order.status],
        "stroke": "#ffffff",
        "radius": 9 if row.late else 8,
        "kind": "order",
        "label": " · ".join(
            (
                order.number,
                ctx.t(f"service.{order.service.value}"),
                ctx.t(f"orders.web.status.{order.status.value}"),
                ctx.t("orders.web.board.elapsed", minutes=row.elapsed_s // 60),
            )
        ),
    }


def board_view(ctx: WebContext, city: str | None) -> dict[str, Any]:
    now = utc_now()
    rows = board.open_orders(ctx.session, now, city_adcode=city)
    fleet = board.board_units(ctx.session, city_adcode=city)
    markers = [unit_marker(ctx, u) for u in fleet] + [_order_marker(ctx, r) for r in rows]
    waiting = [r for r in rows if r.order.status in board.ASSIGNABLE]
    return {
        "rows": rows,
        "city": city or "",
        "cities": [(c, city_name(c)) for c in board.cities_in_play(ctx.session)],
        "counts": {
            "open": len(rows),
            "late": sum(1 for r in rows if r.late),
            "waiting": len(waiting),
            "units": len(fleet),
            "free": sum(1 for u in fleet if u.status.value == "available"),
        },
        "target_s": WITHIN_S,
        "points": {"markers": markers},
        "city_name": city_name,
        "dispatched": {s.value for s in DISPATCHED},
        "now": now,
    }


@router.get("/staff/dispatch", response_model=None)
def dispatch_board(ctx: DispatchDesk) -> Response:
    city = city_param(ctx.request.query_params.get("city"))
    return render(ctx, "orders/dispatch.html", **board_view(ctx, city))


@router.get("/staff/dispatch/live", response_model=None)
def dispatch_live(ctx: DispatchDesk) -> Response:
    city = city_param(ctx.request.query_params.get("city"))
    return render(ctx, "orders/_dispatch_live.html", **board_view(ctx, city))


def _back(city: str | None) -> RedirectResponse:
    return RedirectResponse("/staff/dispatch" + (f"?city={city}" if city else ""), status_code=303)


def _refused(ctx: WebContext, city: str | None, exc: AppError) -> Response:
    ctx.session.rollback()
    return render(
        ctx,
        "orders/dispatch.html",
        status_code=exc.status_code,
        error=error_text(ctx, exc),
        **board_view(ctx, city),
    )


@router.post("/staff/dispatch/orders/{order_id}/assign", response_model=None)
async def assign(ctx: CheckedDispatcher, order_id: uuid.UUID) -> Response:
    form = await ctx.request.form()
    city = city_param(text(form, "city", 12))
    try:
        if not text(form, "unit_id", 64):
            raise FormProblem("unit")
        unit_id = form_uuid(form, "unit_id")
        steps.assign(ctx.session, ctx.actor(), order_id, unit_id, now=utc_now())
    except AppError as exc:
        return _refused(ctx, city, exc)
    return _back(city)


@router.post("/staff/dispatch/orders/{order_id}/cancel", response_model=None)
async def cancel(ctx: CheckedDispatcher, order_id: uuid.UUID) -> Response:
    form = await ctx.request.form()
    city = city_param(text(form, "city", 12))
    try:
        reason = text(form, "reason")
        if not reason:
            raise FormProblem("reason")
        steps.cancel(ctx.session, ctx.actor(), order_id, reason=reason, now=utc_now())
    except AppError as exc:
        return _refused(ctx, city, exc)
    return _back(city)
