"""VINs: 17 characters from the VIN alphabet and the position-9 check digit."""

from __future__ import annotations

import pytest

from carecover.platform.cn import (
    InvalidIdentifier,
    model_year,
    validate_vin,
    vin_check_digit,
    with_check_digit,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1M8GDM9AXKP042788", "1M8GDM9AXKP042788", id="published-example-X"),
        pytest.param(" 1m8gdm9axkp042788 ", "1M8GDM9AXKP042788", id="lower-case-padded"),
        pytest.param("11111111111111111", "11111111111111111", id="all-ones"),
        pytest.param("LSVAU218XN2183294", "LSVAU218XN2183294", id="saic-vw-LSV"),
        pytest.param("LFV2A21K1J3012345", "LFV2A21K1J3012345", id="faw-vw-LFV"),
        pytest.param("LGBH52E01KY123456", "LGBH52E01KY123456", id="dongfeng-nissan-LGB"),
        pytest.param("LRW3E7FS1PC123456", "LRW3E7FS1PC123456", id="tesla-shanghai-LRW"),
        pytest.param("LB1WA5887N8012345", "LB1WA5887N8012345", id="LB1"),
    ],
)
def test_valid_vins_are_normalised(value: str, expected: str) -> None:
    assert validate_vin(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("", "vin.length", id="empty"),
        pytest.param("LSVAU218XN218329", "vin.length", id="16-characters"),
        pytest.param("LSVAU218XN21832945", "vin.length", id="18-characters"),
        pytest.param("LSVAU218XN2I83294", "vin.characters", id="letter-I"),
        pytest.param("LSVAU218XN2O83294", "vin.characters", id="letter-O"),
        pytest.param("LSVAU218XN2Q83294", "vin.characters", id="letter-Q"),
        pytest.param("LSVAU218XN-183294", "vin.characters", id="hyphen"),
        pytest.param("LSVAU218XN2183２94", "vin.characters", id="full-width-digit"),
        pytest.param("LSVAU2180N2183294", "vin.check_digit", id="wrong-check-digit"),
        pytest.param("LSVAU218XN2183295", "vin.check_digit", id="typo-in-serial"),
        pytest.param("WP0ZZZ99ZTS392124", "vin.check_digit", id="european-Z-filler"),
    ],
)
def test_invalid_vins_name_the_broken_rule(value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_vin(value)
    assert caught.value.code == code


def test_length_error_carries_the_length() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_vin("LSV123")
    assert caught.value.params == {"length": 6}


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        pytest.param("1M8GDM9AXKP042788", "X", id="X"),
        pytest.param("LB1WA5880N8012345", "7", id="ignores-position-9"),
        pytest.param("11111111111111111", "1", id="all-ones"),
    ],
)
def test_check_digit(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit


@pytest.mark.parametrize(
    "draft",
    [
        pytest.param("LSVAU2180N2183294", id="LSV"),
        pytest.param("LFV3B28R0M3000001", id="LFV"),
        pytest.param("LGBF1AE00PR400123", id="LGB"),
        pytest.param("LRW3E7EK0PC900001", id="LRW"),
        pytest.param("LB1WA5880P8000042", id="LB1"),
        pytest.param("lsgbc5e40rf123456", id="lower-case"),
    ],
)
def test_with_check_digit_makes_valid_vins(draft: str) -> None:
    vin = with_check_digit(draft)
    assert validate_vin(vin) == vin
    assert vin[:8] + vin[9:] == draft.upper()[:8] + draft.upper()[9:]
    assert with_check_digit(vin) == vin


def test_with_check_digit_fixes_the_example() -> None:
    assert with_check_digit("LSVAU2180N2183294") == "LSVAU218XN2183294"


def test_with_check_digit_still_checks_the_shape() -> None:
    with pytest.raises(InvalidIdentifier, match=r"^vin\.characters$"):
        with_check_digit("LSVAU2180N21832I4")


@pytest.mark.parametrize(
    ("code", "current_year", "year"),
    [
        pytest.param("K", 2025, 2019, id="K-2019"),
        pytest.param("K", 2000, 1989, id="K-1989-when-2019-is-future"),
        pytest.param("Y", 2025, 2000, id="Y-2000"),
        pytest.param("1", 2025, 2001, id="1-2001"),
        pytest.param("9", 2025, 2009, id="9-2009"),
        pytest.param("A", 2025, 2010, id="A-2010"),
        pytest.param("S", 2025, 2025, id="S-2025"),
        pytest.param("T", 2025, 2026, id="T-next-year"),
        pytest.param("V", 2025, 1997, id="V-1997-not-2027"),
        pytest.param("B", 2040, 2041, id="B-next-cycle"),
    ],
)
def test_model_year(code: str, current_year: int, year: int) -> None:
    vin = with_check_digit(f"LSVAU2180{code}2183294")
    assert model_year(vin, current_year=current_year) == year


@pytest.mark.parametrize("code", ["0", "U", "Z"])
def test_model_year_unknown_code(code: str) -> None:
    assert model_year(f"LSVAU2180{code}2183294", current_year=2025) is None


def test_model_year_default_current_year() -> None:
    assert model_year("1M8GDM9AXKP042788") in {2019, 2049}
