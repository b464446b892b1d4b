"""Generating the demo world, deterministically from a seed, in chunks written with bulk paths.

Shares (MISSION.md and the report): about 40% of cars are NEVs; ride-hailing cars carry the
ride-hailing package; every car has compulsory insurance and most have commercial cover. People,
addresses and cars are invented; identifiers are valid (check digits, plate formats).
"""

from __future__ import annotations

import multiprocessing
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from multiprocessing.pool import AsyncResult
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecover.benefits.catalogue import package
from carecover.benefits.handlers import default_package
from carecover.benefits.models import Grant, GrantItem
from carecover.customers import service as customer_service
from carecover.customers.models import Customer
from carecover.customers.schemas import CustomerCreate
from carecover.entrypoints.seed import data
from carecover.entrypoints.seed.claims import clear_demo_claims
from carecover.entrypoints.seed.partners import link_demo_partners, partner_rows
from carecover.entrypoints.seed.parts import clear_demo_parts
from carecover.platform.auth.models import Organisation, OrganisationKind, User
from carecover.platform.cn import resident_id_check_digit, with_check_digit
from carecover.platform.db import Base
from carecover.platform.db.bulk import BulkWriter, row_of
from carecover.platform.geo import City, ParsedAddress, prefecture_cities
from carecover.policies import service as policy_service
from carecover.policies.enums import Coverage, PolicyKind, PolicyStatus
from carecover.policies.models import Policy, PolicyCoverage
from carecover.policies.schemas import CoverageRequest
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.enums import Powertrain, Usage
from carecover.vehicles.models import Vehicle
from carecover.vehicles.schemas import VehicleCreate

BIRTH_DAYS = 15_695  # 1960-01-01 onwards, about 43 years of birth dates
VIN_BODY = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"
PROVINCE_PLATE = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip
TPL_LIMITS = (1_000_000_00, 1_500_000_00, 2_000_000_00, 3_000_000_00)
Row = tuple[str, dict[str, Any]]  # (table name, values): plain data, so it pickles
CUSTOMERS = Customer.__tablename__
VEHICLES = Vehicle.__tablename__
POLICIES = Policy.__tablename__
COVERAGES = PolicyCoverage.__tablename__
GRANTS = Grant.__tablename__
GRANT_ITEMS = GrantItem.__tablename__
POLICY_DEFAULTS: dict[str, Any] = {
    "status": PolicyStatus.active.value,
    "quote_valid_until": None,
    "cancelled_at": None,
    "cancel_reason": None,
    "refund_fen": 0,
    "renewal_of_id": None,
    "renewed_by_id": None,
}


@dataclass(frozen=True, slots=True)
class WorldSpec:
    customers: int
    cities: int
    seed: int
    now: datetime


def choose_cities(count: int, seed: int) -> list[City]:
    """The largest cities first (by tier), then a seeded pick of the rest."""
    everything = sorted(prefecture_cities(), key=lambda c: (c.tier, c.adcode))
    head = [c for c in everything if c.tier <= 2]
    rest = [c for c in everything if c.tier > 2]
    random.Random(seed).shuffle(rest)
    return (head + rest)[:count]


class WorldBuilder:
    """Builds one customer's records at a time; everything derives from the seed and a serial."""

    def __init__(self, spec: WorldSpec, *, chunk_seed: str | None = None) -> None:
        self.spec = spec
        self.rng = random.Random(chunk_seed or str(spec.seed))
        self.cities = choose_cities(spec.cities, spec.seed)
        weights = [{1: 8, 2: 5, 3: 3}.get(c.tier, 1) for c in self.cities]
        self.city_weights = weights

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def customer(self, n: int) -> Customer:
        rng = self.rng
        city = rng.choices(self.cities, self.city_weights)[0]
        # (birth date, sequence) is unique per serial, so no two customers share an ID number:
        # 7919 is coprime with BIRTH_DAYS, which makes the day a permutation of n // 1000.
        birth = date(1960, 1, 1) + timedelta(days=(n // 1000 * 7919) % BIRTH_DAYS)
        first17 = f"{city.adcode[:4]}02{birth:%Y%m%d}{n % 1000:03d}"
        mobile = f"{data.MOBILE_PREFIXES[n % len(data.MOBILE_PREFIXES)]}{n:08d}"
        customer = customer_service.build_customer(
            CustomerCreate(
                name=rng.choice(data.SURNAMES) + rng.choice(data.GIVEN),
                mobile=mobile,
                id_number=first17 + resident_id_check_digit(first17),
                language="en" if rng.random() < 0.03 else "zh-CN",
            ),
            customer_id=self._uuid(),
            customer_no=f"C{n:010d}",
        )
        street = f"{rng.choice(data.STREETS)}{rng.randrange(1, 999)}号"
        customer_service.apply_address(
            customer,
            ParsedAddress(city.province, city.name, None, street, city.adcode, city.adcode),
        )
        return customer

    def vehicle(self, n: int, owner: Customer) -> Vehicle:
        rng = self.rng
        roll = rng.random()
        powertrain = (
            Powertrain.bev if roll < 0.28 else Powertrain.phev if roll < 0.40
            else Powertrain.hev if roll < 0.45 else Powertrain.ice
        )  # fmt: skip
        usage_roll = rng.random()
        usage = (
            Usage.ride_hailing if usage_roll < 0.08 else Usage.fleet if usage_roll < 0.11
            else Usage.rental if usage_roll < 0.12 else Usage.private
        )  # fmt: skip
        make, model, wmi, price = rng.choice(data.CARS[powertrain])
        vin = with_check_digit(wmi + "".join(rng.choice(VIN_BODY) for _ in range(14)))
        province = PROVINCE_PLATE.get((owner.adcode or "31")[:2], "沪")
        letter = PLATE_LETTERS[(n // 100_000) % len(PLATE_LETTERS)]
        plate = f"{province}{letter}{'D' if powertrain.is_nev else ''}{n % 100_000:05d}"
        bought = self.spec.now.date() - timedelta(days=rng.randrange(30, 365 * 8))
        return vehicle_service.build_vehicle(
            VehicleCreate(
                vin=vin,
                plate=plate,
                owner_id=owner.id,
                make=make,
                model=model,
                model_year=min(bought.year + 1, self.spec.now.year),
                powertrain=powertrain,
                battery_kwh=Decimal(data.BATTERY_KWH[powertrain])
                if powertrain.is_electrified
                else None,
                usage=usage,
                purchase_date=bought,
                purchase_price_fen=price * 100 * rng.randrange(90, 111) // 100,
            ),
            vehicle_id=self._uuid(),
        )

    def policies(self, n: int, car: Vehicle) -> list[Row]:
        """Compulsory cover for every car; commercial cover (with its package) for most."""
        rng = self.rng
        start = self.spec.now - timedelta(days=rng.randrange(0, 360), hours=rng.randrange(24))
        end = start + relativedelta(years=1)
        rows: list[Row] = []
        products = [("CTPL_2020", [CoverageRequest(coverage=Coverage.compulsory_liability)])]
        if rng.random() < 0.8:
            limit = rng.choice(TPL_LIMITS)
            requests = [
                CoverageRequest(coverage=Coverage.vehicle_damage),
                CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=limit),
            ]
            if rng.random() < 0.4:
                requests.append(
                    CoverageRequest(coverage=Coverage.driver_seat, limit_fen=10_000_000, seats=1)
                )
            if car.powertrain.is_nev and rng.random() < 0.5:
                requests.append(CoverageRequest(coverage=Coverage.nev_charging_pile_loss))
            products.append(("NEV_COMM_2021" if car.powertrain.is_nev else "COMM_2020", requests))
        for index, (code, requests) in enumerate(products):
            kind = PolicyKind.compulsory if code == "CTPL_2020" else PolicyKind.commercial
            lines = [(req, *policy_service.price_line(car, req, start)) for req in requests]
            policy_id = self._uuid()
            prefix = "PC" if kind is PolicyKind.compulsory else "PM"
            rows.append(
                (
                    POLICIES,
                    {
                        **POLICY_DEFAULTS,
                        "id": policy_id,
                        "policy_no": f"{prefix}{n:010d}{index}",
                        "product_code": code,
                        "kind": kind.value,
                        "vehicle_id": car.id,
                        "holder_id": car.owner_id,
                        "starts_at": start,
                        "ends_at": end,
                        "premium_fen": sum(p for _, p, _, _ in lines),
                        "bound_at": start - timedelta(days=1),
                        "created_at": self.spec.now,
                        "updated_at": self.spec.now,
                    },
                )
            )
            rows.extend(
                (
                    COVERAGES,
                    {
                        "id": self._uuid(),
                        "policy_id": policy_id,
                        "coverage": req.coverage.value,
                        "limit_fen": limit_fen,
                        "deductible_fen": req.deductible_fen,
                        "seats": req.seats,
                        "premium_fen": premium,
                        "explanation": why,
                    },
                )
                for req, premium, limit_fen, why in lines
            )
            if kind is PolicyKind.commercial:
                rows.extend(self._grant(car, policy_id, start))
        return rows

    def _grant(self, car: Vehicle, policy_id: uuid.UUID, start: datetime) -> list[Row]:
        definition = package(default_package(car))
        grant_id = self._uuid()
        grant = {
            "id": grant_id,
            "vehicle_id": car.id,
            "package_code": definition.code,
            "policy_id": policy_id,
            "valid_from": start,
            "valid_until": start + relativedelta(months=definition.validity_months),
            "revoked_at": None,
            "created_at": self.spec.now,
        }
        items: list[Row] = [
            (
                GRANT_ITEMS,
                {
                    "id": self._uuid(),
                    "grant_id": grant_id,
                    "service": i.service.value,
                    "quota": i.quota,
                    "period": i.period.value,
                    "rules": dict(i.rules),
                },
            )
            for i in definition.items
        ]
        return [(GRANTS, grant), *items]


def _chunk(spec: WorldSpec, first: int, last: int) -> list[Row]:
    """Rows for customers ``first``..``last``; each chunk has its own seeded generator, so the
    world is the same whichever process builds which chunk."""
    builder = WorldBuilder(spec, chunk_seed=f"{spec.seed}:{first}")
    rows: list[Row] = []
    for n in range(first, last + 1):
        customer = builder.customer(n)
        car = builder.vehicle(n, customer)
        rows.append((CUSTOMERS, row_of(customer)))
        rows.append((VEHICLES, row_of(car)))
        rows.extend(builder.policies(n, car))
    return rows


def _chunk_job(args: tuple[WorldSpec, int, int]) -> tuple[int, list[Row]]:
    spec, first, last = args
    return last - first + 1, _chunk(spec, first, last)


def generate(
    spec: WorldSpec, *, chunk: int = 2000, processes: int = 1
) -> Iterator[tuple[int, list[Row]]]:
    """Yield (customers in chunk, rows) in order; with ``processes`` > 1 the chunks are built in
    worker processes while the caller writes."""
    jobs = [
        (spec, first, min(first + chunk - 1, spec.customers))
        for first in range(1, spec.customers + 1, chunk)
    ]
    if processes <= 1 or len(jobs) == 1:
        for job in jobs:
            yield _chunk_job(job)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        # A bounded window of chunks in flight: the workers never run far ahead of the writer,
        # so memory stays flat however large the world is.
        window: deque[AsyncResult[tuple[int, list[Row]]]] = deque()
        for job in jobs:
            window.append(pool.apply_async(_chunk_job, (job,)))
            if len(window) >= processes * 2:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()


def seed_world(
    session: Session,
    spec: WorldSpec,
    *,
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the world in the caller's transaction; returns how many rows were written."""
    writer = BulkWriter(session)
    writer.write_rows(partner_rows(choose_cities(spec.cities, spec.seed), spec.seed, spec.now))
    for done, rows in generate(spec, processes=processes):
        writer.write_rows(rows)
        if progress is not None:
            progress(done)
    link_demo_partners(session, spec.now)
    return writer.rows_written


WORLD_TABLES = (
    "service_order_offers",
    "service_order_events",
    "service_orders",
    "order_units",
    "order_rate_cards",
    "telematics_alerts",
    "telematics_readings",
    "telematics_rejects",
    "telematics_vehicle_state",
    "telematics_devices",
    "partner_qualifications",
    "partner_locations",
    "partners",
    "benefit_uses",
    "benefit_quota_counters",
    "benefit_grant_items",
    "benefit_grants",
    "policy_coverages",
    "policies",
    "odometer_readings",
    "vehicles",
    "customer_consents",
    "customers",
)
"""Child tables first, so deletes never trip a foreign key."""


def world_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def clear_world(session: Session) -> None:
    """Remove every demo-world row, and the partner organisations nobody signs in to (accounts,
    their organisations and the audit log stay)."""
    from carecover.entrypoints.seed.bookings import clear_demo_bookings
    from carecover.entrypoints.seed.charging import clear_demo_charging

    clear_demo_bookings(session)
    clear_demo_charging(session)
    clear_demo_claims(session)
    clear_demo_parts(session)
    for name in WORLD_TABLES:
        session.execute(Base.metadata.tables[name].delete())
    with_users = select(User.organisation_id).where(User.organisation_id.is_not(None))
    session.execute(
        delete(Organisation).where(
            Organisation.kind == OrganisationKind.partner, Organisation.id.not_in(with_users)
        )
    )


DEMO_OWNERS = (("owner", "C0000000001"), ("owner.en", "C0000000002"))


def link_demo_owners(session: Session) -> None:
    """The demo owner accounts become the first customers of the world, cars and all."""
    for username, customer_no in DEMO_OWNERS:
        user = session.scalars(select(User).where(User.username == username)).first()
        customer = session.scalars(
            select(Customer).where(Customer.customer_no == customer_no)
        ).first()
        if user is not None and customer is not None and customer.user_id is None:
            customer.user_id = user.id
    session.flush()
