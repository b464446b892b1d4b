"""China-specific identifiers: resident ID, VIN, licence plate, mobile number."""

from carecover.platform.cn.errors import InvalidIdentifier
from carecover.platform.cn.phone import national_digits, normalise_mobile
from carecover.platform.cn.plate import Plate, PlateKind, normalise_plate, validate_plate
from carecover.platform.cn.resident_id import (
    ResidentId,
    resident_id_check_digit,
    validate_resident_id,
)
from carecover.platform.cn.vin import model_year, validate_vin, vin_check_digit, with_check_digit

__all__ = [
    "InvalidIdentifier",
    "Plate",
    "PlateKind",
    "ResidentId",
    "model_year",
    "national_digits",
    "normalise_mobile",
    "normalise_plate",
    "resident_id_check_digit",
    "validate_plate",
    "validate_resident_id",
    "validate_vin",
    "vin_check_digit",
    "with_check_digit",
]
