"""Diagnostic trouble codes (SAE J2012): two bytes on the wire, five characters on screen.

A DTC travels as two bytes. The top two bits of the first pick the system (00 P powertrain,
01 C chassis, 10 B body, 11 U network), the next two the first digit (0–3), and the remaining
twelve bits are three hex digits: ``01 33`` is P0133, ``C1 21`` is U0121. Mode 03 answers carry
them in pairs (``parse_mode03``).

Generic or manufacturer (J2012): P0, P2 and P34–P3F are SAE-defined, P1 and P30–P33 belong to
the maker; for C, B and U the digit 0 is SAE, 1 and 2 are the maker's, 3 is reserved by SAE
(counted as generic here).

``dtc_codes.json`` is the project's own table of a few hundred common generic codes, with
descriptions written for CareCover in Chinese and English and a severity class:

- ``stop_now``: driving on risks people or serious damage. Misfires (P0300–P0312, P0314):
  unburnt fuel overheats the catalytic converter, a fire and damage risk, which is why the MIL
  flashes. Engine or transmission overheating (P0217, P0218) and low oil pressure (P0524):
  minutes of driving can wreck the engine or gearbox. A high-voltage isolation fault (P0AA6):
  shock hazard. Airbag and collapsible-column deployment circuits (B0001–B0029) and a lost
  airbag module (U0151): the restraint may not fire in a crash.
- ``service_soon``: drivable, but a system is degraded or the fault grows: sensors feeding fuel
  or ignition control, transmission, ABS/ESC wheel speed sensors, charging, module networks.
  The oil pressure *sensor* codes (P0520–P0523) sit here: the reading is untrustworthy, not
  proven low (P0524 is the proven-low code).
- ``info``: emissions monitoring or comfort only, no effect on safety or driveability: small
  EVAP leaks and valves, downstream O2 sensors (they only watch the catalyst), secondary air,
  the A/C pressure sensor, climate and radio modules, an unprogrammed VIN.

A well-formed code outside the table is ``known=False`` with the text "unknown code" and its
system's default: ``stop_now`` in the restraints range B0000–B00FF, ``service_soon`` elsewhere
(an unknown code is never assumed harmless).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Literal

from carecover.telematics.service.obd import ObdDecodeError, hex_bytes

System = Literal["powertrain", "chassis", "body", "network"]
Severity = Literal["stop_now", "service_soon", "info"]

SEVERITIES: tuple[Severity, ...] = ("stop_now", "service_soon", "info")
SYSTEMS: Mapping[str, System] = MappingProxyType(
    {"P": "powertrain", "C": "chassis", "B": "body", "U": "network"}
)
_LETTERS = "PCBU"
CODE_PATTERN = re.compile(r"[PCBU][0-3][0-9A-F]{3}")
"""A J2012 code: system letter, digit 0–3, three hex digits."""

MODE_03_RESPONSE = 0x43
_NEGATIVE_RESPONSE = 0x7F
_LEGACY_DATA_BYTES = 6
"""J1850/ISO 9141/KWP answers: always three code slots, empty ones 00 00."""
_CAN_FRAME_BYTES = 7
_FRAME_LINE = re.compile(r"([0-9A-Fa-f]):(.*)")
_LENGTH_LINE = re.compile(r"[0-9A-Fa-f]{3}")
_UNKNOWN_EN = "unknown code"
_UNKNOWN_ZH = "未知故障码"
_TABLE_PACKAGE = "carecover.telematics.service"
_TABLE_FILE = "dtc_codes.json"


class DtcError(ObdDecodeError):
    """A malformed code, byte pair or mode 03 answer; ``code`` is stable for counting."""


@dataclass(frozen=True, slots=True)
class DtcInfo:
    """What a code means, for the owner's card and the alert rules."""

    code: str
    system: System
    generic: bool
    severity: Severity
    text_zh: str
    text_en: str
    known: bool


def validate_code(code: str) -> str:
    """The code in canonical form (upper case, no blanks); ``bad_code`` when it is not J2012."""
    canonical = code.strip().upper()
    if not CODE_PATTERN.fullmatch(canonical):
        raise DtcError(
            "bad_code",
            f"{code!r} is not a trouble code: expected P, C, B or U, a digit 0-3 and three "
            "hex digits (e.g. P0133)",
        )
    return canonical


def decode_dtc_bytes(b1: int, b2: int) -> str:
    """Two wire bytes → the code: ``(0x01, 0x33)`` → ``"P0133"``, ``(0xC1, 0x21)`` → ``"U0121"``."""
    for value in (b1, b2):
        if not 0 <= value <= 0xFF:
            raise DtcError("bad_byte", f"a DTC byte is 0-255, got {value}")
    return f"{_LETTERS[b1 >> 6]}{(b1 >> 4) & 0x3}{b1 & 0xF:X}{b2:02X}"


def encode_dtc(code: str) -> tuple[int, int]:
    """The code → its two wire bytes; the inverse of ``decode_dtc_bytes``."""
    canonical = validate_code(code)
    first = _LETTERS.index(canonical[0]) << 6 | int(canonical[1]) << 4 | int(canonical[2], 16)
    return first, int(canonical[3:], 16)


def is_generic(code: str) -> bool:
    """SAE-defined (True) or manufacturer-specific (False), per J2012's number ranges."""
    canonical = validate_code(code)
    letter, digit = canonical[0], canonical[1]
    if letter == "P":
        if digit == "3":
            return canonical[2] not in "0123"  # P30–P33 maker, P34–P3F SAE
        return digit in "02"
    return digit in "03"


def default_severity(code: str) -> Severity:
    """The class for a code outside the table: restraints stop now, anything else soon."""
    return "stop_now" if validate_code(code).startswith("B00") else "service_soon"


def _pairs(data: bytes) -> Iterator[str]:
    """Codes from consecutive byte pairs, skipping 00 00 (an empty slot, not P0000)."""
    for i in range(0, len(data) - 1, 2):
        if data[i] or data[i + 1]:
            yield decode_dtc_bytes(data[i], data[i + 1])


def _check_mode(payload: bytes) -> None:
    if payload[0] == _NEGATIVE_RESPONSE:
        raise DtcError("negative_response", "the ECU refused the mode 03 request")
    if payload[0] != MODE_03_RESPONSE:
        raise DtcError("wrong_mode", f"expected a mode 03 answer (0x43), got 0x{payload[0]:02X}")


def _can_codes(payload: bytes, free_tail: int = 0) -> list[str]:
    """``43 <count> <pairs…>``: exactly ``count`` codes.

    Bytes after the announced codes must be zero, except for up to ``free_tail`` bytes of any
    value (ISO-TP padding at the end of an unmeasured multi-frame answer).
    """
    _check_mode(payload)
    if len(payload) < 2:
        raise DtcError("truncated", "the mode 03 answer has no DTC count byte")
    count, body = payload[1], payload[2:]
    if len(body) < 2 * count:
        raise DtcError("truncated", f"{count} codes announced, {len(body) // 2} present")
    rest = body[2 * count :]
    if len(rest) > free_tail and any(rest):
        raise DtcError("bad_count", f"{count} codes announced but more data follows")
    return list(_pairs(body[: 2 * count]))


def _single_line(payload: bytes) -> list[str]:
    """One unframed line: CAN (odd byte count after 0x43) or legacy (always six bytes)."""
    _check_mode(payload)
    data_len = len(payload) - 1
    if data_len % 2:
        return _can_codes(payload)
    if data_len == 0:
        raise DtcError("truncated", "the mode 03 answer has no data")
    if data_len != _LEGACY_DATA_BYTES:
        raise DtcError("bad_length", f"a legacy mode 03 line carries 6 data bytes, got {data_len}")
    return list(_pairs(payload[1:]))


def _multi_frame(declared: int | None, frames: list[bytes]) -> list[str]:
    """An ELM327 multi-frame answer (``00A`` then ``0: …``, ``1: …``) as one payload."""
    payload = b"".join(frames)
    if declared is not None:
        if len(payload) < declared:
            raise DtcError("truncated", f"{declared} bytes announced, {len(payload)} received")
        return _can_codes(payload[:declared])
    # No length line: the last consecutive frame may end in ISO-TP padding of any value.
    return _can_codes(payload, free_tail=_CAN_FRAME_BYTES - 1)


def _bytes(line: str) -> bytes:
    try:
        return hex_bytes(line)
    except ObdDecodeError as exc:
        raise DtcError(exc.code, exc.message) from None


def parse_mode03(text: str) -> list[str]:
    """Stored codes from a mode 03 answer, in order, each once; ``[]`` when none are stored.

    Accepts, with or without spaces and in any case: legacy lines (``43 01 33 00 00 00 00``,
    one line per three codes, 00 00 slots ignored), CAN single frames (``43 02 01 33 03 01``,
    the count byte checked), ELM327 multi-frame answers (optional three-digit length line, then
    ``0:``, ``1:`` … frames in sequence), and several ECUs' answers one after another. Adapter
    headers (``ATH1``) are not accepted. Errors (``DtcError.code``): ``empty``, ``no_data``,
    ``bad_hex``, ``wrong_mode``, ``negative_response``, ``truncated``, ``bad_count``,
    ``bad_length``, ``bad_frame``.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise DtcError("empty", "empty response")
    codes: list[str] = []
    declared: int | None = None
    frames: list[bytes] | None = None
    for line in lines:
        frame = _FRAME_LINE.fullmatch(line)
        if frame is not None:
            index = int(frame.group(1), 16)
            if frames is None:
                frames = []
            if index != len(frames) % 16:
                raise DtcError("bad_frame", f"frame {index:X} arrived, {len(frames) % 16:X} due")
            frames.append(_bytes(frame.group(2)))
            continue
        if frames is not None:
            codes += _multi_frame(declared, frames)
            frames, declared = None, None
        elif declared is not None:
            raise DtcError("bad_frame", "a length line must be followed by numbered frames")
        if _LENGTH_LINE.fullmatch(line):
            declared, frames = int(line, 16), None
            continue
        codes += _single_line(_bytes(line))
    if frames is not None:
        codes += _multi_frame(declared, frames)
    elif declared is not None:
        raise DtcError("truncated", "a length line with no frames after it")
    return list(dict.fromkeys(codes))


def _read_table() -> dict[str, Any]:
    text = files(_TABLE_PACKAGE).joinpath(_TABLE_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@lru_cache(maxsize=1)
def known_codes() -> Mapping[str, DtcInfo]:
    """The project table by code, validated once: well-formed, unique, texts and severity set."""
    by_name: dict[str, Severity] = {severity: severity for severity in SEVERITIES}
    table: dict[str, DtcInfo] = {}
    for row in _read_table()["codes"]:
        code = row["code"]
        if validate_code(code) != code or code in table:
            raise DtcError("bad_table", f"{code!r} is not canonical or appears twice")
        severity = by_name.get(row["severity"])
        if severity is None or not row["en"].strip() or not row["zh"].strip():
            raise DtcError("bad_table", f"{code}: severity and both texts are required")
        table[code] = DtcInfo(
            code=code,
            system=SYSTEMS[code[0]],
            generic=is_generic(code),
            severity=severity,
            text_zh=row["zh"],
            text_en=row["en"],
            known=True,
        )
    return MappingProxyType(table)


def classify(code: str) -> DtcInfo:
    """Everything CareCover knows about a code; unknown but well-formed codes still classify."""
    canonical = validate_code(code)
    info = known_codes().get(canonical)
    if info is not None:
        return info
    return DtcInfo(
        code=canonical,
        system=SYSTEMS[canonical[0]],
        generic=is_generic(canonical),
        severity=default_severity(canonical),
        text_zh=_UNKNOWN_ZH,
        text_en=_UNKNOWN_EN,
        known=False,
    )
