"""The alert rules' inputs besides a sample (C1): the car's profile, the owner's context (nearest
charger, quiet hours) and the thresholds an insurer tunes. ``rules`` re-exports them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from carecover.telematics.service import rules_tyres
from carecover.vehicles.enums import Powertrain


@dataclass(frozen=True, slots=True)
class VehicleProfile:
    placard_front_kpa: float
    placard_rear_kpa: float
    powertrain: Powertrain = Powertrain.ice
    nominal_12v: float = 12.0  # the low-voltage system; 12 V thresholds scale with it

    def __post_init__(self) -> None:
        if not (self.placard_front_kpa > 0 and self.placard_rear_kpa > 0 and self.nominal_12v > 0):
            raise ValueError("placard pressures and nominal voltage must be positive")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The owner's do-not-disturb window in local time; it may span midnight."""

    start: time = time(22, 0)
    end: time = time(7, 0)
    zone: str = "Asia/Shanghai"

    def contains(self, at: datetime) -> bool:
        local, start, end = at.astimezone(ZoneInfo(self.zone)).time(), self.start, self.end
        return start <= local < end if start <= end else local >= start or local < end


@dataclass(frozen=True, slots=True)
class RuleContext:
    charger_km: float | None = None  # to the nearest charger, when known
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """The thresholds; an insurer tunes them, the tests pin them. Volts are for a 12 V system."""

    tyres: rules_tyres.TyreRules = field(default_factory=rules_tyres.TyreRules)
    clear_samples: int = 3  # readings in a row past the band that end an episode
    low_12v: float = 11.8  # engine off, below this for the sustain: battery_12v_low, warning
    critical_12v: float = 11.0  # ... and below this as long: urgent (it will not crank)
    low_12v_sustain_s: float = 600.0
    clear_12v: float = 12.4
    timer_band_v: float = 0.1  # a sustain timer restarts only this far back above its threshold
    charging_12v: float = 13.0  # engine running, below this for the sustain: charging_fault
    charging_sustain_s: float = 300.0
    charging_clear_12v: float = 13.2
    soc_need_factor: float = 1.5  # range < charger x 1.5 + 10 km: soc_low, warning
    soc_margin_km: float = 10.0
    soc_unreachable_factor: float = 1.2  # range < charger x 1.2 (roads wind): urgent
    soc_clear_band_km: float = 15.0
    soc_fallback_pct: float = 10.0  # SOC below is soc_low, a charger near or not; ends at twice
    pack_warning_c: float = 50.0
    pack_urgent_c: float = 55.0
    pack_clear_c: float = 47.0
    cell_spread_mv: float = 100.0
    cell_clear_mv: float = 80.0
    crash_g: float = 4.0
    crash_min_speed_kmh: float = 10.0
    crash_speed_age_s: float = 30.0  # "before" is the last speed this recent, else the sample's
    crash_episode_s: float = 120.0  # spikes closer than this to the last join the same crash
    max_speed_kmh: float = 400.0
