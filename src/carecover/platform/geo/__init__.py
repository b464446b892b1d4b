"""Places: Chinese cities with coordinates and tiers, address parsing, distances."""

from carecover.platform.geo.address import ParsedAddress, parse_address
from carecover.platform.geo.cities import (
    MUNICIPALITY_CODES,
    City,
    city_adcode,
    city_by_adcode,
    city_by_name,
    prefecture_cities,
)
from carecover.platform.geo.distance import EARTH_RADIUS_KM, Point, haversine_km
from carecover.platform.geo.tiers import CITY_TIERS, DEFAULT_TIER, tier_of

__all__ = [
    "CITY_TIERS",
    "DEFAULT_TIER",
    "EARTH_RADIUS_KM",
    "MUNICIPALITY_CODES",
    "City",
    "ParsedAddress",
    "Point",
    "city_adcode",
    "city_by_adcode",
    "city_by_name",
    "haversine_km",
    "parse_address",
    "prefecture_cities",
    "tier_of",
]
