"""Mobile numbers: libphonenumber validity, mobile type, E.164 output."""

from __future__ import annotations

import pytest

from carecover.platform.cn import InvalidIdentifier, national_digits, normalise_mobile


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("13812345678", "+8613812345678", id="national"),
        pytest.param(" 138 1234 5678 ", "+8613812345678", id="spaced"),
        pytest.param("+86 138-1234-5678", "+8613812345678", id="international-hyphens"),
        pytest.param("(+86)13812345678", "+8613812345678", id="bracketed-code"),
        pytest.param("008613812345678", "+8613812345678", id="00-prefix"),
        pytest.param("19912345678", "+8619912345678", id="199-range"),
        pytest.param("+447911123456", "+447911123456", id="foreign-with-plus"),
    ],
)
def test_valid_mobiles_become_e164(value: str, expected: str) -> None:
    assert normalise_mobile(value) == expected


def test_region_applies_to_numbers_without_country_code() -> None:
    assert normalise_mobile("07911 123456", region="GB") == "+447911123456"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("", "phone.invalid", id="empty"),
        pytest.param("abc", "phone.invalid", id="letters"),
        pytest.param("12345678901", "phone.invalid", id="unallocated-prefix"),
        pytest.param("1381234567", "phone.invalid", id="10-digits"),
        pytest.param("138123456789", "phone.invalid", id="12-digits"),
        pytest.param("02112345678", "phone.not_mobile", id="shanghai-landline"),
        pytest.param("010-12345678", "phone.not_mobile", id="beijing-landline"),
    ],
)
def test_invalid_numbers_name_the_broken_rule(value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_mobile(value)
    assert caught.value.code == code


def test_national_digits() -> None:
    assert national_digits("+8613812345678") == "13812345678"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("+447911123456", id="foreign"),
        pytest.param("13812345678", id="no-country-code"),
        pytest.param("+861381234567", id="too-short"),
    ],
)
def test_national_digits_needs_a_mainland_e164(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match=r"^phone\.not_mainland$"):
        national_digits(value)
