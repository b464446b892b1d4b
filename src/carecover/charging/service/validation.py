"""Reading an operator's OCPI body: JSON numbers as exact decimals, pydantic's errors as field
problems with stable codes, money as integer fen, and the rules no schema can state alone
(a location's path matches its body, timestamps are not from the future)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from carecover.charging.errors import OcpiInvalid
from carecover.platform.errors import FieldProblem

M = TypeVar("M", bound=BaseModel)

FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of our clock an operator's ``last_updated`` may be (clock skew). A timestamp
further ahead would make every later, honest update look stale."""

_SIMPLE = {
    "missing": "charging.ocpi.missing",
    "string_pattern_mismatch": "charging.ocpi.pattern",
    "string_type": "charging.ocpi.string",
    "bool_type": "charging.ocpi.boolean",
    "bool_parsing": "charging.ocpi.boolean",
    "int_type": "charging.ocpi.integer",
    "int_parsing": "charging.ocpi.integer",
    "int_from_float": "charging.ocpi.integer",
    "decimal_type": "charging.ocpi.number",
    "decimal_parsing": "charging.ocpi.number",
    "datetime_type": "charging.ocpi.datetime",
    "datetime_parsing": "charging.ocpi.datetime",
    "datetime_from_date_parsing": "charging.ocpi.datetime",
    "list_type": "charging.ocpi.list",
    "model_type": "charging.ocpi.object",
    "dict_type": "charging.ocpi.object",
}


def parse_json(raw: bytes) -> Any:
    """The body as JSON with every non-integer number a ``Decimal`` (no float ever rounds a
    price on the way in)."""
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, InvalidOperation):
        raise OcpiInvalid(FieldProblem("body", "charging.ocpi.json")) from None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def problems_of(exc: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as field problems whose messages the catalogues translate."""
    problems: list[FieldProblem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        ctx = err.get("ctx") or {}
        where = _where(err["loc"])
        if kind.startswith("charging."):
            problems.append(FieldProblem(where, kind, {k: str(v) for k, v in ctx.items()}))
        elif kind in _SIMPLE:
            problems.append(FieldProblem(where, _SIMPLE[kind]))
        elif kind == "enum":
            problems.append(
                FieldProblem(where, "charging.ocpi.enum", {"expected": str(ctx.get("expected"))})
            )
        elif kind == "string_too_long":
            problems.append(
                FieldProblem(where, "charging.ocpi.too_long", {"max": ctx.get("max_length")})
            )
        elif kind in ("string_too_short", "too_short"):
            problems.append(FieldProblem(where, "charging.ocpi.empty"))
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            limit = next(iter(ctx.values()), "")
            problems.append(FieldProblem(where, f"charging.ocpi.{kind}", {"limit": str(limit)}))
        else:
            problems.append(FieldProblem(where, "charging.ocpi.invalid", {"detail": err["msg"]}))
    return problems


def validate(model: type[M], data: Any) -> M:
    """``data`` as ``model``, or ``OcpiInvalid`` listing every problem."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise OcpiInvalid(*problems_of(exc)) from None


def to_fen(amount: Decimal, where: str, problems: list[FieldProblem]) -> int:
    """A CNY amount as integer fen, exactly; a negative amount or a fraction of a fen is a
    problem (returns 0 then, and the caller raises)."""
    if amount < 0:
        problems.append(FieldProblem(where, "charging.ocpi.negative_price"))
        return 0
    fen = amount * 100
    if fen != fen.to_integral_value():
        problems.append(
            FieldProblem(where, "charging.ocpi.fractional_fen", {"value": format(amount, "f")})
        )
        return 0
    return int(fen)


def not_future(at: datetime, now: datetime, where: str, problems: list[FieldProblem]) -> None:
    if at > now + FUTURE_SLACK:
        problems.append(FieldProblem(where, "charging.ocpi.future", {"minutes": 5}))


def same_key(
    sent: tuple[str, str, str], path: tuple[str, str, str], problems: list[FieldProblem]
) -> None:
    """The object's country_code, party_id and id are the URL's (OCPI's client-owned push)."""
    for name, body_value, path_value in zip(
        ("country_code", "party_id", "id"), sent, path, strict=True
    ):
        expected = path_value.upper() if name != "id" else path_value
        if body_value != expected:
            problems.append(
                FieldProblem(name, "charging.ocpi.path_mismatch", {"expected": expected})
            )


def raise_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise OcpiInvalid(*problems)
