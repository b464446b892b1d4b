"""Fast-track rules: each fires on its own with its reason code and figures, and only then."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from carecover.claims.service.risk import (
    ClaimFacts,
    FastTrackRules,
    current_value_fen,
    evaluate,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CLEAN = ClaimFacts(
    estimate_fen=186_050,
    policy_active=True,
    has_own_damage_cover=True,
    policy_starts_at=NOW - timedelta(days=200),
    occurred_at=NOW,
    earlier_claims=0,
    photo_flags=frozenset(),
    ocr_outcome="matched",
    purchase_price_fen=15_000_000,
    purchase_date=date(2023, 5, 1),
    claimant_is_holder=True,
    other_parties=0,
    deductible_fen=0,
)


def codes(facts: ClaimFacts) -> list[str]:
    return [r.code for r in evaluate(facts).reasons]


def test_a_clean_small_claim_is_eligible_and_pays_the_estimate() -> None:
    verdict = evaluate(CLEAN)
    assert verdict.eligible
    assert verdict.reasons == ()
    assert verdict.payable_fen == 186_050


def test_the_deductible_comes_off_the_payout() -> None:
    verdict = evaluate(replace(CLEAN, deductible_fen=50_000))
    assert verdict.eligible
    assert verdict.payable_fen == 136_050


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"policy_active": False}, "policy_not_active"),
        ({"has_own_damage_cover": False}, "no_own_damage_cover"),
        ({"estimate_fen": 500_000}, "over_fast_track_limit"),
        ({"policy_starts_at": NOW - timedelta(days=29, hours=23)}, "recent_inception"),
        ({"earlier_claims": 2}, "frequent_claims"),
        ({"photo_flags": frozenset({"photo_reused"})}, "photo_reused"),
        ({"photo_flags": frozenset({"exif_place_mismatch"})}, "exif_mismatch"),
        ({"photo_flags": frozenset({"exif_time_mismatch"})}, "exif_mismatch"),
        ({"ocr_outcome": "mismatch"}, "ocr_plate_mismatch"),
        (
            {"purchase_price_fen": 1_000_000, "purchase_date": date(2014, 1, 1)},
            "estimate_high_for_value",
        ),
        ({"claimant_is_holder": False}, "claimant_not_holder"),
        ({"other_parties": 1}, "other_parties"),
        ({"deductible_fen": 200_000}, "below_deductible"),
    ],
)
def test_each_rule_fires_alone_with_its_code(change: dict[str, object], code: str) -> None:
    assert codes(replace(CLEAN, **change)) == [code]  # type: ignore[arg-type]
    assert not evaluate(replace(CLEAN, **change)).eligible  # type: ignore[arg-type]


def test_boundaries_are_exact() -> None:
    assert codes(replace(CLEAN, estimate_fen=499_999)) == []
    assert codes(replace(CLEAN, policy_starts_at=NOW - timedelta(days=30))) == []
    assert codes(replace(CLEAN, earlier_claims=1)) == []
    assert codes(replace(CLEAN, ocr_outcome="unreadable")) == []  # unreadable is not a mismatch
    assert codes(replace(CLEAN, ocr_outcome=None)) == []  # OCR switched off


def test_reasons_carry_the_figures_shown_to_people() -> None:
    verdict = evaluate(replace(CLEAN, estimate_fen=620_000, earlier_claims=3))
    as_json = [r.as_json() for r in verdict.reasons]
    assert as_json == [
        {"code": "over_fast_track_limit", "estimate_fen": 620_000, "limit_fen": 500_000},
        {"code": "frequent_claims", "count": 3, "window_days": 365},
    ]


def test_several_rules_fire_together_in_reading_order() -> None:
    facts = replace(
        CLEAN,
        policy_active=False,
        photo_flags=frozenset({"photo_reused"}),
        claimant_is_holder=False,
    )
    assert codes(facts) == ["policy_not_active", "photo_reused", "claimant_not_holder"]


def test_depreciation_is_six_permille_a_month_capped_at_eighty_percent() -> None:
    rules = FastTrackRules()
    assert current_value_fen(10_000_000, date(2026, 1, 15), date(2026, 11, 20), rules) == 9_400_000
    # 10 full months on the 14th: the 11th month has not completed
    assert current_value_fen(10_000_000, date(2026, 1, 15), date(2026, 11, 14), rules) == 9_460_000
    assert current_value_fen(10_000_000, date(2000, 1, 1), date(2026, 11, 20), rules) == 2_000_000
    assert current_value_fen(None, date(2020, 1, 1), date(2026, 11, 20), rules) is None


def test_rules_are_configurable() -> None:
    strict = FastTrackRules(limit_fen=100_000, frequent_claims=1)
    verdict = evaluate(replace(CLEAN, earlier_claims=1), strict)
    assert [r.code for r in verdict.reasons] == ["over_fast_track_limit", "frequent_claims"]
