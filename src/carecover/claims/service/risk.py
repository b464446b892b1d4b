"""Small-claim fast-track rules (A3): pure functions over a claim's facts, one reason code each.

A claim is approved without a person only when every rule passes. Each rule that fails adds a
``Reason`` (a stable code, also the i18n key ``claim.reason.<code>``, and the figures behind it),
and the owner and the adjuster see the same list. Nothing here reads the database: the caller
gathers ``ClaimFacts`` (see ``fast_track.facts``), so the rules are tested as plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

FAST_TRACK_LIMIT_FEN = 500_000
"""5,000 CNY: the report's small-claim line."""


@dataclass(frozen=True, slots=True)
class FastTrackRules:
    """The thresholds; an insurer tunes them, the tests pin them."""

    limit_fen: int = FAST_TRACK_LIMIT_FEN
    recent_inception_days: int = 30
    frequent_window_days: int = 365
    frequent_claims: int = 2
    """This many earlier claims on the car or by the customer within the window is "frequent"."""
    value_share_pct: int = 30
    """An estimate above this share of the car's current value needs an adjuster."""
    monthly_depreciation_permille: int = 6
    """0.6% a month, the usual rate for private passenger cars of up to 9 seats."""
    max_depreciation_pct: int = 80


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """Everything the rules look at, gathered once."""

    estimate_fen: int
    policy_active: bool
    has_own_damage_cover: bool
    policy_starts_at: datetime
    occurred_at: datetime
    earlier_claims: int
    """Claims on the car or by the customer within the window, this one excluded."""
    photo_flags: frozenset[str]
    ocr_outcome: str | None
    """matched, mismatch, unreadable, or None when OCR is off."""
    purchase_price_fen: int | None
    purchase_date: date | None
    claimant_is_holder: bool
    other_parties: int
    deductible_fen: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    eligible: bool
    reasons: tuple[Reason, ...]
    payable_fen: int
    vehicle_value_fen: int | None


def current_value_fen(
    purchase_price_fen: int | None, purchase_date: date | None, on: date, rules: FastTrackRules
) -> int | None:
    """Purchase price less 0.6% per full month of age, at most 80% off (integer fen)."""
    if purchase_price_fen is None or purchase_date is None:
        return None
    months = max(0, (on.year - purchase_date.year) * 12 + on.month - purchase_date.month)
    if on.day < purchase_date.day and months:
        months -= 1
    permille = min(months * rules.monthly_depreciation_permille, rules.max_depreciation_pct * 10)
    return purchase_price_fen * (1000 - permille) // 1000


def evaluate(facts: ClaimFacts, rules: FastTrackRules | None = None) -> Verdict:
    """All rules, in the order staff read them; eligible only when none fires."""
    rules = rules or FastTrackRules()
    reasons: list[Reason] = []
    if not facts.policy_active:
        reasons.append(Reason("policy_not_active"))
    if not facts.has_own_damage_cover:
        reasons.append(Reason("no_own_damage_cover"))
    if facts.estimate_fen >= rules.limit_fen:
        reasons.append(
            Reason(
                "over_fast_track_limit",
                {"estimate_fen": facts.estimate_fen, "limit_fen": rules.limit_fen},
            )
        )
    age = facts.occurred_at - facts.policy_starts_at
    if age < timedelta(days=rules.recent_inception_days):
        reasons.append(
            Reason(
                "recent_inception",
                {"days": max(0, age.days), "min_days": rules.recent_inception_days},
            )
        )
    if facts.earlier_claims >= rules.frequent_claims:
        reasons.append(
            Reason(
                "frequent_claims",
                {"count": facts.earlier_claims, "window_days": rules.frequent_window_days},
            )
        )
    if "photo_reused" in facts.photo_flags:
        reasons.append(Reason("photo_reused"))
    exif = sorted(facts.photo_flags & {"exif_time_mismatch", "exif_place_mismatch"})
    if exif:
        reasons.append(Reason("exif_mismatch", {"signals": exif}))
    if facts.ocr_outcome == "mismatch":
        reasons.append(Reason("ocr_plate_mismatch"))
    value = current_value_fen(
        facts.purchase_price_fen, facts.purchase_date, facts.occurred_at.date(), rules
    )
    if value is not None and facts.estimate_fen * 100 > value * rules.value_share_pct:
        reasons.append(
            Reason(
                "estimate_high_for_value",
                {
                    "estimate_fen": facts.estimate_fen,
                    "value_fen": value,
                    "share_pct": rules.value_share_pct,
                },
            )
        )
    if not facts.claimant_is_holder:
        reasons.append(Reason("claimant_not_holder"))
    if facts.other_parties:
        reasons.append(Reason("other_parties", {"count": facts.other_parties}))
    payable = max(0, facts.estimate_fen - facts.deductible_fen)
    if facts.estimate_fen and not payable:
        reasons.append(Reason("below_deductible", {"deductible_fen": facts.deductible_fen}))
    return Verdict(not reasons, tuple(reasons), payable, value)
