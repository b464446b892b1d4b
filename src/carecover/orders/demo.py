"""The demo world's autopilot (``make run`` only, never in production): it plays the part of the
partners nobody signs in for — accepts their offers after a few seconds, drives the unit to the
car at the travel model's speed, works on site for a while and completes the job — so the owner's
tracking page and the dispatch board move. The demo partner accounts' own offers are left to the
person signed in as that partner."""

from __future__ import annotations

import math
import threading
import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.models import Offer, ProviderUnit, ServiceOrder
from carecover.orders.service import dispatching, steps
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.partners.repository import nearest_locations
from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.geo import Point, haversine_km

log = structlog.get_logger(__name__)
ACCEPT_AFTER = timedelta(seconds=8)
ON_SITE_FOR = timedelta(seconds=90)
ARRIVED_KM = 0.05


def _actor(partner: Partner) -> Actor:
    return Actor(user_id=None, role=Role.partner_admin, organisation_id=partner.organisation_id)


def _toward(unit: ProviderUnit, lat: float, lng: float, km: float) -> None:
    left = haversine_km(Point(unit.lat, unit.lng), Point(lat, lng))
    share = 1.0 if left <= km else km / left
    heading = math.degrees(math.atan2(lng - unit.lng, lat - unit.lat)) % 360
    unit.lat += (lat - unit.lat) * share
    unit.lng += (lng - unit.lng) * share
    unit.heading = heading


def step(
    session: Session, now: datetime, *, dt_s: float, skip: frozenset[uuid.UUID] = frozenset()
) -> int:
    """One autopilot pass; ``skip`` are partners a person plays. Returns the changes made."""
    done = 0
    due = session.scalars(
        select(Offer).where(
            Offer.outcome == OfferOutcome.pending,
            Offer.offered_at <= now - ACCEPT_AFTER,
            Offer.expires_at > now,
            Offer.partner_id.not_in(list(skip)) if skip else Offer.partner_id.is_not(None),
        )
    ).all()
    for offer in due:
        partner = session.get(Partner, offer.partner_id)
        if partner is not None:
            steps.answer(session, _actor(partner), offer.id, accept=True, now=now)
            done += 1
    working = session.scalars(
        select(ServiceOrder).where(
            ServiceOrder.status.in_(
                [OrderStatus.accepted, OrderStatus.en_route, OrderStatus.on_site]
            ),
            ServiceOrder.partner_id.not_in(list(skip))
            if skip
            else ServiceOrder.partner_id.is_not(None),
        )
    ).all()
    for order in working:
        partner = session.get(Partner, order.partner_id)
        if partner is None:
            continue
        actor = _actor(partner)
        if order.status is OrderStatus.accepted:
            steps.step(session, actor, order.id, OrderStatus.en_route, now=now)
        elif order.status is OrderStatus.en_route:
            unit = session.get(ProviderUnit, order.unit_id) if order.unit_id else None
            if unit is None:  # a shop's 2-hour job: no unit to drive
                steps.step(session, actor, order.id, OrderStatus.on_site, now=now)
            else:
                speed = dispatching.TRAVEL.reach_km(3600.0, at=now, tier=order.tier)
                _toward(unit, order.lat, order.lng, speed * dt_s / 3600.0)
                unit.position_at = now
                if (
                    haversine_km(Point(unit.lat, unit.lng), Point(order.lat, order.lng))
                    <= ARRIVED_KM
                ):
                    steps.step(session, actor, order.id, OrderStatus.on_site, now=now)
        elif order.on_site_at is not None and now - ensure_utc(order.on_site_at) >= ON_SITE_FOR:
            end = (order.lat, order.lng)
            if order.service is ServiceType.tow:
                shops = nearest_locations(
                    session,
                    Point(order.lat, order.lng),
                    partner_type=PartnerType.repair_shop,
                    limit=1,
                )
                if shops:
                    end = (shops[0][0].lat, shops[0][0].lng)
            steps.step(session, actor, order.id, OrderStatus.completed, now=now, end_at=end)
        done += 1
    return done


class FleetAutopilot:
    """Runs ``step`` every ``period_s`` in a thread of the demo server."""

    def __init__(
        self, database: Database, *, skip_org_names: tuple[str, ...] = (), period_s: float = 2.0
    ) -> None:
        self.database, self.period_s = database, period_s
        self.skip_org_names = skip_org_names
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _skip(self, session: Session) -> frozenset[uuid.UUID]:
        from carecover.platform.auth.models import Organisation

        if not self.skip_org_names:
            return frozenset()
        return frozenset(
            session.scalars(
                select(Partner.id)
                .join(Organisation, Organisation.id == Partner.organisation_id)
                .where(Organisation.name.in_(self.skip_org_names))
            )
        )

    def run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                with self.database.session() as session, session.begin():
                    step(session, utc_now(), dt_s=self.period_s, skip=self._skip(session))
            except Exception:
                log.exception("orders_autopilot_failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="orders-autopilot", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
