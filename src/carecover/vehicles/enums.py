"""Vehicle enumerations."""

from __future__ import annotations

from enum import StrEnum


class Powertrain(StrEnum):
    """How the car is driven; everything but ICE carries a traction battery."""

    ice = "ice"
    """Internal combustion engine only (燃油车)."""
    hev = "hev"
    """Hybrid, not pluggable (油电混动)."""
    phev = "phev"
    """Plug-in hybrid, including range extenders (插电混动/增程)."""
    bev = "bev"
    """Battery electric (纯电动)."""
    fcev = "fcev"
    """Fuel-cell electric (燃料电池)."""

    @property
    def is_electrified(self) -> bool:
        return self is not Powertrain.ice

    @property
    def is_nev(self) -> bool:
        """New-energy vehicle in the Chinese sense (green plate): PHEV, BEV, FCEV."""
        return self in (Powertrain.phev, Powertrain.bev, Powertrain.fcev)


class Usage(StrEnum):
    """What the car is used for; it changes prices and packages."""

    private = "private"
    ride_hailing = "ride_hailing"
    fleet = "fleet"
    rental = "rental"


class OdometerSource(StrEnum):
    """Who reported a reading."""

    owner = "owner"
    shop = "shop"
    telematics = "telematics"
    inspection = "inspection"
