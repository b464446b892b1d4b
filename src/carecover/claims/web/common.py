"""What the claims pages share: the guided-assessment widget's data, form parsing, error text,
and the parts of a claim every face shows (estimate, decision, payout, repair, timeline)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from carecover.claims.models import Claim
from carecover.claims.service import assessment, repair, timeline, views
from carecover.claims.service.catalogue import (
    PART_GROUP,
    VALID_DAMAGE,
    CarPart,
    DamageType,
    Severity,
)
from carecover.platform.errors import AppError, InvalidFields
from carecover.platform.web.deps import WebContext


def assessment_args(ctx: WebContext) -> dict[str, Any]:
    """The arguments of the ``assessment_fields`` macro, labels in the reader's language."""
    return {
        "parts": [(p.value, ctx.t(f"part.{p.value}")) for p in CarPart],
        "damages": [(d.value, ctx.t(f"damage.{d.value}")) for d in DamageType],
        "severities": [(s.value, ctx.t(f"severity.{s.value}")) for s in Severity],
        "valid_damage": {
            p.value: [d.value for d in DamageType if d in VALID_DAMAGE[PART_GROUP[p]]]
            for p in CarPart
        },
    }


def detector_code(ctx: WebContext) -> str:
    """Whether photos are analysed by a damage model, as a ``claim.detector.*`` message code."""
    from carecover.claims.service import detector

    status = detector.detector_status(
        ctx.settings.damage_model_path, ctx.settings.damage_model_classes
    )
    return str(status.reason)


def form_items(form: FormData) -> list[dict[str, str]]:
    """Picked damage from the widget's ``damage.<part>`` / ``severity.<part>`` fields."""
    items = []
    for part in CarPart:
        damage = str(form.get(f"damage.{part.value}") or "").strip()
        if damage:
            severity = str(form.get(f"severity.{part.value}") or "moderate")
            items.append({"part": part.value, "damage": damage, "severity": severity})
    return items


def error_text(ctx: WebContext, exc: AppError) -> str:
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    if hasattr(exc, "reason"):
        extra = exc.problem_extra(ctx.lang) or {}
        return str(extra.get("reason_text") or ctx.t(f"error.{exc.code}"))
    return ctx.t(f"error.{exc.code}")


def claim_parts(ctx: WebContext, claim: Claim, *, internal: bool) -> dict[str, Any]:
    """Estimate, decision reasons, payout, repair orders and timeline of one claim."""
    session, lang = ctx.session, ctx.lang
    row = assessment.current(session, claim)
    orders = [views.order_read(session, o) for o in repair.orders(session, claim)]
    return {
        "claim": claim,
        "estimate": views.estimate_read(row, lang) if row else None,
        "reasons": [views.reason_read(r, lang) for r in claim.reasons],
        "payout": views.payout_read(session, claim),
        "orders": orders,
        "live_order": next((o for o in orders if o.status not in ("declined", "cancelled")), None),
        "timeline": views.timeline_read(timeline.events(session, claim, internal=internal), lang),
        "yuan": views.yuan,
    }
