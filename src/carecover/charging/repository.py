"""Charging queries (SELECTs only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging.models import (
    ChargingFailure,
    ChargingLocation,
    ChargingParty,
    Connector,
    Evse,
    EvseStatusChange,
    Tariff,
)


def party(session: Session, country_code: str, party_id: str) -> ChargingParty | None:
    return session.scalars(
        select(ChargingParty).where(
            ChargingParty.country_code == country_code.upper(),
            ChargingParty.party_id == party_id.upper(),
        )
    ).first()


def location_by_key(
    session: Session, country_code: str, party_id: str, ocpi_id: str
) -> ChargingLocation | None:
    return session.scalars(
        select(ChargingLocation).where(
            ChargingLocation.country_code == country_code.upper(),
            ChargingLocation.party_id == party_id.upper(),
            ChargingLocation.ocpi_id == ocpi_id,
        )
    ).first()


def evses_of(session: Session, location_id: uuid.UUID) -> list[Evse]:
    return list(
        session.scalars(
            select(Evse).where(Evse.location_id == location_id).order_by(Evse.uid)
        ).all()
    )


def evse_by_uid(session: Session, location_id: uuid.UUID, uid: str) -> Evse | None:
    return session.scalars(
        select(Evse).where(Evse.location_id == location_id, Evse.uid == uid)
    ).first()


def connectors_of(
    session: Session, evse_pks: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Connector]]:
    """Each EVSE's connectors by connector id."""
    keys = list(evse_pks)
    out: dict[uuid.UUID, list[Connector]] = {pk: [] for pk in keys}
    if not keys:
        return out
    rows = session.scalars(
        select(Connector)
        .where(Connector.evse_pk.in_(keys))
        .order_by(Connector.evse_pk, Connector.connector_id)
    )
    for row in rows:
        out[row.evse_pk].append(row)
    return out


def tariffs_by_ids(
    session: Session, country_code: str, party_id: str, ids: Iterable[str]
) -> dict[str, Tariff]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Tariff).where(
            Tariff.country_code == country_code,
            Tariff.party_id == party_id,
            Tariff.ocpi_id.in_(wanted),
        )
    )
    return {row.ocpi_id: row for row in rows}


def tariff_by_key(
    session: Session, country_code: str, party_id: str, ocpi_id: str
) -> Tariff | None:
    return tariffs_by_ids(session, country_code.upper(), party_id.upper(), [ocpi_id]).get(ocpi_id)


def status_history(
    session: Session, evse_pk: uuid.UUID, limit: int = 50
) -> Sequence[EvseStatusChange]:
    """An EVSE's status changes, newest first."""
    return session.scalars(
        select(EvseStatusChange)
        .where(EvseStatusChange.evse_pk == evse_pk)
        .order_by(EvseStatusChange.changed_at.desc(), EvseStatusChange.id.desc())
        .limit(limit)
    ).all()


def recent_failure(
    session: Session, vehicle_id: uuid.UUID, since: datetime
) -> ChargingFailure | None:
    """The car's first failure report at or after ``since``."""
    return session.scalars(
        select(ChargingFailure)
        .where(ChargingFailure.vehicle_id == vehicle_id, ChargingFailure.reported_at >= since)
        .order_by(ChargingFailure.reported_at, ChargingFailure.id)
        .limit(1)
    ).first()


def failures_of(
    session: Session, vehicle_ids: Iterable[uuid.UUID], limit: int = 20
) -> Sequence[ChargingFailure]:
    keys = list(vehicle_ids)
    if not keys:
        return []
    return session.scalars(
        select(ChargingFailure)
        .where(ChargingFailure.vehicle_id.in_(keys))
        .order_by(ChargingFailure.reported_at.desc())
        .limit(limit)
    ).all()
