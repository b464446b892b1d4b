"""OCPI 2.2.1 shapes as a charge point operator sends them (Locations, EVSEs, Connectors,
Tariffs), with their field names, limits and enumerations; validation errors carry stable codes
(``charging.ocpi.*``) that ``service.ocpi_errors`` turns into translated field problems.

Timestamps are UTC (OCPI: a missing zone designator means UTC). Prices are decimals as sent;
``service.tariffs`` turns them into integer fen, exactly, and refuses what does not fit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from carecover.charging.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    DayOfWeek,
    EvseStatus,
    ParkingType,
    PowerType,
    TariffDimensionType,
    TariffType,
)

LAT_PATTERN = r"^-?[0-9]{1,2}\.[0-9]{5,7}$"
LNG_PATTERN = r"^-?[0-9]{1,3}\.[0-9]{5,7}$"
EVSE_ID_PATTERN = r"^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30}$"
"""eMI3 EVSE ID: country, operator, ``E`` and the power outlet id, e.g. ``CN*TLD*E1012A``."""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _positive(value: int) -> int:
    if value <= 0:
        raise PydanticCustomError("charging.ocpi.not_positive", "must be greater than 0")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "charging.ocpi.time_zone", "not an IANA time zone", {"value": value}
        ) from None
    return value


def _upper(value: str) -> str:
    return value.upper()


def _required(value: Any) -> Any:
    """A PATCH may leave a required field out, not set it to null."""
    if value is None:
        raise PydanticCustomError("charging.ocpi.required", "cannot be null")
    return value


def _unique_connectors(value: list[ConnectorIn]) -> list[ConnectorIn]:
    ids = [c.id for c in value]
    if len(set(ids)) != len(ids):
        raise PydanticCustomError("charging.ocpi.duplicate_connector", "connector ids repeat")
    return value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
CountryCode = Annotated[str, AfterValidator(_upper), Field(pattern=r"^[A-Za-z]{2}$")]
PartyId = Annotated[str, AfterValidator(_upper), Field(pattern=r"^[A-Za-z0-9]{3}$")]
OcpiId = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[\x21-\x7e]+$")]
"""OCPI CiString(36): printable ASCII, no spaces (it becomes a URL segment)."""
Positive = Annotated[int, AfterValidator(_positive)]
Money = Annotated[Decimal, Field(allow_inf_nan=False)]


class OcpiModel(BaseModel):
    """Unknown fields are ignored (a newer peer may send more), known ones are checked."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class DisplayText(OcpiModel):
    language: str = Field(min_length=2, max_length=2)
    text: str = Field(max_length=512)


class GeoLocation(OcpiModel):
    """WGS-84 decimal degrees as strings with 5 to 7 decimals (OCPI's pattern)."""

    latitude: str = Field(pattern=LAT_PATTERN)
    longitude: str = Field(pattern=LNG_PATTERN)

    @model_validator(mode="after")
    def _in_range(self) -> GeoLocation:
        if not -90.0 <= float(self.latitude) <= 90.0:
            raise PydanticCustomError(
                "charging.ocpi.latitude_range", "latitude out of range", {"value": self.latitude}
            )
        if not -180.0 <= float(self.longitude) <= 180.0:
            raise PydanticCustomError(
                "charging.ocpi.longitude_range",
                "longitude out of range",
                {"value": self.longitude},
            )
        return self

    @property
    def lat(self) -> float:
        return float(self.latitude)

    @property
    def lng(self) -> float:
        return float(self.longitude)


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class RegularHours(OcpiModel):
    weekday: int = Field(ge=1, le=7)
    period_begin: str = Field(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
    period_end: str = Field(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


class ExceptionalPeriod(OcpiModel):
    period_begin: UtcDateTime
    period_end: UtcDateTime


class Hours(OcpiModel):
    """Opening times; ``regular_hours`` only when not open 24/7."""

    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Hours:
        if self.twentyfourseven and self.regular_hours:
            raise PydanticCustomError("charging.ocpi.hours", "24/7 with regular hours")
        if not self.twentyfourseven and not self.regular_hours:
            raise PydanticCustomError("charging.ocpi.hours", "neither 24/7 nor regular hours")
        return self


class Image(OcpiModel):
    url: str = Field(max_length=255)
    thumbnail: str | None = Field(default=None, max_length=255)
    category: str = Field(max_length=20)
    type: str = Field(max_length=4)
    width: int | None = Field(default=None, ge=0, le=99999)
    height: int | None = Field(default=None, ge=0, le=99999)


class BusinessDetails(OcpiModel):
    name: str = Field(max_length=100)
    website: str | None = Field(default=None, max_length=255)
    logo: Image | None = None


class StatusSchedule(OcpiModel):
    period_begin: UtcDateTime
    period_end: UtcDateTime | None = None
    status: EvseStatus


class ConnectorIn(OcpiModel):
    """OCPI Connector. Volts are line to neutral on AC_3_PHASE; power in watts."""

    id: OcpiId
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Positive
    max_amperage: Positive
    max_electric_power: Positive | None = None
    tariff_ids: list[OcpiId] | None = None
    terms_and_conditions: str | None = Field(default=None, max_length=255)
    last_updated: UtcDateTime


class EvseIn(OcpiModel):
    """OCPI EVSE: one charging point and its connectors (at least one)."""

    uid: OcpiId
    evse_id: str | None = Field(default=None, max_length=48, pattern=EVSE_ID_PATTERN)
    status: EvseStatus
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[ConnectorIn] = Field(min_length=1)
    floor_level: str | None = Field(default=None, max_length=4)
    coordinates: GeoLocation | None = None
    physical_reference: str | None = Field(default=None, max_length=16)
    directions: list[DisplayText] | None = None
    parking_restrictions: list[str] | None = None
    images: list[Image] | None = None
    last_updated: UtcDateTime

    @field_validator("connectors")
    @classmethod
    def _unique_connectors(cls, value: list[ConnectorIn]) -> list[ConnectorIn]:
        return _unique_connectors(value)


class LocationIn(OcpiModel):
    """OCPI Location as PUT by its operator: the whole object, EVSEs included."""

    country_code: CountryCode
    party_id: PartyId
    id: OcpiId
    publish: bool
    publish_allowed_to: list[dict[str, Any]] | None = None
    name: str | None = Field(default=None, max_length=255)
    address: str = Field(min_length=1, max_length=45)
    city: str = Field(min_length=1, max_length=45)
    postal_code: str | None = Field(default=None, max_length=10)
    state: str | None = Field(default=None, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{3}$")
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EvseIn] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Annotated[str, Field(pattern=r"^[A-Z_]{2,30}$")]] | None = None
    time_zone: Annotated[str, Field(max_length=255), AfterValidator(_time_zone)]
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: dict[str, Any] | None = None
    last_updated: UtcDateTime

    @field_validator("evses")
    @classmethod
    def _unique_evses(cls, value: list[EvseIn] | None) -> list[EvseIn] | None:
        uids = [e.uid for e in value or []]
        if len(set(uids)) != len(uids):
            raise PydanticCustomError("charging.ocpi.duplicate_evse", "EVSE uids repeat")
        return value


class EvsePatch(OcpiModel):
    """OCPI PATCH of an EVSE: only the fields sent change; ``last_updated`` is required."""

    evse_id: str | None = Field(default=None, max_length=48, pattern=EVSE_ID_PATTERN)
    status: EvseStatus | None = None
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[ConnectorIn] | None = Field(default=None, min_length=1)
    floor_level: str | None = Field(default=None, max_length=4)
    coordinates: GeoLocation | None = None
    physical_reference: str | None = Field(default=None, max_length=16)
    directions: list[DisplayText] | None = None
    parking_restrictions: list[str] | None = None
    images: list[Image] | None = None
    last_updated: UtcDateTime

    @field_validator("status", "connectors")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _required(value)

    @field_validator("connectors")
    @classmethod
    def _unique_connectors(cls, value: list[ConnectorIn] | None) -> list[ConnectorIn] | None:
        return _unique_connectors(value) if value is not None else None


class ConnectorPatch(OcpiModel):
    """OCPI PATCH of a connector (a new tariff, a derated power …)."""

    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    max_voltage: Positive | None = None
    max_amperage: Positive | None = None
    max_electric_power: Positive | None = None
    tariff_ids: list[OcpiId] | None = None
    terms_and_conditions: str | None = Field(default=None, max_length=255)
    last_updated: UtcDateTime

    @field_validator("standard", "format", "power_type", "max_voltage", "max_amperage")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return _required(value)


class Price(OcpiModel):
    excl_vat: Money
    incl_vat: Money | None = None


class PriceComponent(OcpiModel):
    """Price per unit excluding VAT: per kWh (ENERGY), per session (FLAT), per hour (TIME,
    PARKING_TIME); billed in ``step_size`` blocks (Wh or seconds)."""

    type: TariffDimensionType
    price: Money
    vat: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    step_size: int = Field(ge=1)


class TariffRestrictions(OcpiModel):
    start_time: str | None = Field(default=None, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
    end_time: str | None = Field(default=None, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
    start_date: str | None = Field(default=None, pattern=r"^[12][0-9]{3}-[01][0-9]-[0-3][0-9]$")
    end_date: str | None = Field(default=None, pattern=r"^[12][0-9]{3}-[01][0-9]-[0-3][0-9]$")
    min_kwh: Annotated[Decimal, Field(ge=0)] | None = None
    max_kwh: Annotated[Decimal, Field(ge=0)] | None = None
    min_current: Annotated[Decimal, Field(ge=0)] | None = None
    max_current: Annotated[Decimal, Field(ge=0)] | None = None
    min_power: Annotated[Decimal, Field(ge=0)] | None = None
    max_power: Annotated[Decimal, Field(ge=0)] | None = None
    min_duration: int | None = Field(default=None, ge=0)
    max_duration: int | None = Field(default=None, ge=0)
    day_of_week: list[DayOfWeek] | None = None
    reservation: str | None = Field(default=None, pattern=r"^(RESERVATION|RESERVATION_EXPIRES)$")


class TariffElement(OcpiModel):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class TariffIn(OcpiModel):
    """OCPI Tariff as PUT by its operator."""

    country_code: CountryCode
    party_id: PartyId
    id: OcpiId
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: str | None = Field(default=None, max_length=255)
    min_price: Price | None = None
    max_price: Price | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: UtcDateTime | None = None
    end_date_time: UtcDateTime | None = None
    energy_mix: dict[str, Any] | None = None
    last_updated: UtcDateTime
