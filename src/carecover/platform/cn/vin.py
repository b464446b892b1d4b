"""Vehicle identification numbers (ISO 3779) with the check digit GB 16735 makes mandatory."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from carecover.platform.cn.errors import InvalidIdentifier

_ALLOWED = frozenset("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
# Letters map to the digits of their position in three runs (A–I, J–R, S–Z); I, O and Q
# never appear in a VIN, so they have no value.
_VALUES: dict[str, int] = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
# Position 9 weighs 0: the check digit itself does not count towards the sum.
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_CHECK_POSITION = 8
_YEAR_POSITION = 9
# Model-year codes from 1980 onwards; the cycle repeats every 30 years (A = 1980, 2010, 2040).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_FIRST_CYCLE_YEAR = 1980
_CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def _normalise(value: str) -> str:
    """Upper-case VIN with its shape checked (17 characters from the VIN alphabet)."""
    vin = value.strip().upper()
    if len(vin) != 17:
        raise InvalidIdentifier("vin.length", length=len(vin))
    if not set(vin) <= _ALLOWED:
        raise InvalidIdentifier("vin.characters")
    return vin


def _check_digit(vin: str) -> str:
    """The check digit of an already-normalised VIN."""
    total = sum(_VALUES[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_check_digit(vin: str) -> str:
    """The check digit ('0'–'9' or 'X') a 17-character VIN must carry at position 9."""
    return _check_digit(_normalise(vin))


def validate_vin(value: str) -> str:
    """The normalised upper-case VIN, or InvalidIdentifier for a malformed or mistyped one."""
    vin = _normalise(value)
    if vin[_CHECK_POSITION] != _check_digit(vin):
        raise InvalidIdentifier("vin.check_digit")
    return vin


def with_check_digit(vin17: str) -> str:
    """The same VIN with position 9 set to its correct check digit (for demo data)."""
    vin = _normalise(vin17)
    return vin[:_CHECK_POSITION] + _check_digit(vin) + vin[_CHECK_POSITION + 1 :]


def model_year(vin: str, *, current_year: int | None = None) -> int | None:
    """The model year coded at position 10, or None when that character is not a year code.

    The code repeats every 30 years, so it resolves to the latest matching year not after
    next year (makers sell next year's models from mid-year).
    """
    code = _normalise(vin)[_YEAR_POSITION]
    index = _YEAR_CODES.find(code)
    if index < 0:
        return None
    latest = (current_year or datetime.now(_CHINA_TIME).year) + 1
    year = _FIRST_CYCLE_YEAR + index
    if year > latest:
        return year
    return year + (latest - year) // 30 * 30
