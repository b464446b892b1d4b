"""Mainland motor-vehicle licence plates (GA 36): blue/yellow fuel plates and green NEV plates."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from carecover.platform.cn.errors import InvalidIdentifier

#: The one-character abbreviations of the 31 mainland provinces, regions and municipalities.
PROVINCES: frozenset[str] = frozenset(
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
)
#: Last characters of plates issued for special uses (embassies, consulates, police, driving
#: schools, trailers, Hong Kong and Macao cross-border vehicles): never a private car's.
SPECIAL_SUFFIXES: frozenset[str] = frozenset("使领警学挂港澳")

# I and O are left out of plates so they cannot be read as 1 and 0.
_LETTERS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_SERIAL = _LETTERS | _DIGITS
# D: pure electric; F: any other new-energy drive (plug-in hybrid, fuel cell).
_NEV_ENERGY = frozenset("DF")
# Separators people type or copy from plate photos (苏E·12345, 京A-12345, 沪A.12345).
_SEPARATORS = str.maketrans("", "", ".-·•・")

PlateKind = Literal["fuel", "nev_small", "nev_large"]


@dataclass(frozen=True, slots=True)
class Plate:
    """A validated plate number and what its characters say."""

    number: str
    province: str
    authority: str
    is_nev: bool
    kind: PlateKind


def normalise_plate(value: str) -> str:
    """Upper case, full-width forms folded (NFKC), separators and whitespace removed."""
    folded = unicodedata.normalize("NFKC", value).upper()
    return "".join(folded.split()).translate(_SEPARATORS)


def validate_plate(value: str, *, private_use: bool = True) -> Plate:
    """Check a plate number and classify it; raise InvalidIdentifier.

    With ``private_use`` (a private customer's car) plates of special-use vehicles are refused.
    """
    number = normalise_plate(value)
    if len(number) < 2:
        raise InvalidIdentifier("plate.format")
    province, authority, serial = number[0], number[1], number[2:]
    if province not in PROVINCES:
        raise InvalidIdentifier("plate.province")
    if authority not in _LETTERS:
        raise InvalidIdentifier("plate.authority")
    kind = _classify(serial, private_use=private_use)
    return Plate(
        number=number,
        province=province,
        authority=authority,
        is_nev=kind != "fuel",
        kind=kind,
    )


def _classify(serial: str, *, private_use: bool) -> PlateKind:
    """The kind of plate the characters after the authority letter make up."""
    if serial[-1:] in SPECIAL_SUFFIXES:
        if len(serial) != 5 or not set(serial[:-1]) <= _SERIAL:
            raise InvalidIdentifier("plate.format")
        if private_use:
            raise InvalidIdentifier("plate.special_use", suffix=serial[-1])
        return "fuel"
    if len(serial) == 5 and set(serial) <= _SERIAL:
        return "fuel"
    if len(serial) == 6:
        # Small NEV (cars): energy letter first, then a letter or digit, then four digits.
        if serial[0] in _NEV_ENERGY and serial[1] in _SERIAL and set(serial[2:]) <= _DIGITS:
            return "nev_small"
        # Large NEV (buses, lorries): five digits, energy letter last.
        if set(serial[:5]) <= _DIGITS and serial[5] in _NEV_ENERGY:
            return "nev_large"
    raise InvalidIdentifier("plate.format")
