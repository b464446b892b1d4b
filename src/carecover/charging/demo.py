"""The demo operators' status feed: what a real charge point operator's back office would push.

Every EVSE of a ``simulated`` party gets its status restated through the OCPI PATCH path (so the
history, the ordering and the trust window work as they do for a real operator): most keep their
status, some free points start charging and some sessions end, an out-of-order point is now and
then repaired. Without the feed a demo's statuses would age past ``STATUS_STALE_AFTER`` and no
charger would be offered as available.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging.enums import EvseStatus
from carecover.charging.errors import StaleUpdate
from carecover.charging.models import ChargingLocation, ChargingParty, Evse
from carecover.charging.service import registry
from carecover.platform.context import Actor

_NEXT = {
    EvseStatus.AVAILABLE: ((0.12, EvseStatus.CHARGING),),
    EvseStatus.CHARGING: ((0.25, EvseStatus.AVAILABLE),),
    EvseStatus.BLOCKED: ((0.5, EvseStatus.AVAILABLE),),
    EvseStatus.OUTOFORDER: ((0.02, EvseStatus.AVAILABLE),),
}


def next_status(current: EvseStatus, rng: random.Random) -> EvseStatus:
    roll = rng.random()
    for chance, status in _NEXT.get(current, ()):
        if roll < chance:
            return status
    return current


def refresh_statuses(session: Session, now: datetime, *, seed: int | None = None) -> int:
    """Restate every simulated EVSE's status at ``now``; returns how many changed."""
    rng = random.Random(seed if seed is not None else now.isoformat())
    rows = session.execute(
        select(
            ChargingLocation.country_code,
            ChargingLocation.party_id,
            ChargingLocation.ocpi_id,
            Evse.uid,
            Evse.status,
        )
        .join(Evse, Evse.location_id == ChargingLocation.id)
        .join(
            ChargingParty,
            (ChargingParty.country_code == ChargingLocation.country_code)
            & (ChargingParty.party_id == ChargingLocation.party_id),
        )
        .where(ChargingParty.simulated.is_(True), Evse.status != EvseStatus.REMOVED)
        .order_by(ChargingLocation.ocpi_id, Evse.uid)
    ).all()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    actor = Actor.system("charging-demo-feed")
    changed = 0
    for cc, pid, location_id, uid, status in rows:
        new = next_status(status, rng)
        changed += new is not status
        try:
            registry.patch_evse(
                session,
                actor,
                cc,
                pid,
                location_id,
                uid,
                {"status": new.value, "last_updated": stamp},
                now=now,
            )
        except StaleUpdate:
            continue  # a newer real update arrived meanwhile: it stands
    return changed
