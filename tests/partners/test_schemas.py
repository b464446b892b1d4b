"""Partner input shapes: strict opening hours, bounded numbers, unknown fields refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from carecover.partners.schemas import LocationCreate, PartnerCreate


def location(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "徐汇店",
        "address": "上海市徐汇区虹漕路461号",
        "lat": 31.188,
        "lng": 121.437,
        "capacity": 6,
        "opening_hours": {"mon": [["08:00", "12:00"], ["13:00", "20:00"]]},
    }
    return body | overrides


def test_opening_hours_are_normalised_to_every_day() -> None:
    hours = LocationCreate.model_validate(
        location(opening_hours={"sat": [["13:00", "24:00"], ["08:00", "12:00"]], "sun": []})
    ).opening_hours
    assert list(hours) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert hours["sat"] == [["08:00", "12:00"], ["13:00", "24:00"]]
    assert hours["mon"] == hours["sun"] == []


def test_always_open_is_a_flag_on_its_own() -> None:
    made = LocationCreate.model_validate(location(opening_hours={"always_open": True}))
    assert made.opening_hours == {"always_open": True}
    assert made.service_radius_km == 15


@pytest.mark.parametrize(
    "hours",
    [
        pytest.param({}, id="empty"),
        pytest.param({"monday": [["08:00", "20:00"]]}, id="unknown-day"),
        pytest.param({"mon": [["20:00", "08:00"]]}, id="start-after-end"),
        pytest.param({"mon": [["08:00", "08:00"]]}, id="zero-length"),
        pytest.param({"mon": [["8:00", "20:00"]]}, id="unpadded"),
        pytest.param({"mon": [["08:00", "24:30"]]}, id="past-midnight"),
        pytest.param({"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}, id="overlap"),
        pytest.param({"mon": [["08:00"]]}, id="half-interval"),
        pytest.param({"mon": "08:00-20:00"}, id="text"),
        pytest.param({"always_open": False}, id="always-open-false"),
        pytest.param({"always_open": 1}, id="always-open-one"),
        pytest.param({"always_open": True, "mon": []}, id="always-open-with-days"),
    ],
)
def test_bad_opening_hours_are_refused(hours: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        LocationCreate.model_validate(location(opening_hours=hours))
    assert [e["loc"] for e in caught.value.errors()] == [("opening_hours",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_radius_km", 0),
        ("service_radius_km", 301),
        ("capacity", -1),
        ("capacity", 10_001),
        ("lat", float("nan")),
        ("lng", 181),
        ("adcode", "31010"),
    ],
)
def test_numbers_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        LocationCreate.model_validate(location(**{field: value}))
    assert caught.value.errors()[0]["loc"] == (field,)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        PartnerCreate.model_validate(
            {
                "organisation_id": "0196a5c0-0000-7000-8000-000000000000",
                "partner_type": "rescue",
                "legal_name": "沪通救援有限公司",
                "city_adcode": "310000",
                "status": "active",
            }
        )
