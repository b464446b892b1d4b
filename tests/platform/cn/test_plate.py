"""Licence plates: province, issuing office, fuel and new-energy serials, special uses."""

from __future__ import annotations

import pytest

from carecover.platform.cn import InvalidIdentifier, Plate, validate_plate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("京A12345", Plate("京A12345", "京", "A", False, "fuel"), id="beijing-fuel"),
        pytest.param(
            "川A1B2C3", Plate("川A1B2C3", "川", "A", False, "fuel"), id="letters-in-serial"
        ),
        pytest.param("琼B0000Q", Plate("琼B0000Q", "琼", "B", False, "fuel"), id="hainan"),
        pytest.param(
            " 苏E·12345 ", Plate("苏E12345", "苏", "E", False, "fuel"), id="middle-dot-stripped"
        ),
        pytest.param("京a-123 45", Plate("京A12345", "京", "A", False, "fuel"), id="lower-hyphen"),
        pytest.param(
            "京Ａ１２３４５", Plate("京A12345", "京", "A", False, "fuel"), id="full-width"
        ),
        pytest.param(
            "沪AD12345", Plate("沪AD12345", "沪", "A", True, "nev_small"), id="small-nev-electric"
        ),
        pytest.param(
            "浙AFA2345", Plate("浙AFA2345", "浙", "A", True, "nev_small"), id="small-nev-hybrid"
        ),
        pytest.param(
            "粤B12345D", Plate("粤B12345D", "粤", "B", True, "nev_large"), id="large-nev-electric"
        ),
        pytest.param(
            "鄂A.12345F", Plate("鄂A12345F", "鄂", "A", True, "nev_large"), id="large-nev-hybrid"
        ),
    ],
)
def test_valid_plates_are_classified(value: str, expected: Plate) -> None:
    assert validate_plate(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("", "plate.format", id="empty"),
        pytest.param("京", "plate.format", id="province-only"),
        pytest.param("XA12345", "plate.province", id="latin-first"),
        pytest.param("港A12345", "plate.province", id="not-a-province"),
        pytest.param("京I12345", "plate.authority", id="authority-I"),
        pytest.param("京O12345", "plate.authority", id="authority-O"),
        pytest.param("京112345", "plate.authority", id="authority-digit"),
        pytest.param("京A1234", "plate.format", id="too-short"),
        pytest.param("京A123456", "plate.format", id="six-digits-no-energy-letter"),
        pytest.param("京A1234567", "plate.format", id="too-long"),
        pytest.param("京A12I45", "plate.format", id="I-in-serial"),
        pytest.param("京A12O45", "plate.format", id="O-in-serial"),
        pytest.param("浙AF1A234", "plate.format", id="small-nev-letter-late"),
        pytest.param("沪AE12345", "plate.format", id="small-nev-bad-energy"),
        pytest.param("粤B1234DD", "plate.format", id="large-nev-letter-early"),
        pytest.param("京A1234警", "plate.special_use", id="police"),
        pytest.param("粤Z1234港", "plate.special_use", id="hong-kong-cross-border"),
        pytest.param("京A1234学", "plate.special_use", id="driving-school"),
        pytest.param("京A12警", "plate.format", id="police-too-short"),
    ],
)
def test_invalid_plates_name_the_broken_rule(value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_plate(value)
    assert caught.value.code == code


def test_special_use_error_names_the_suffix() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_plate("京A1234警")
    assert caught.value.params == {"suffix": "警"}


@pytest.mark.parametrize(
    "value", [pytest.param(v, id=v) for v in ["京A1234警", "粤Z1234港", "粤Z1234澳", "苏A1234挂"]]
)
def test_special_plates_are_accepted_for_fleet_use(value: str) -> None:
    plate = validate_plate(value, private_use=False)
    assert plate.number == value
    assert plate.kind == "fuel"
    assert not plate.is_nev


def test_fleet_use_still_checks_the_shape() -> None:
    with pytest.raises(InvalidIdentifier, match=r"^plate\.format$"):
        validate_plate("京A12警", private_use=False)
