"""Claims use cases. One module per subject: ``fnol`` (first notice of loss), ``photos`` (the
photo-intake checks), ``estimate`` (the shared estimate engine), ``assessment`` (guided assessment
→ the claim's estimate), ``risk`` and ``fast_track`` (the small-claim fast track), ``desk`` (the
adjuster desk), ``payouts``, ``repair`` and ``supplements`` (certified-shop repair), ``timeline``
and ``metrics``.

Claim evidence bundles: the claim's owner and claim handlers get everything (content and salts);
the shop repairing the car gets the commitments; anyone else is told nothing exists.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.models import Claim, RepairOrder
from carecover.claims.service.fnol import (
    MAX_PHOTOS,
    FnolInput,
    add_photos,
    description_of,
    existing,
    new_claim_no,
    place_of,
    policy_in_force,
    report,
)
from carecover.claims.service.photos import RETAKE_CODES
from carecover.customers import repository as customers
from carecover.evidence.service import Disclosure, register_subject
from carecover.partners.models import Partner
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.auth.service import Principal


def claim_disclosure(session: Session, principal: Principal | None, subject_id: str) -> Disclosure:
    if principal is None:
        return Disclosure.none
    try:
        claim = session.get(Claim, uuid.UUID(subject_id))
    except ValueError:
        return Disclosure.none
    if claim is None:
        return Disclosure.none
    if has_permission(principal.role, Permission.claims_handle):
        return Disclosure.full
    if principal.role is Role.owner:
        owner = customers.get_by_user(session, principal.user_id)
        return Disclosure.full if owner and owner.id == claim.customer_id else Disclosure.none
    if principal.organisation_id is not None:
        shop = session.scalars(
            select(RepairOrder.id)
            .join(Partner, Partner.id == RepairOrder.partner_id)
            .where(
                RepairOrder.claim_id == claim.id,
                Partner.organisation_id == principal.organisation_id,
            )
        ).first()
        if shop is not None:
            return Disclosure.commitments
    return Disclosure.none


register_subject("claim", claim_disclosure)

__all__ = [
    "MAX_PHOTOS",
    "RETAKE_CODES",
    "FnolInput",
    "add_photos",
    "claim_disclosure",
    "description_of",
    "existing",
    "new_claim_no",
    "place_of",
    "policy_in_force",
    "report",
]
