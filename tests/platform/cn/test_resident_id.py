"""Resident ID numbers: GB 11643-1999 shape, region, birth date and MOD 11-2 check digit."""

from __future__ import annotations

from datetime import date

import pytest

from carecover.platform.cn import (
    InvalidIdentifier,
    ResidentId,
    resident_id_check_digit,
    validate_resident_id,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "11010519491231002X",
            ResidentId("11010519491231002X", "110105", date(1949, 12, 31), "female"),
            id="standard-example-X",
        ),
        pytest.param(
            " 11010519491231002x\n",
            ResidentId("11010519491231002X", "110105", date(1949, 12, 31), "female"),
            id="lower-case-x-and-whitespace",
        ),
        pytest.param(
            "44030419900307123X",
            ResidentId("44030419900307123X", "440304", date(1990, 3, 7), "male"),
            id="shenzhen-male",
        ),
        pytest.param(
            "320102200002294567",
            ResidentId("320102200002294567", "320102", date(2000, 2, 29), "female"),
            id="leap-day",
        ),
        pytest.param(
            "510107198510120018",
            ResidentId("510107198510120018", "510107", date(1985, 10, 12), "male"),
            id="check-digit-8",
        ),
    ],
)
def test_valid_numbers_are_decoded(value: str, expected: ResidentId) -> None:
    assert validate_resident_id(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("", "resident_id.length", id="empty"),
        pytest.param("11010519491231002", "resident_id.length", id="17-characters"),
        pytest.param("11010519491231002X1", "resident_id.length", id="19-characters"),
        pytest.param("110105194912310", "resident_id.length", id="old-15-digit"),
        pytest.param("1101051949123100XX", "resident_id.format", id="X-not-last"),
        pytest.param("11010519491231002Y", "resident_id.format", id="letter-Y"),
        pytest.param("１１０１０５１９４９１２３１００２X", "resident_id.format", id="full-width"),
        pytest.param("990105194912310021", "resident_id.region", id="province-99"),
        pytest.param("000105194912310021", "resident_id.region", id="province-00"),
        pytest.param("160105194912310021", "resident_id.region", id="province-16"),
        pytest.param("110105194902300026", "resident_id.birth_date", id="february-30"),
        pytest.param("110105194913010026", "resident_id.birth_date", id="month-13"),
        pytest.param("110105189912310023", "resident_id.birth_date", id="before-1900"),
        pytest.param("110105202506020023", "resident_id.birth_date", id="tomorrow"),
        pytest.param("110105194912310021", "resident_id.check_digit", id="check-digit-1-not-X"),
        pytest.param("440304199003071235", "resident_id.check_digit", id="typo-last-digit"),
    ],
)
def test_invalid_numbers_name_the_broken_rule(value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id(value, today=TODAY)
    assert caught.value.code == code
    assert str(caught.value) == code
    assert isinstance(caught.value, ValueError)


def test_length_error_carries_the_length() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id("12345", today=TODAY)
    assert caught.value.params == {"length": 5}


def test_born_today_is_accepted() -> None:
    first17 = "11010520250601002"
    number = first17 + resident_id_check_digit(first17)
    assert validate_resident_id(number, today=TODAY).birth_date == TODAY


def test_default_today_accepts_a_past_birth_date() -> None:
    assert validate_resident_id("11010519491231002X").sex == "female"


@pytest.mark.parametrize(
    ("first17", "digit"),
    [
        pytest.param("11010519491231002", "X", id="X"),
        pytest.param("32010220000229456", "7", id="7"),
        pytest.param("51010719851012001", "8", id="8"),
    ],
)
def test_check_digit(first17: str, digit: str) -> None:
    assert resident_id_check_digit(first17) == digit


@pytest.mark.parametrize("first17", ["1101051949123100", "1101051949123100A", ""])
def test_check_digit_needs_17_digits(first17: str) -> None:
    with pytest.raises(InvalidIdentifier, match=r"^resident_id\.format$"):
        resident_id_check_digit(first17)
