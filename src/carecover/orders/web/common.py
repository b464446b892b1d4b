"""What the orders pages share: face checks for forms, form parsing, friendly error text, map
markers and the template helpers (Beijing times, minutes, labels)."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from carecover.orders.enums import OrderStatus, UnitKind, UnitStatus
from carecover.orders.models import ProviderUnit
from carecover.orders.service.board import local
from carecover.platform.auth.roles import Face, Permission, face_of
from carecover.platform.errors import AppError, Forbidden, InvalidFields
from carecover.platform.i18n import catalogues
from carecover.platform.web.deps import CheckedContext, LoginRequired, WebContext

STATUS_COLOURS: dict[OrderStatus, str] = {
    OrderStatus.requested: "#7c3aed",
    OrderStatus.offered: "#d97706",
    OrderStatus.accepted: "#2563eb",
    OrderStatus.en_route: "#0284c7",
    OrderStatus.on_site: "#16a34a",
    OrderStatus.completed: "#15803d",
    OrderStatus.cancelled: "#6b7280",
    OrderStatus.no_show: "#6b7280",
    OrderStatus.gone_on_arrival: "#6b7280",
}
LATE_COLOUR = "#dc2626"
KIND_COLOURS: dict[UnitKind, str] = {
    UnitKind.flatbed: "#0f766e",
    UnitKind.wheel_lift: "#065f46",
    UnitKind.service_van: "#1d4ed8",
    UnitKind.mobile_charger: "#65a30d",
    UnitKind.designated_driver: "#c2410c",
}
CAR_COLOUR = "#111827"
MAX_REASON = 200


def _checked(face: Face, permission: Permission | None = None) -> Any:
    """A form post (CSRF already verified) from a signed-in user of ``face``."""

    def check(ctx: CheckedContext) -> WebContext:
        if ctx.principal is None:
            raise LoginRequired(quote(ctx.request.url.path, safe="/"))
        if face_of(ctx.principal.role) is not face:
            raise Forbidden()
        if permission is not None and not ctx.can(permission):
            raise Forbidden()
        return ctx

    return Depends(check, scope="function")


CheckedOwner = Annotated[WebContext, _checked(Face.owner)]
CheckedPartner = Annotated[WebContext, _checked(Face.partner)]
CheckedDispatcher = Annotated[WebContext, _checked(Face.staff, Permission.dispatch_manage)]


class FormProblem(AppError):
    """A form field the page itself refuses (shown as ``orders.web.error.<code>``)."""

    status_code = 422
    code = "validation_failed"

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def text(form: FormData, name: str, limit: int = MAX_REASON) -> str:
    return str(form.get(name) or "").strip()[:limit]


def form_uuid(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(text(form, name, 64))
    except ValueError:
        raise FormProblem(f"bad_{name}") from None


def form_point(form: FormData) -> tuple[float, float]:
    """The form's lat/lng, finite and on the globe."""
    try:
        lat, lng = float(text(form, "lat", 32)), float(text(form, "lng", 32))
    except ValueError:
        raise FormProblem("location") from None
    if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
        raise FormProblem("location")
    return lat, lng


def error_text(ctx: WebContext, exc: AppError) -> str:
    """A typed error as a friendly line in the page's language."""
    if isinstance(exc, FormProblem):
        return ctx.t(f"orders.web.error.{exc.key}")
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    messages = catalogues().get(ctx.lang, {})
    key = f"orders.web.error.{exc.code}"
    if key not in messages:
        key = f"error.{exc.code}" if f"error.{exc.code}" in messages else "orders.web.error.other"
    try:
        return ctx.t(key, **exc.params)
    except (KeyError, IndexError):
        return ctx.t("orders.web.error.other")


def minutes(seconds: float | None) -> str:
    """Whole minutes, rounded up (an ETA of 61 s is 2 minutes away)."""
    if seconds is None:
        return "—"
    return str(max(0, math.ceil(seconds / 60)))


def clock(seconds: float | None) -> str:
    """mm:ss for the SLA timers."""
    if seconds is None:
        return "—"
    whole = max(0, int(seconds))
    return f"{whole // 60:d}:{whole % 60:02d}"


def tiles(ctx: WebContext) -> dict[str, str]:
    url = getattr(ctx.settings, "map_tile_url", None)
    attribution = getattr(ctx.settings, "map_tile_attribution", "") or ""
    return {"url": url if isinstance(url, str) and url.strip() else "", "attribution": attribution}


def unit_marker(ctx: WebContext, unit: ProviderUnit) -> dict[str, Any]:
    busy = unit.status is UnitStatus.busy
    return {
        "lat": unit.lat,
        "lng": unit.lng,
        "colour": "#ffffff" if busy else KIND_COLOURS.get(unit.kind, "#1d4ed8"),
        "stroke": KIND_COLOURS.get(unit.kind, "#1d4ed8"),
        "radius": 6,
        "weight": 3 if busy else 1,
        "kind": "unit",
        "label": " · ".join(
            (
                unit.call_sign,
                ctx.t(f"orders.web.kind.{unit.kind.value}"),
                ctx.t(f"orders.web.unit_status.{unit.status.value}"),
                local(unit.position_at),
            )
        ),
    }


def label(ctx: WebContext, prefix: str, value: str) -> str:
    """The label ``prefix.value`` in the page's language, or the value itself when there is none
    (a timeline entry some other part of the platform wrote)."""
    key = f"{prefix}.{value}"
    return ctx.t(key) if key in catalogues().get(ctx.lang, {}) else value


def render(ctx: WebContext, template: str, *, status_code: int = 200, **values: Any) -> Response:
    """``ctx.render`` with the helpers every orders template uses."""
    return ctx.render(
        template,
        status_code=status_code,
        local=local,
        minutes=minutes,
        clock=clock,
        tiles=tiles(ctx),
        status_colours={s.value: c for s, c in STATUS_COLOURS.items()},
        kind_colours={k.value: c for k, c in KIND_COLOURS.items()},
        late_colour=LATE_COLOUR,
        label=lambda prefix, value: label(ctx, prefix, value),
        **values,
    )
