"""One charging location as an owner sees it: each EVSE with the status to believe now (stale or
reported-faulty statuses are UNKNOWN), its connectors' power, and the price in force."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.enums import EvseStatus
from carecover.charging.errors import ChargerNotFound
from carecover.charging.models import ChargingLocation, Connector, Evse
from carecover.charging.service.nearest import STATUS_STALE_AFTER, effective_status
from carecover.charging.service.tariffs import TariffSummary, in_force, price_at
from carecover.partners.enums import PartnerStatus
from carecover.partners.models import Partner


@dataclass(frozen=True, slots=True)
class ConnectorView:
    connector_id: str
    standard: str
    power_type: str
    power_kw: float
    tariff: TariffSummary | None


@dataclass(frozen=True, slots=True)
class EvseView:
    uid: str
    evse_id: str | None
    status: EvseStatus
    """What to believe now."""
    reported_status: EvseStatus
    """What the operator last said."""
    status_reported_at: datetime
    suspect: bool
    floor_level: str | None
    connectors: tuple[ConnectorView, ...]


@dataclass(frozen=True, slots=True)
class ChargerDetail:
    location: ChargingLocation
    operator_name: str
    evses: tuple[EvseView, ...]

    @property
    def available(self) -> int:
        return sum(1 for e in self.evses if e.status is EvseStatus.AVAILABLE)

    @property
    def in_service(self) -> int:
        return sum(1 for e in self.evses if e.status is not EvseStatus.REMOVED)


def published(session: Session, location_id: uuid.UUID) -> tuple[ChargingLocation, Partner]:
    """A location owners may see: published, of an active operator; else not found."""
    location = session.get(ChargingLocation, location_id)
    partner = session.get(Partner, location.operator_partner_id) if location else None
    if location is None or partner is None or not location.publish:
        raise ChargerNotFound()
    if partner.status is not PartnerStatus.active:
        raise ChargerNotFound()
    return location, partner


def charger_detail(
    session: Session,
    location_id: uuid.UUID,
    *,
    now: datetime,
    stale_after: timedelta = STATUS_STALE_AFTER,
) -> ChargerDetail:
    location, partner = published(session, location_id)
    evses = [e for e in repository.evses_of(session, location.id)]
    connectors = repository.connectors_of(session, [e.id for e in evses])
    ids = {t for rows in connectors.values() for c in rows for t in c.tariff_ids}
    tariffs = repository.tariffs_by_ids(session, location.country_code, location.party_id, ids)

    def price(connector: Connector) -> TariffSummary | None:
        for tariff_id in connector.tariff_ids:
            tariff = tariffs.get(tariff_id)
            if tariff is not None and in_force(tariff, now):
                return price_at(tariff, now, location.time_zone)
        return None

    def view(evse: Evse) -> EvseView:
        return EvseView(
            uid=evse.uid,
            evse_id=evse.evse_id,
            status=effective_status(
                evse.status, evse.status_reported_at, evse.suspect_since, now, stale_after
            ),
            reported_status=evse.status,
            status_reported_at=evse.status_reported_at,
            suspect=evse.suspect_since is not None,
            floor_level=evse.floor_level,
            connectors=tuple(
                ConnectorView(
                    connector_id=c.connector_id,
                    standard=c.standard.value,
                    power_type=c.power_type.value,
                    power_kw=c.power_w / 1000.0,
                    tariff=price(c),
                )
                for c in connectors.get(evse.id, [])
            ),
        )

    operator = (location.details.get("operator") or {}).get("name") or partner.legal_name
    return ChargerDetail(
        location=location,
        operator_name=str(operator),
        evses=tuple(view(e) for e in evses if e.status is not EvseStatus.REMOVED),
    )
