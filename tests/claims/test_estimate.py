"""The shared estimate (A1, A4): hand-computed scenarios, refusals, directions, invariants, and a
shop's counter-quote diffed and decided line by line."""

from __future__ import annotations

from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecover.claims.service import catalogue as cat
from carecover.claims.service.catalogue import (
    CarPart,
    DamageType,
    LineChange,
    Operation,
    Severity,
    VehicleClass,
)
from carecover.claims.service.estimate import (
    DamageItem,
    Estimate,
    EstimateInputError,
    EstimateLine,
    Explanation,
    VehicleProfile,
    apply_decisions,
    diff,
    estimate,
    labour_line,
    part_line,
)
from carecover.claims.service.estimate_messages import MESSAGES, render

P, D, S, Op = CarPart, DamageType, Severity, Operation
YUAN = 100
VW_MIDSIZE = VehicleProfile("大众", 180_000 * YUAN, "ice")
SHOP = Explanation("estimate.why.shop_quote", {"note": "OEM part, dealer price"})


def amounts(result: Estimate) -> dict[tuple[CarPart, Operation], int]:
    return {line.key: line.amount_fen for line in result.lines}


def scenario_one() -> Estimate:
    return estimate(
        [
            DamageItem(P.left_front_door, D.scratch, S.light),
            DamageItem(P.front_bumper, D.crack, S.severe),
        ],
        vehicle=VW_MIDSIZE,
        city_tier=1,
    )


def test_midsize_vw_in_a_tier_one_city() -> None:
    result = scenario_one()
    rate = 150 * YUAN  # tier 1, per hour
    door_repair = 20 * rate // 10  # 2.0 h light body repair
    door_paint = 25 * rate // 10 + 300 * YUAN * 10 // 10  # 2.5 h + midsize paint × 1.0 panel
    bumper_part = 1_200 * YUAN  # midsize list price, VW factor 100%
    bumper_fit = 10 * rate // 10  # 1.0 h
    bumper_paint = 25 * rate // 10 + 300 * YUAN * 12 // 10  # 2.5 h + paint × 1.2 panels
    assert amounts(result) == {
        (P.front_bumper, Op.replace_part): bumper_part,
        (P.front_bumper, Op.replace_labour): bumper_fit,
        (P.front_bumper, Op.paint): bumper_paint,
        (P.left_front_door, Op.repair_labour): door_repair,
        (P.left_front_door, Op.paint): door_paint,
    }
    assert (door_repair, door_paint, bumper_paint) == (30_000, 67_500, 73_500)
    assert result.total_fen == 306_000
    assert result.currency == "CNY"
    # Diagram order, whatever order the items were picked in.
    assert result.keys[0] == (P.front_bumper, Op.replace_part)


def test_every_line_explains_itself() -> None:
    result = scenario_one()
    fit = result.line((P.front_bumper, Op.replace_labour))
    assert fit is not None
    assert fit.hours_tenths == 10
    assert fit.unit_fen == 15_000
    assert fit.quantity == 0
    assert fit.explanation.key == "estimate.why.replace_labour"
    assert fit.explanation.params["tier"] == 1
    assert render(fit.explanation.key, fit.explanation.params, "en") == (
        "Front bumper: remove and fit the new part, 1.0 h × ¥150/h (tier-1 city rate)"
    )
    part = result.line((P.front_bumper, Op.replace_part))
    assert part is not None
    assert part.quantity == 1
    assert part.unit_fen == 120_000
    assert render(part.explanation.key, part.explanation.params, "zh-CN") == (
        "前保险杠重度开裂，需更换：中级参考价 ¥1200 × 大众配件系数 100% = ¥1200"
    )
    paint = result.line((P.left_front_door, Op.paint))
    assert paint is not None
    assert paint.materials_fen == 30_000
    assert render(paint.explanation.key, paint.explanation.params, "en") == (
        "Left front door: refinish, 2.5 h × ¥150/h (tier-1 city rate)"
        " + midsize paint ¥300/panel × 1.0 = ¥300"
    )


def test_premium_bmw_in_a_tier_two_city() -> None:
    bmw = VehicleProfile("BMW", 280_000 * YUAN, "ice")
    assert bmw.vehicle_class is VehicleClass.premium
    result = estimate(
        [
            DamageItem(P.left_headlamp, D.lamp_broken, S.moderate),
            DamageItem(P.windshield, D.crack, S.light),
            DamageItem(P.hood, D.dent, S.moderate),
        ],
        vehicle=bmw,
        city_tier=2,
    )
    assert amounts(result) == {
        (P.hood, Op.repair_labour): 48_000,  # 2.0 h × 2 (moderate) × ¥120
        (P.hood, Op.paint): 36_000 + 75_000,  # 3.0 h × ¥120 + ¥500 × 1.5 panels
        (P.windshield, Op.repair_labour): 6_000,  # chip resin: 0.5 h × ¥120
        (P.left_headlamp, Op.replace_part): 715_000,  # ¥5,500 × BMW 130%
        (P.left_headlamp, Op.replace_labour): 9_600,  # 0.8 h × ¥120
    }
    assert result.total_fen == 889_600
    repair = result.line((P.hood, Op.repair_labour))
    assert repair is not None
    assert repair.hours_tenths == 40
    assert render(repair.explanation.key, repair.explanation.params, "en") == (
        "Hood, moderate dent: repaired, 2.0 h × 2 = 4.0 h × ¥120/h (tier-2 city rate)"
    )


def test_tesla_wheels_and_bumper_in_a_tier_three_city() -> None:
    tesla = VehicleProfile("特斯拉", 250_000 * YUAN, "bev")
    assert tesla.vehicle_class is VehicleClass.nev_premium
    result = estimate(
        [
            DamageItem(P.right_rear_wheel, D.tire_flat, S.light),
            DamageItem(P.left_front_wheel, D.missing, S.severe),
            DamageItem(P.right_front_wheel, D.tire_flat, S.severe),
            DamageItem(P.rear_bumper, D.dent, S.severe),
        ],
        vehicle=tesla,
        city_tier=3,
    )
    assert amounts(result) == {
        (P.rear_bumper, Op.replace_part): 460_000,  # ¥4,000 × 115%
        (P.rear_bumper, Op.replace_labour): 10_000,
        (P.rear_bumper, Op.paint): 25_000 + 66_000,  # 2.5 h × ¥100 + ¥550 × 1.2 panels
        (P.left_front_wheel, Op.replace_part): 644_000,  # (rim ¥3,800 + tyre ¥1,800) × 115%
        (P.left_front_wheel, Op.replace_labour): 5_000,
        (P.right_front_wheel, Op.replace_part): 207_000,  # tyre ¥1,800 × 115%
        (P.right_front_wheel, Op.replace_labour): 5_000,
        (P.right_rear_wheel, Op.repair_labour): 5_000,  # puncture plug, 0.5 h × ¥100
    }
    assert result.total_fen == 1_427_000
    wheel = result.line((P.left_front_wheel, Op.replace_part))
    assert wheel is not None
    assert wheel.explanation.key == "estimate.why.replace_wheel"
    tyre = result.line((P.right_front_wheel, Op.replace_part))
    assert tyre is not None
    assert tyre.explanation.key == "estimate.why.replace_tyre"


@pytest.mark.parametrize(
    ("make", "price_cny", "powertrain", "expected"),
    [
        ("大众", 119_999, "ice", VehicleClass.economy),
        ("大众", 120_000, "ice", VehicleClass.midsize),
        ("丰田", 249_999, "hev", VehicleClass.midsize),
        ("Unknown make", 250_000, "ice", VehicleClass.premium),
        ("奔驰", 600_000, "ice", VehicleClass.luxury),
        ("BMW", 200_000, "ice", VehicleClass.premium),  # the make lifts the band
        ("保时捷", 300_000, "ice", VehicleClass.luxury),
        ("比亚迪", 100_000, "bev", VehicleClass.nev_economy),
        ("理想", 100_000, "erev", VehicleClass.nev_midsize),
        ("比亚迪", 150_000, "PHEV", VehicleClass.nev_midsize),
        ("蔚来", 200_000, "bev", VehicleClass.nev_premium),
        ("小米", 550_000, "bev", VehicleClass.nev_luxury),
    ],
)
def test_vehicle_class_bands(
    make: str, price_cny: int, powertrain: str, expected: VehicleClass
) -> None:
    assert cat.vehicle_class(make, price_cny * YUAN, powertrain) is expected


def test_brands_and_aliases() -> None:
    assert cat.brand_of(" bmw ") is cat.brand_of("宝马")
    assert cat.brand_of("Mercedes-Benz").part_pct == 135
    assert cat.brand_of("大众").part_pct == 100
    assert cat.brand_of("某新品牌") is cat.DEFAULT_BRAND


def test_rounding_is_half_up_once_per_line() -> None:
    why = SHOP
    assert labour_line(P.hood, Op.repair_labour, 25, 12_345, why).amount_fen == 30_863  # 30862.5
    assert labour_line(P.hood, Op.repair_labour, 15, 12_345, why).amount_fen == 18_518  # 18517.5
    assert labour_line(P.hood, Op.repair_labour, 3, 12_345, why).amount_fen == 3_704  # 3703.5
    assert labour_line(P.hood, Op.repair_labour, 1, 12_341, why).amount_fen == 1_234  # 1234.1
    paint = labour_line(P.hood, Op.paint, 25, 12_345, why, materials_fen=33_333)
    assert paint.amount_fen == 30_863 + 33_333
    assert part_line(P.hood, 999, why, quantity=3).amount_fen == 2_997


# --- refusals -----------------------------------------------------------------------------------


def refused(items: list[DamageItem], tier: int = 1) -> EstimateInputError:
    with pytest.raises(EstimateInputError) as caught:
        estimate(items, vehicle=VW_MIDSIZE, city_tier=tier)
    return caught.value


def test_every_invalid_damage_for_every_part_is_refused() -> None:
    ok = DamageItem(P.roof, D.dent, S.light)
    refusals = 0
    for part in CarPart:
        group = cat.PART_GROUP[part]
        for damage in DamageType:
            if damage in cat.VALID_DAMAGE[group] or part is P.roof:
                continue
            error = refused([ok, DamageItem(part, damage, S.moderate)])
            assert error.code == "estimate.invalid_damage_for_part"
            assert error.index == 1
            assert error.params == {"item": 2, "part": part, "damage": damage}
            assert render(error.code, error.params, "en").startswith("Item 2: ")
            refusals += 1
    assert refusals > 100  # 33 parts × the damage types their group cannot have


@pytest.mark.parametrize(
    ("part", "damage"),
    [
        (P.left_front_door, D.glass_shatter),
        (P.windshield, D.tire_flat),
        (P.front_bumper, D.lamp_broken),
        (P.hood, D.tear),
        (P.left_headlamp, D.dent),
        (P.grille, D.glass_shatter),
        (P.left_front_wheel, D.lamp_broken),
    ],
)
def test_examples_of_impossible_damage(part: CarPart, damage: DamageType) -> None:
    assert refused([DamageItem(part, damage, S.light)]).code == "estimate.invalid_damage_for_part"


def test_valid_combinations_per_group() -> None:
    assert cat.VALID_DAMAGE[cat.PartGroup.glass] >= {D.glass_shatter}
    assert {g for g, valid in cat.VALID_DAMAGE.items() if D.glass_shatter in valid} == {
        cat.PartGroup.glass
    }
    assert {g for g, valid in cat.VALID_DAMAGE.items() if D.tire_flat in valid} == {
        cat.PartGroup.wheel
    }
    assert {g for g, valid in cat.VALID_DAMAGE.items() if D.lamp_broken in valid} == {
        cat.PartGroup.lamp
    }


def test_empty_duplicate_tier_and_unknown_codes_are_refused() -> None:
    assert refused([]).code == "estimate.empty"
    duplicate = refused(
        [
            DamageItem(P.hood, D.dent, S.light),
            DamageItem(P.roof, D.dent, S.light),
            DamageItem(P.hood, D.scratch, S.severe),
        ]
    )
    assert (duplicate.code, duplicate.index) == ("estimate.duplicate_part", 2)
    assert duplicate.params == {"item": 3, "part": P.hood, "first_item": 1}
    assert render(duplicate.code, duplicate.params, "zh-CN") == "第 3 项：发动机盖已在第 1 项中。"
    for tier in (0, 5, -1):
        assert refused([DamageItem(P.hood, D.dent, S.light)], tier).code == "estimate.unknown_tier"
    unknown = refused([DamageItem(cast(CarPart, "spoiler"), D.dent, S.light)])
    assert (unknown.code, unknown.index) == ("estimate.unknown_code", 0)
    as_text = DamageItem(cast(CarPart, "hood"), cast(DamageType, "dent"), cast(Severity, "light"))
    assert estimate([as_text], vehicle=VW_MIDSIZE, city_tier=1) == estimate(
        [DamageItem(P.hood, D.dent, S.light)], vehicle=VW_MIDSIZE, city_tier=1
    )


def test_vehicle_profile_is_checked() -> None:
    with pytest.raises(EstimateInputError) as caught:
        VehicleProfile("大众", 100_000 * YUAN, "diesel")
    assert caught.value.code == "estimate.unknown_powertrain"
    with pytest.raises(EstimateInputError) as caught:
        VehicleProfile("大众", -1, "ice")
    assert caught.value.code == "estimate.invalid_price"


def test_lines_and_estimates_must_add_up() -> None:
    with pytest.raises(EstimateInputError) as caught:
        EstimateLine(P.hood, Op.replace_part, 1_000, 2, 0, 600, SHOP)
    assert caught.value.code == "estimate.inconsistent_line"
    with pytest.raises(EstimateInputError) as caught:
        EstimateLine(P.hood, Op.repair_labour, 100, 0, 10, 1_000, SHOP, materials_fen=-100)
    assert caught.value.code == "estimate.inconsistent_line"
    line = part_line(P.hood, 600, SHOP)
    with pytest.raises(EstimateInputError) as caught:
        Estimate((line,), 601)
    assert caught.value.code == "estimate.total_mismatch"
    with pytest.raises(EstimateInputError) as caught:
        Estimate.of([line, line])
    assert caught.value.code == "estimate.duplicate_line"


# --- directions ---------------------------------------------------------------------------------

MIXED = [
    DamageItem(P.front_bumper, D.crack, S.severe),
    DamageItem(P.right_rear_door, D.dent, S.moderate),
    DamageItem(P.right_taillamp, D.lamp_broken, S.light),
    DamageItem(P.rear_window, D.scratch, S.light),
]


def test_lower_city_tiers_cost_less() -> None:
    totals = [estimate(MIXED, vehicle=VW_MIDSIZE, city_tier=t).total_fen for t in (1, 2, 3, 4)]
    assert totals == sorted(totals, reverse=True)
    assert len(set(totals)) == 4
    parts = [
        amounts(estimate(MIXED, vehicle=VW_MIDSIZE, city_tier=t))[(P.front_bumper, Op.replace_part)]
        for t in (1, 4)
    ]
    assert parts[0] == parts[1]  # the tier moves labour, not part prices


def test_dearer_classes_and_brands_cost_more() -> None:
    def total(make: str, price_cny: int, powertrain: str = "ice") -> int:
        car = VehicleProfile(make, price_cny * YUAN, powertrain)
        return estimate(MIXED, vehicle=car, city_tier=2).total_fen

    by_band = [total("Other", price) for price in (100_000, 200_000, 300_000, 600_000)]
    assert by_band == sorted(by_band)
    assert len(set(by_band)) == 4
    for price in (100_000, 200_000, 300_000, 600_000):
        assert total("Other", price, "bev") > total("Other", price, "ice")
    assert total("长安", 150_000) < total("大众", 150_000) < total("理想", 150_000, "ice")


def test_severity_moves_repair_to_replace() -> None:
    def ops(severity: Severity) -> set[Operation]:
        item = DamageItem(P.left_front_door, D.dent, severity)
        return {line.operation for line in estimate([item], vehicle=VW_MIDSIZE, city_tier=1).lines}

    assert ops(S.light) == ops(S.moderate) == {Op.repair_labour, Op.paint}
    assert ops(S.severe) == {Op.replace_part, Op.replace_labour, Op.paint}


# --- invariants ---------------------------------------------------------------------------------

VALID_PAIRS = [
    (part, damage) for part in CarPart for damage in cat.VALID_DAMAGE[cat.PART_GROUP[part]]
]
items_strategy = st.lists(
    st.tuples(st.sampled_from(VALID_PAIRS), st.sampled_from(list(Severity))),
    min_size=1,
    max_size=12,
    unique_by=lambda pair: pair[0][0],
).map(lambda rows: [DamageItem(part, damage, sev) for (part, damage), sev in rows])
vehicles = st.builds(
    VehicleProfile,
    st.sampled_from([b.name for b in cat.BRANDS] + ["BMW", "Lynk & Co"]),
    st.integers(min_value=0, max_value=3_000_000 * YUAN),
    st.sampled_from(["ice", "hev", "bev", "phev", "erev", "fcev"]),
)


@settings(max_examples=200, deadline=None)
@given(items=items_strategy, vehicle=vehicles, tier=st.integers(min_value=1, max_value=4))
def test_total_is_the_exact_sum_of_non_negative_integer_lines(
    items: list[DamageItem], vehicle: VehicleProfile, tier: int
) -> None:
    result = estimate(items, vehicle=vehicle, city_tier=tier)
    assert result.total_fen == sum(line.amount_fen for line in result.lines)
    assert {line.part for line in result.lines} == {item.part for item in items}
    for line in result.lines:
        assert type(line.amount_fen) is int
        assert line.amount_fen > 0
        assert type(line.unit_fen) is int
        assert line.unit_fen > 0
        for lang in ("en", "zh-CN"):
            assert render(line.explanation.key, line.explanation.params, lang)
    assert apply_decisions(result, result, set()) == result


def test_messages_cover_every_label_in_both_languages() -> None:
    assert set(MESSAGES["en"]) == set(MESSAGES["zh-CN"])
    for prefix, members in (
        ("part", list(CarPart)),
        ("damage", list(DamageType)),
        ("severity", list(Severity)),
        ("vehicle_class", list(VehicleClass)),
        ("part_group", list(cat.PartGroup)),
        ("estimate.operation", list(Operation)),
        ("estimate.change", list(LineChange)),
    ):
        for member in members:
            assert MESSAGES["en"][f"{prefix}.{member}"]
            assert MESSAGES["zh-CN"][f"{prefix}.{member}"]
    assert MESSAGES["zh-CN"]["part.left_rear_quarter"] == "左后翼子板"
    assert MESSAGES["en"]["damage.glass_shatter"] == "shattered glass"
    assert len(CarPart) == 33


# --- counter-quotes -----------------------------------------------------------------------------


def shop_counter(base: Estimate) -> Estimate:
    """The shop wants a dearer bumper, drops the door paint and adds the lower grille."""
    lines = [
        line
        for line in base.lines
        if line.key not in {(P.front_bumper, Op.replace_part), (P.left_front_door, Op.paint)}
    ]
    lines.append(part_line(P.front_bumper, 1_350 * YUAN, SHOP))
    lines.append(part_line(P.lower_grille, 200 * YUAN, SHOP))
    return Estimate.of(lines)


def test_counter_quote_diff_line_by_line() -> None:
    base = scenario_one()
    counter = shop_counter(base)
    result = diff(base, counter)
    assert [(d.key, d.delta_fen) for d in result.changed] == [
        ((P.front_bumper, Op.replace_part), 15_000)
    ]
    assert [(d.key, d.before_fen, d.after_fen) for d in result.removed] == [
        ((P.left_front_door, Op.paint), 67_500, 0)
    ]
    assert [(d.key, d.delta_fen) for d in result.added] == [
        ((P.lower_grille, Op.replace_part), 20_000)
    ]
    assert {d.key for d in result.unchanged} == {
        (P.front_bumper, Op.replace_labour),
        (P.front_bumper, Op.paint),
        (P.left_front_door, Op.repair_labour),
    }
    assert result.delta_fen == 15_000 - 67_500 + 20_000 == counter.total_fen - base.total_fen
    assert (result.base_total_fen, result.counter_total_fen) == (306_000, 273_500)
    assert len(result.lines) == 6


def test_adjuster_decisions_build_the_agreed_estimate() -> None:
    base = scenario_one()
    counter = shop_counter(base)
    agreed = apply_decisions(base, counter, {(P.front_bumper, Op.replace_part)})
    assert agreed.total_fen == base.total_fen + 15_000
    assert amounts(agreed)[(P.left_front_door, Op.paint)] == 67_500  # removal rejected
    assert (P.lower_grille, Op.replace_part) not in agreed.keys  # addition rejected
    accept_removal = apply_decisions(base, counter, {(P.left_front_door, Op.paint)})
    assert accept_removal.total_fen == base.total_fen - 67_500
    with pytest.raises(EstimateInputError) as caught:
        apply_decisions(base, counter, {(P.roof, Op.paint)})
    assert caught.value.code == "estimate.unknown_line"


def test_accept_all_is_the_counter_and_reject_all_is_the_base() -> None:
    base = scenario_one()
    counter = shop_counter(base)
    every = set(base.keys) | set(counter.keys)
    assert apply_decisions(base, counter, every) == counter
    open_keys = {d.key for d in diff(base, counter).lines if d.change is not LineChange.unchanged}
    assert apply_decisions(base, counter, open_keys).total_fen == counter.total_fen
    assert apply_decisions(base, counter, set()) == base
    assert diff(base, base).delta_fen == 0
    assert not diff(base, base).changed
