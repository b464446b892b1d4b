"""Mobile numbers, stored as E.164 (+8613812345678) and checked against libphonenumber's data."""

from __future__ import annotations

import re

import phonenumbers

from carecover.platform.cn.errors import InvalidIdentifier

# Numbers that could be either (the US and Canada share one plan) count as mobile.
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_MAINLAND_E164 = re.compile(r"\+86([0-9]{11})")


def normalise_mobile(value: str, region: str = "CN") -> str:
    """The E.164 form of a valid mobile number; ``region`` applies to numbers without +code."""
    try:
        parsed = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("phone.invalid") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidIdentifier("phone.invalid")
    if phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise InvalidIdentifier("phone.not_mobile")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national_digits(e164: str) -> str:
    """The 11 national digits of a +86 mobile number in E.164 form (+8613812345678 → 138…)."""
    match = _MAINLAND_E164.fullmatch(e164.strip())
    if match is None:
        raise InvalidIdentifier("phone.not_mainland")
    return match.group(1)
