"""Partner use cases: registration, sites, qualifications, admission and suspension."""

# Values are validated here (not in the schemas), so the API, the web, the CLI and the seed get
# the same checks and field-level messages. One module per subject keeps each small; callers
# import this package only.

from carecover.partners.service.locations import (
    CHINA_LAT,
    CHINA_LNG,
    add_location,
    location_read,
)
from carecover.partners.service.partners import (
    CREDIT_CODE_CHARS,
    TRADE_LICENCES,
    activate,
    admission_gaps,
    contact_phone,
    credit_code_check_char,
    get_or_raise,
    is_valid_credit_code,
    normalise_city,
    normalise_contact_phone,
    register_partner,
    suspend,
    to_read,
)
from carecover.partners.service.qualifications import (
    EXPIRING_WITHIN_DAYS,
    add_qualification,
    china_today,
    expiring_qualifications,
    get_qualification_or_raise,
    is_qualified,
    qualification_read,
    qualification_status,
    revoke_qualification,
    verify_qualification,
)

__all__ = [
    "CHINA_LAT",
    "CHINA_LNG",
    "CREDIT_CODE_CHARS",
    "EXPIRING_WITHIN_DAYS",
    "TRADE_LICENCES",
    "activate",
    "add_location",
    "add_qualification",
    "admission_gaps",
    "china_today",
    "contact_phone",
    "credit_code_check_char",
    "expiring_qualifications",
    "get_or_raise",
    "get_qualification_or_raise",
    "is_qualified",
    "is_valid_credit_code",
    "location_read",
    "normalise_city",
    "normalise_contact_phone",
    "qualification_read",
    "qualification_status",
    "register_partner",
    "revoke_qualification",
    "suspend",
    "to_read",
    "verify_qualification",
]
