"""Free-text mainland addresses split into province, city, district and the rest (via cpca)."""

from __future__ import annotations

from dataclasses import dataclass

from carecover.platform.cn.errors import InvalidIdentifier
from carecover.platform.geo.cities import MUNICIPALITY_CODES

# cpca's names for the administrative rows under a municipality and for the placeholder above
# county-level cities that a province runs directly (仙桃市, 济源市, 石河子市 …).
_MUNICIPAL_CITY_ROWS = frozenset({"市辖区", "县"})
_DIRECT_COUNTY_ROWS = frozenset({"省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address as administrative divisions plus the street-level remainder."""

    province: str
    city: str
    district: str | None
    detail: str
    adcode: str
    city_adcode: str


def parse_address(text: str) -> ParsedAddress:
    """Recognise the province, city and district in an address; raise InvalidIdentifier."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidIdentifier("address.empty")
    # cpca builds its matcher and pulls in pandas on import: pay for that only when used.
    import cpca

    record = cpca.transform([cleaned]).iloc[0]
    province = _text(record["省"])
    city = _text(record["市"])
    district = _text(record["区"])
    adcode = _text(record["adcode"])
    if province is None or adcode is None:
        raise InvalidIdentifier("address.unrecognised")
    if adcode[:2] in MUNICIPALITY_CODES:
        # A municipality is its own city: 上海市 rather than cpca's 市辖区.
        city, city_adcode = province, adcode[:2] + "0000"
    elif city in _DIRECT_COUNTY_ROWS and district is not None:
        # A county-level city run by the province stands in for the prefecture it lacks.
        city, city_adcode = district, adcode
    elif city is None or city in _MUNICIPAL_CITY_ROWS:
        # Only a province (浙江省…), or Hong Kong, Macao or Taiwan, which have no cities here.
        raise InvalidIdentifier("address.unrecognised")
    else:
        city_adcode = adcode[:4] + "00"
    return ParsedAddress(
        province=province,
        city=city,
        district=district,
        detail=_text(record["地址"]) or "",
        adcode=adcode,
        city_adcode=city_adcode,
    )


def _text(value: object) -> str | None:
    """A non-empty string cell, or None (cpca leaves None, pandas may leave NaN)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
