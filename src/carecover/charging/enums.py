"""Charging enumerations: the OCPI 2.2.1 values (as OCPI spells them) and the owner's failure
reasons. Values the registry never queries by (facilities, energy sources …) stay plain strings
inside the OCPI objects it keeps."""

from __future__ import annotations

from enum import StrEnum


class EvseStatus(StrEnum):
    """OCPI ``Status``: what an EVSE is doing now, as its operator last said."""

    AVAILABLE = "AVAILABLE"
    """Able to start a new charging session."""
    BLOCKED = "BLOCKED"
    """Not accessible because of a physical barrier (a car parked in the bay)."""
    CHARGING = "CHARGING"
    """In use."""
    INOPERATIVE = "INOPERATIVE"
    """Not yet active, or no longer available."""
    OUTOFORDER = "OUTOFORDER"
    """Currently out of order."""
    PLANNED = "PLANNED"
    """Planned, operating soon."""
    REMOVED = "REMOVED"
    """Discontinued or removed (OCPI deletes an EVSE by this status)."""
    RESERVED = "RESERVED"
    """Reserved for a particular driver."""
    UNKNOWN = "UNKNOWN"
    """No status information (also used when the EVSE is offline)."""


class ConnectorType(StrEnum):
    """OCPI ``ConnectorType``: the socket or plug standard. China's are ``GBT_AC`` (GB/T 20234.2)
    and ``GBT_DC`` (GB/T 20234.3); ``CHAOJI`` is the harmonised CHAdeMO/GB/T successor."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"

    @property
    def is_gbt(self) -> bool:
        """A Chinese national standard plug (GB/T, or ChaoJi which GB/T 20234.4 adopts)."""
        return self in (ConnectorType.GBT_AC, ConnectorType.GBT_DC, ConnectorType.CHAOJI)


GBT_STANDARDS = frozenset({ConnectorType.GBT_AC, ConnectorType.GBT_DC, ConnectorType.CHAOJI})


class ConnectorFormat(StrEnum):
    """OCPI ``ConnectorFormat``: a socket to plug a cable into, or a cable attached."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class PowerType(StrEnum):
    """OCPI ``PowerType``."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"

    @property
    def phases(self) -> int:
        """Phases that carry ``max_amperage`` at ``max_voltage`` (line to neutral)."""
        return {"AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3}.get(self.value, 1)


class Capability(StrEnum):
    """OCPI ``Capability``: what an EVSE can do."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"  # noqa: S105 - an OCPI capability, not a secret
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ParkingType(StrEnum):
    """OCPI ``ParkingType``: where the EVSEs are."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class TariffDimensionType(StrEnum):
    """OCPI ``TariffDimensionType``: what a price component is per."""

    ENERGY = "ENERGY"
    """Per kWh."""
    FLAT = "FLAT"
    """Per session (a start fee)."""
    PARKING_TIME = "PARKING_TIME"
    """Per hour parked without charging."""
    TIME = "TIME"
    """Per hour charging."""


class TariffType(StrEnum):
    """OCPI ``TariffType``: which sessions a tariff applies to (all when absent)."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class DayOfWeek(StrEnum):
    """OCPI ``DayOfWeek`` (tariff restrictions)."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class FailureReason(StrEnum):
    """Why an owner could not charge (what they report; the tow is free whatever the reason)."""

    charger_fault = "charger_fault"
    """The charger shows a fault or does not respond."""
    no_power = "no_power"
    """The session starts but no current flows."""
    session_stopped = "session_stopped"
    """Charging stopped by itself and will not restart."""
    connector_stuck = "connector_stuck"
    """The plug is locked in the car or the socket."""
    payment_failed = "payment_failed"
    """The session cannot be started or paid for."""
    incompatible = "incompatible"
    """The connector does not fit or the car refuses it."""
    bay_blocked = "bay_blocked"
    """The bay is blocked (parked car, barrier), and the car cannot reach another charger."""
    other = "other"
