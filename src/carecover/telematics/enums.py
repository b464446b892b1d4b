"""Telematics enumerations."""

from __future__ import annotations

from enum import StrEnum


class DeviceKind(StrEnum):
    """What sends a car's telemetry."""

    obd_dongle = "obd_dongle"
    """An OBD-II dongle in the diagnostic port (fuel and hybrid cars)."""
    ev_box = "ev_box"
    """An EV telematics box on the vehicle bus (pack, cells, charging)."""
    phone = "phone"
    """The owner's phone (GPS and motion only)."""


class DeviceStatus(StrEnum):
    active = "active"
    revoked = "revoked"


class RejectReason(StrEnum):
    """Why a reading was refused (each counted; the ingest loop never stops on one)."""

    malformed = "malformed"
    """Not a JSON/msgpack object, or a field of the wrong type."""
    unknown_device = "unknown_device"
    bad_credentials = "bad_credentials"
    revoked_device = "revoked_device"
    bad_sequence = "bad_sequence"
    bad_time = "bad_time"
    """Missing, naive, or too far in the future or past."""
    out_of_range = "out_of_range"
    """NaN, infinity, or a physically absurd value (900 km/h, 20 bar)."""
    duplicate = "duplicate"
    """The same (device, sequence) was stored before: dropped, not an error for the device."""
