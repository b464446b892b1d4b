"""Builders for customers and vehicles with valid, unique identifiers."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from sqlalchemy.orm import Session

from carecover.customers import service as customer_service
from carecover.customers.models import Customer
from carecover.customers.schemas import CustomerCreate
from carecover.platform.auth.models import User
from carecover.platform.cn import resident_id_check_digit, with_check_digit
from carecover.platform.context import Actor
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.enums import Powertrain, Usage
from carecover.vehicles.models import Vehicle
from carecover.vehicles.schemas import VehicleCreate

_serial = itertools.count(1)
_rng = random.Random(20261125)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def unique_mobile() -> str:
    return f"139{next(_serial):08d}"


def unique_id_number() -> str:
    n = next(_serial)
    first17 = f"310104{1960 + (n // 1000) % 40}0312{n % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def unique_vin(wmi: str = "LSV") -> str:
    body = "".join(_rng.choice(VIN_CHARS) for _ in range(14))
    return with_check_digit(wmi + body)


def unique_plate(nev: bool = False) -> str:
    n = next(_serial) % 100_000
    return f"沪AD{n:05d}" if nev else f"沪A{n:05d}"


def make_customer(
    session: Session,
    *,
    name: str = "王小明",
    mobile: str | None = None,
    id_number: str | None = None,
    address: str | None = "上海市徐汇区虹漕路461号",
    user: User | None = None,
) -> Customer:
    return customer_service.register(
        session,
        Actor.system(),
        CustomerCreate(
            name=name,
            mobile=mobile or unique_mobile(),
            id_number=id_number or unique_id_number(),
            address=address,
            user_id=user.id if user else None,
        ),
    )


def make_vehicle(
    session: Session,
    *,
    owner: Customer | None = None,
    powertrain: Powertrain = Powertrain.ice,
    usage: Usage = Usage.private,
    vin: str | None = None,
    plate: str | None = None,
) -> Vehicle:
    owner = owner or make_customer(session)
    electric = powertrain is not Powertrain.ice
    return vehicle_service.register(
        session,
        Actor.system(),
        VehicleCreate(
            vin=vin or unique_vin(),
            plate=plate or unique_plate(nev=powertrain.is_nev),
            owner_id=owner.id,
            make="比亚迪" if electric else "大众",
            model="汉 EV" if electric else "朗逸",
            model_year=2024,
            powertrain=powertrain,
            battery_kwh=Decimal("85.4") if electric else None,
            usage=usage,
            purchase_price_fen=21_980_000,
        ),
    )
