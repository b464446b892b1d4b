"""OBD-II mode 01 (current data) PIDs, decoded with the public SAE J1979 formulas.

A dongle asks the engine ECU for a PID and gets back ``41 <pid> <data bytes>``; the data bytes
are called A, B, C, D in the standard. Every supported PID is a ``Pid``: its name, unit, how
many data bytes it carries, the J1979 formula, and the range that formula can produce. All of
them except the monitor status (0x01) are one linear formula over the bytes read as one
big-endian unsigned number, ``raw * num / den + offset``: rpm is ``(256A + B) / 4``, coolant is
``A - 40``, the odometer is ``(A·2²⁴ + B·2¹⁶ + C·2⁸ + D) / 10``.

Out-of-range values are impossible by construction: a byte is 0–255, so speed cannot exceed
255 km/h, coolant cannot read below -40 °C, a percentage cannot pass 100 %. ``Pid.minimum`` and
``Pid.maximum`` are exactly the formula at all-zero and all-0xFF bytes (a test pins this). A
value inside that range can still be implausible for the car (250 km/h in a city hatchback, a
control-module voltage of 60 V); judging plausibility is ingest validation's job, not the
decoder's. Floats carry sensor values only; nothing here is money.

Written from the standard's formulas; python-OBD (GPL) is used only as a test oracle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

MODE_01_RESPONSE = 0x41
"""Mode 01 request + 0x40: the first byte of every positive answer."""

NEGATIVE_RESPONSE = 0x7F
"""ISO 14229/15765 negative response: ``7F <mode> <reason>``."""


class ObdDecodeError(ValueError):
    """A response that cannot be decoded; ``code`` is stable for counting and quarantine."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Pid:
    """One mode 01 PID: ``value = ((raw >> shift) & mask) * num / den + offset``."""

    pid: int
    name: str
    unit: str
    length: int
    """Data bytes after the mode and PID bytes."""
    num: int
    den: int
    offset: int
    minimum: float
    maximum: float
    formula: str
    """The J1979 formula in the standard's letters, for docs and staff screens."""
    description: str
    shift: int = 0
    mask: int | None = None

    def value(self, data: bytes) -> float:
        """The physical value of ``data`` (exactly ``length`` bytes, checked by the caller)."""
        raw = int.from_bytes(data, "big") >> self.shift
        if self.mask is not None:
            raw &= self.mask
        # int / int is correctly rounded in Python, so 255 * 100 / 255 is exactly 100.0.
        return raw * self.num / self.den + self.offset


@dataclass(frozen=True, slots=True)
class Reading:
    """A decoded value; ``mil_on`` is set only for the monitor status (PID 0x01)."""

    name: str
    value: float
    unit: str
    mil_on: bool | None = None


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    """PID 0x01: the malfunction indicator lamp, the stored DTC count and the ignition type."""

    mil_on: bool
    dtc_count: int
    compression_ignition: bool
    """True for a diesel (byte B bit 3); decides which readiness monitors apply."""


def _linear(
    pid: int,
    name: str,
    unit: str,
    length: int,
    num: int,
    den: int,
    offset: int,
    formula: str,
    description: str,
) -> Pid:
    """A linear PID with its range computed from the formula at the byte extremes."""
    top = (1 << (8 * length)) - 1
    return Pid(
        pid=pid,
        name=name,
        unit=unit,
        length=length,
        num=num,
        den=den,
        offset=offset,
        minimum=float(offset),
        maximum=top * num / den + offset,
        formula=formula,
        description=description,
    )


def _percent(pid: int, name: str, description: str) -> Pid:
    return _linear(pid, name, "%", 1, 100, 255, 0, "100A/255", description)


def _temperature(pid: int, name: str, description: str) -> Pid:
    return _linear(pid, name, "°C", 1, 1, 1, -40, "A-40", description)


def _word(pid: int, name: str, unit: str, den: int, formula: str, description: str) -> Pid:
    return _linear(pid, name, unit, 2, 1, den, 0, formula, description)


_TABLE: tuple[Pid, ...] = (
    Pid(
        pid=0x01,
        name="monitor_status",
        unit="count",
        length=4,
        num=1,
        den=1,
        offset=0,
        minimum=0.0,
        maximum=127.0,
        formula="A & 0x7F (MIL = A bit 7)",
        description="Monitor status since DTCs cleared: MIL and stored DTC count",
        shift=24,
        mask=0x7F,
    ),
    _percent(0x04, "engine_load", "Calculated engine load"),
    _temperature(0x05, "coolant_temp", "Engine coolant temperature"),
    _word(0x0C, "engine_rpm", "rpm", 4, "(256A+B)/4", "Engine speed"),
    _linear(0x0D, "vehicle_speed", "km/h", 1, 1, 1, 0, "A", "Vehicle speed"),
    _temperature(0x0F, "intake_air_temp", "Intake air temperature"),
    _word(0x10, "maf_rate", "g/s", 100, "(256A+B)/100", "Mass air flow rate"),
    _percent(0x11, "throttle_position", "Absolute throttle position"),
    _word(0x1F, "run_time", "s", 1, "256A+B", "Run time since engine start"),
    _word(0x21, "distance_with_mil", "km", 1, "256A+B", "Distance travelled with the MIL on"),
    _percent(0x2F, "fuel_level", "Fuel tank level input"),
    _word(0x31, "distance_since_clear", "km", 1, "256A+B", "Distance since codes cleared"),
    _word(0x42, "module_voltage", "V", 1000, "(256A+B)/1000", "Control module voltage"),
    _temperature(0x46, "ambient_air_temp", "Ambient air temperature"),
    _percent(0x5B, "hybrid_battery_remaining", "Hybrid battery pack remaining life"),
    _temperature(0x5C, "oil_temp", "Engine oil temperature"),
    _word(0x5E, "fuel_rate", "L/h", 20, "(256A+B)/20", "Engine fuel rate"),
    _linear(
        0xA6, "odometer", "km", 4, 1, 10, 0, "(2^24A+2^16B+2^8C+D)/10", "Odometer (0.1 km steps)"
    ),
)

PIDS: Mapping[int, Pid] = MappingProxyType({p.pid: p for p in _TABLE})
"""Every supported mode 01 PID by number (read-only)."""

PIDS_BY_NAME: Mapping[str, Pid] = MappingProxyType({p.name: p for p in _TABLE})


def decode_pid(pid: int, data: bytes) -> Reading:
    """Decode the data bytes of one mode 01 answer (without the ``41 <pid>`` prefix)."""
    spec = PIDS.get(pid)
    if spec is None:
        raise ObdDecodeError("unknown_pid", f"PID 0x{pid:02X} is not supported")
    if len(data) != spec.length:
        raise ObdDecodeError(
            "wrong_length",
            f"PID 0x{pid:02X} ({spec.name}) carries {spec.length} data bytes, got {len(data)}",
        )
    mil = bool(data[0] & 0x80) if pid == 0x01 else None
    return Reading(spec.name, spec.value(data), spec.unit, mil)


def decode_monitor_status(data: bytes) -> MonitorStatus:
    """PID 0x01 in full: MIL (A bit 7), DTC count (A bits 0–6), diesel flag (B bit 3)."""
    if len(data) != 4:
        raise ObdDecodeError("wrong_length", f"PID 0x01 carries 4 data bytes, got {len(data)}")
    return MonitorStatus(
        mil_on=bool(data[0] & 0x80),
        dtc_count=data[0] & 0x7F,
        compression_ignition=bool(data[1] & 0x08),
    )


def hex_bytes(line: str) -> bytes:
    """The bytes of one ELM327 line: ``"41 0C 1A F8"``, ``"410c1af8"``; strict otherwise.

    Either one unbroken run of hex digits (even length) or space-separated two-digit tokens;
    case and surrounding whitespace do not matter. Anything else raises ``bad_hex``, and the
    adapter's ``NO DATA`` raises ``no_data``.
    """
    tokens = line.split()
    if not tokens:
        raise ObdDecodeError("empty", "empty response")
    if "".join(tokens).upper() == "NODATA":
        raise ObdDecodeError("no_data", "the vehicle did not answer (NO DATA)")
    if len(tokens) > 1 and any(len(token) != 2 for token in tokens):
        raise ObdDecodeError("bad_hex", f"spaced bytes must be two hex digits each: {line!r}")
    compact = "".join(tokens)
    if len(compact) % 2:
        raise ObdDecodeError("bad_hex", f"odd number of hex digits: {line!r}")
    try:
        return bytes.fromhex(compact)
    except ValueError:
        raise ObdDecodeError("bad_hex", f"not hexadecimal: {line!r}") from None


def parse_response(line: str) -> tuple[int, Reading]:
    """One mode 01 answer line, e.g. ``"41 0C 1A F8"`` → ``(0x0C, Reading(engine_rpm, 1726.0))``.

    Errors (``ObdDecodeError.code``): ``empty``, ``no_data``, ``bad_hex``,
    ``negative_response`` (``7F 01 <reason>``), ``wrong_mode`` (not 0x41), ``truncated`` (fewer
    bytes than the PID needs), ``unknown_pid``, ``wrong_length`` (more bytes than it carries).
    """
    raw = hex_bytes(line)
    if raw[0] == NEGATIVE_RESPONSE:
        reason = f"0x{raw[2]:02X}" if len(raw) > 2 else "none given"
        raise ObdDecodeError("negative_response", f"the ECU refused the request (reason {reason})")
    if raw[0] != MODE_01_RESPONSE:
        raise ObdDecodeError("wrong_mode", f"expected a mode 01 answer (0x41), got 0x{raw[0]:02X}")
    if len(raw) < 2:
        raise ObdDecodeError("truncated", "the answer has no PID byte")
    pid, data = raw[1], raw[2:]
    spec = PIDS.get(pid)
    if spec is not None and len(data) < spec.length:
        raise ObdDecodeError(
            "truncated", f"PID 0x{pid:02X} needs {spec.length} data bytes, got {len(data)}"
        )
    return pid, decode_pid(pid, data)


_HEX_DIGITS = "0123456789abcdefABCDEF"
_MEMO_MAX = 4096
"""Decoded answers remembered per PID (dongles repeat the same bytes: a speed, a temperature,
a voltage); under 1 MB per PID, cleared when full."""
_Decoded = tuple[str, float, float | None]
_Spec = tuple[str, int, int, int | None, int, int, int, bool]
_SPECS: dict[str, _Spec] = {
    spelling: (p.name, 2 * p.length, p.shift, p.mask, p.num, p.den, p.offset, p.pid == 1)
    for p in _TABLE
    for spelling in (f"{p.pid:02X}", f"{p.pid:02x}")
}
_MEMO: dict[str, dict[str, _Decoded]] = {spelling: {} for spelling in _SPECS}


def decode_answers(answers: Mapping[str, str]) -> dict[str, float] | None:
    """Mode 01 answers by PID (two hex digits) → values by name, for the ingest hot path.

    Exactly what ``decode_pid(int(pid, 16), bytes.fromhex(data))`` gives for each, with
    ``mil_on`` (1.0 or 0.0) after the monitor status; None when any answer is not plainly a
    supported PID with the right number of hex digits (the caller's strict path then names the
    error).
    """
    out: dict[str, float] = {}
    for pid_hex, data_hex in answers.items():
        memo = _MEMO.get(pid_hex)
        if memo is None:
            return None
        decoded = memo.get(data_hex)
        if decoded is None:
            decoded = _decode_hex(_SPECS[pid_hex], data_hex)
            if decoded is None:
                return None
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[data_hex] = decoded
        name, value, mil = decoded
        out[name] = value
        if mil is not None:
            out["mil_on"] = mil
    return out


def _decode_hex(spec: _Spec, data_hex: str) -> _Decoded | None:
    name, chars, shift, mask, num, den, offset, status = spec
    if len(data_hex) != chars or data_hex.strip(_HEX_DIGITS):
        return None
    raw = int(data_hex, 16) >> shift  # the bytes read big-endian, as ``Pid.value`` reads them
    if mask is not None:
        raw &= mask
    mil = float(bool(int(data_hex[:2], 16) & 0x80)) if status else None
    return name, raw * num / den + offset, mil
