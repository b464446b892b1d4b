"""The shared, explained repair estimate (A1, A4): one estimate for owner, adjuster and shop.

``estimate`` turns picked damage (part, damage type, severity) into priced lines from the tables in
``catalogue``; every line carries an ``Explanation`` (an i18n key and its parameters) naming the
rule and the table rows behind it. A shop's counter-quote is another ``Estimate``: ``diff``
compares it line by line and ``apply_decisions`` builds the agreed estimate from the adjuster's
accepted lines. Pure functions, integer fen, no database.

Money is rounded half up to the fen once per line; an estimate's total is the exact sum of its
lines; hours are integer tenths. In explanation parameters ``*_fen`` are raw integers and the same
name without the suffix is a display string in yuan ("1200", "12.50"); ``part``, ``damage``,
``severity``, ``class`` and ``operation`` are codes that ``render`` translates via ``MESSAGES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from carecover.claims.service import catalogue as cat
from carecover.claims.service.catalogue import (
    CarPart,
    DamageType,
    LineChange,
    Operation,
    Severity,
    VehicleClass,
)

CURRENCY = "CNY"
Params = dict[str, str | int]
LineKey = tuple[CarPart, Operation]
_E = TypeVar("_E", bound=StrEnum)
_PART_ORDER = {part: i for i, part in enumerate(CarPart)}
_OP_ORDER = {op: i for i, op in enumerate(Operation)}


def _order(key: LineKey) -> tuple[int, int]:
    """Diagram order: by part, then by operation."""
    return (_PART_ORDER[key[0]], _OP_ORDER[key[1]])


class EstimateInputError(ValueError):
    """Bad estimate input: a stable ``code`` (also its i18n key) and the 0-based item ``index``;
    ``params`` fill the message (``item`` is the 1-based number shown to people)."""

    def __init__(self, code: str, *, index: int | None = None, **params: str | int) -> None:
        self.code, self.index = code, index
        self.params: Params = dict(params) | ({} if index is None else {"item": index + 1})
        super().__init__(code if index is None else f"{code} (item index {index})")


@dataclass(frozen=True, slots=True)
class Explanation:
    key: str
    params: Params


@dataclass(frozen=True, slots=True)
class DamageItem:
    part: CarPart
    damage: DamageType
    severity: Severity


@dataclass(frozen=True, slots=True)
class VehicleProfile:
    """What prices a car's parts: make (brand factor, class floor), price band, powertrain."""

    make: str
    purchase_price_fen: int
    powertrain: str
    """ice, hev, bev, phev, erev or fcev (``vehicles.enums.Powertrain`` values fit)."""

    def __post_init__(self) -> None:
        if self.purchase_price_fen < 0:
            raise EstimateInputError("estimate.invalid_price")
        try:
            cat.is_nev_powertrain(self.powertrain)
        except ValueError:
            raise EstimateInputError(
                "estimate.unknown_powertrain", powertrain=self.powertrain
            ) from None

    @property
    def vehicle_class(self) -> VehicleClass:
        return cat.vehicle_class(self.make, self.purchase_price_fen, self.powertrain)

    @property
    def brand(self) -> cat.Brand:
        return cat.brand_of(self.make)


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for numerator ≥ 0 and denominator > 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def _yuan(fen: int) -> str:
    """Yuan for display: "120" for 12000 fen, "120.50" for 12050."""
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"


def _tenths(value: int) -> str:
    return f"{value // 10}.{value % 10}"


@dataclass(frozen=True, slots=True)
class EstimateLine:
    """One priced line. replace_part: amount = quantity × unit_fen. Labour and paint: amount =
    hours_tenths × unit_fen (the hourly rate) / 10, rounded half up, + materials_fen (paint)."""

    part: CarPart
    operation: Operation
    amount_fen: int
    quantity: int
    """Pieces, for replace_part; 0 otherwise."""
    hours_tenths: int
    """Labour in tenths of an hour; 0 for replace_part."""
    unit_fen: int
    """Price per piece, or labour rate per hour."""
    explanation: Explanation
    materials_fen: int = 0
    """Paint and consumables, paint lines only."""

    def __post_init__(self) -> None:
        numbers = (*self.figures, self.materials_fen)
        ok = all(type(n) is int and n >= 0 for n in numbers)
        if self.operation is Operation.replace_part:
            ok = ok and self.amount_fen == self.quantity * self.unit_fen
            ok = ok and not self.hours_tenths and not self.materials_fen
        else:
            labour = _half_up(self.hours_tenths * self.unit_fen, 10) if ok else -1
            ok = ok and not self.quantity and self.amount_fen == labour + self.materials_fen
            ok = ok and (self.operation is Operation.paint or not self.materials_fen)
        if not ok:
            raise EstimateInputError("estimate.inconsistent_line", part=self.part)

    @property
    def key(self) -> LineKey:
        return (self.part, self.operation)

    @property
    def figures(self) -> tuple[int, int, int, int, int]:
        """What a diff compares: amount, quantity, hours, unit, materials (not the wording)."""
        return (
            self.amount_fen,
            self.quantity,
            self.hours_tenths,
            self.unit_fen,
            self.materials_fen,
        )


def part_line(
    part: CarPart, unit_fen: int, explanation: Explanation, *, quantity: int = 1
) -> EstimateLine:
    """A replace_part line: quantity × unit price."""
    amount = quantity * unit_fen
    return EstimateLine(part, Operation.replace_part, amount, quantity, 0, unit_fen, explanation)


def labour_line(
    part: CarPart,
    operation: Operation,
    hours_tenths: int,
    rate_fen: int,
    explanation: Explanation,
    *,
    materials_fen: int = 0,
) -> EstimateLine:
    """A repair_labour, replace_labour or paint line: hours × rate (+ paint materials)."""
    amount = _half_up(hours_tenths * rate_fen, 10) + materials_fen
    return EstimateLine(
        part, operation, amount, 0, hours_tenths, rate_fen, explanation, materials_fen
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    """Lines in diagram order, one per (part, operation); the total is their exact sum.
    Build with ``Estimate.of(lines)``."""

    lines: tuple[EstimateLine, ...]
    total_fen: int
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(sorted(self.lines, key=lambda ln: _order(ln.key))))
        if len({line.key for line in self.lines}) != len(self.lines):
            raise EstimateInputError("estimate.duplicate_line")
        if self.total_fen != sum(line.amount_fen for line in self.lines):
            raise EstimateInputError("estimate.total_mismatch")
        if self.currency != CURRENCY:
            raise EstimateInputError("estimate.currency", currency=self.currency)

    @classmethod
    def of(cls, lines: Iterable[EstimateLine]) -> Estimate:
        lines = tuple(lines)
        return cls(lines, sum(line.amount_fen for line in lines))

    def line(self, key: LineKey) -> EstimateLine | None:
        return next((line for line in self.lines if line.key == key), None)

    @property
    def keys(self) -> tuple[LineKey, ...]:
        return tuple(line.key for line in self.lines)


def _checked(items: Sequence[DamageItem], city_tier: int) -> list[DamageItem]:
    """The items with enum-typed fields, or the first problem as an EstimateInputError."""
    if city_tier not in cat.LABOUR_RATE_FEN:
        raise EstimateInputError("estimate.unknown_tier", tier=str(city_tier))
    if not items:
        raise EstimateInputError("estimate.empty")
    first: dict[CarPart, int] = {}
    out: list[DamageItem] = []
    for index, raw in enumerate(items):
        try:
            item = DamageItem(CarPart(raw.part), DamageType(raw.damage), Severity(raw.severity))
        except ValueError:
            raise EstimateInputError("estimate.unknown_code", index=index) from None
        part, damage = item.part, item.damage
        if damage not in cat.VALID_DAMAGE[cat.PART_GROUP[part]]:
            raise EstimateInputError(
                "estimate.invalid_damage_for_part", index=index, part=part, damage=damage
            )
        if part in first:
            raise EstimateInputError(
                "estimate.duplicate_part", index=index, part=part, first_item=first[part] + 1
            )
        first[part] = index
        out.append(item)
    return out


def estimate(items: Sequence[DamageItem], *, vehicle: VehicleProfile, city_tier: int) -> Estimate:
    """Price the damage on a car in a city tier (1–4); one item per part (its worst damage)."""
    lines: list[EstimateLine] = []
    for item in _checked(items, city_tier):
        lines.extend(_item_lines(item, vehicle, city_tier))
    return Estimate.of(lines)


def _item_lines(item: DamageItem, vehicle: VehicleProfile, tier: int) -> list[EstimateLine]:
    part, damage, severity = item.part, item.damage, item.severity
    group, cls, brand = cat.PART_GROUP[part], vehicle.vehicle_class, vehicle.brand
    hours, rate = cat.HOURS[part], cat.LABOUR_RATE_FEN[tier]
    decision = cat.RULES[(group, damage)][list(Severity).index(severity)]
    base: Params = {"part": part, "damage": damage, "severity": severity, "class": cls}
    at_rate: Params = base | {"tier": tier, "rate_fen": rate, "rate": _yuan(rate)}

    def timed(tenths: int) -> Params:
        return at_rate | {"hours_tenths": tenths, "hours": _tenths(tenths)}

    lines: list[EstimateLine] = []
    if decision == "replace":
        key, list_fen, extra = "replace_part", cat.PART_PRICE_FEN[(part, cls)], Params()
        if damage is DamageType.tire_flat:
            key, list_fen = "replace_tyre", cat.TYRE_PRICE_FEN[cls]
        elif group is cat.PartGroup.wheel and damage is DamageType.missing:
            rim, tyre = list_fen, cat.TYRE_PRICE_FEN[cls]
            key, list_fen = "replace_wheel", rim + tyre
            extra = {"rim_fen": rim, "rim": _yuan(rim), "tyre_fen": tyre, "tyre": _yuan(tyre)}
        unit = _half_up(list_fen * brand.part_pct, 100)
        money: Params = {"list_fen": list_fen, "list": _yuan(list_fen), "unit_fen": unit}
        money |= {"unit": _yuan(unit), "brand": vehicle.make.strip(), "brand_pct": brand.part_pct}
        lines.append(
            part_line(part, unit, Explanation(f"estimate.why.{key}", base | money | extra))
        )
        why = Explanation("estimate.why.replace_labour", timed(hours.replace))
        lines.append(labour_line(part, Operation.replace_labour, hours.replace, rate, why))
    else:
        light = cat.TYRE_REPAIR_HOURS if damage is DamageType.tire_flat else hours.repair
        factor = cat.SEVERITY_FACTOR[severity]
        params = timed(light * factor) | {"base_hours": _tenths(light), "factor": factor}
        why = Explanation("estimate.why.repair_labour", params)
        lines.append(labour_line(part, Operation.repair_labour, light * factor, rate, why))
    if group in cat.PAINTED_GROUPS:
        per_panel = cat.PAINT_MATERIAL_FEN[cls]
        materials = _half_up(per_panel * hours.panels, 10)
        params = timed(hours.paint) | {"panels": _tenths(hours.panels)}
        params |= {"material_rate_fen": per_panel, "material_rate": _yuan(per_panel)}
        params |= {"materials_fen": materials, "materials": _yuan(materials)}
        why = Explanation("estimate.why.paint", params)
        line = labour_line(part, Operation.paint, hours.paint, rate, why, materials_fen=materials)
        lines.append(line)
    return lines


# --- counter-quotes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineDiff:
    """One (part, operation): the base line (before) and the counter-quote's (after)."""

    key: LineKey
    change: LineChange
    before: EstimateLine | None
    after: EstimateLine | None
    before_fen: int
    after_fen: int
    delta_fen: int


@dataclass(frozen=True, slots=True)
class EstimateDiff:
    """All lines in diagram order, and the same lines by kind of change."""

    lines: tuple[LineDiff, ...]
    added: tuple[LineDiff, ...]
    removed: tuple[LineDiff, ...]
    changed: tuple[LineDiff, ...]
    unchanged: tuple[LineDiff, ...]
    base_total_fen: int
    counter_total_fen: int
    delta_fen: int


def _union_keys(base: Estimate, counter: Estimate) -> list[LineKey]:
    return sorted(set(base.keys) | set(counter.keys), key=_order)


def diff(base: Estimate, counter: Estimate) -> EstimateDiff:
    """A shop's counter-quote against the base estimate, line by line by (part, operation)."""
    out: list[LineDiff] = []
    for key in _union_keys(base, counter):
        before, after = base.line(key), counter.line(key)
        if before is None:
            change = LineChange.added
        elif after is None:
            change = LineChange.removed
        else:
            same = before.figures == after.figures
            change = LineChange.unchanged if same else LineChange.changed
        was = before.amount_fen if before else 0
        now = after.amount_fen if after else 0
        out.append(LineDiff(key, change, before, after, was, now, now - was))
    added, removed, changed, unchanged = (
        tuple(d for d in out if d.change is c) for c in LineChange
    )
    delta = counter.total_fen - base.total_fen
    return EstimateDiff(
        tuple(out), added, removed, changed, unchanged, base.total_fen, counter.total_fen, delta
    )


def apply_decisions(base: Estimate, counter: Estimate, accepted: AbstractSet[LineKey]) -> Estimate:
    """The agreed estimate: for an accepted key the counter's line (or its absence), for any other
    key the base's line. A key in neither estimate is refused (estimate.unknown_line)."""
    keys = _union_keys(base, counter)
    unknown = set(accepted) - set(keys)
    if unknown:
        part, operation = min(unknown, key=_order)
        raise EstimateInputError("estimate.unknown_line", part=part, operation=operation)
    chosen = [(counter if key in accepted else base).line(key) for key in keys]
    return Estimate.of(line for line in chosen if line is not None)
