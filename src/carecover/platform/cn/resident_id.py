"""Mainland resident identity card numbers (GB 11643-1999, 18 characters)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from carecover.platform.cn.errors import InvalidIdentifier

# ISO 7064 MOD 11-2: weight i is 2^(17-i) mod 11; the remainder picks the check character.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
# [0-9] rather than \d: \d also matches full-width and other Unicode digits.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17 = re.compile(r"[0-9]{17}")
_EARLIEST_BIRTH = date(1900, 1, 1)
# China has had no daylight saving time since 1991, so a fixed offset is exact.
_CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")

#: The first two digits of every province-level division: GB/T 2260's codes (71 is Taiwan),
#: plus 81/82/83, which the residence permits of Hong Kong, Macao and Taiwan residents carry.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        *(str(n) for n in range(11, 16)),
        *(str(n) for n in range(21, 24)),
        *(str(n) for n in range(31, 38)),
        *(str(n) for n in range(41, 47)),
        *(str(n) for n in range(50, 55)),
        *(str(n) for n in range(61, 66)),
        "71",
        "81",
        "82",
        "83",
    }
)

Sex = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated resident ID number and what it encodes."""

    number: str
    region_code: str
    birth_date: date
    sex: Sex


def resident_id_check_digit(first17: str) -> str:
    """The check character ('0'–'9' or 'X') for the first 17 digits of an ID number."""
    if not _DIGITS17.fullmatch(first17):
        raise InvalidIdentifier("resident_id.format")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def validate_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Check an 18-character resident ID number and decode it; raise InvalidIdentifier."""
    number = value.strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier("resident_id.length", length=len(number))
    if not _SHAPE.fullmatch(number):
        raise InvalidIdentifier("resident_id.format")
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdentifier("resident_id.region")
    birth_date = _birth_date(number[6:14], today or datetime.now(_CHINA_TIME).date())
    if resident_id_check_digit(number[:17]) != number[17]:
        raise InvalidIdentifier("resident_id.check_digit")
    # The 17th digit is the sequence number's last: odd for men, even for women.
    sex: Sex = "male" if int(number[16]) % 2 else "female"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth_date, sex=sex)


def _birth_date(yyyymmdd: str, today: date) -> date:
    """The encoded birth date, which must be a real day from 1900 up to today."""
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise InvalidIdentifier("resident_id.birth_date") from None
    if not _EARLIEST_BIRTH <= born <= today:
        raise InvalidIdentifier("resident_id.birth_date")
    return born
