"""Demo accounts for `carecover seed`: one per role, with documented passwords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from carecover.accounts import repository, service
from carecover.accounts.schemas import OrganisationCreate, UserCreate
from carecover.platform.auth.models import OrganisationKind
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str
    phone: str | None = None
    organisation: str | None = None
    language: str = "zh-CN"

    @property
    def password(self) -> str:
        return f"{self.username}-demo-2026"


REPAIR_SHOP = "安心汽修 上海浦东店 (Anxin Auto Repair, Pudong)"
RESCUE_FIRM = "速援道路救援 杭州 (Suyuan Roadside Rescue, Hangzhou)"
PARTS_SUPPLIER = "华配汽车零部件 上海 (Huapei Auto Parts, Shanghai)"

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("owner", Role.owner, "王小明", phone="13800138000"),
    DemoAccount("owner.en", Role.owner, "Li Na", phone="13900139000", language="en"),
    DemoAccount("shop", Role.partner_admin, "陈师傅", organisation=REPAIR_SHOP),
    DemoAccount("shop.staff", Role.partner_staff, "刘工", organisation=REPAIR_SHOP),
    DemoAccount("rescue", Role.partner_admin, "赵队长", organisation=RESCUE_FIRM),
    DemoAccount("supplier", Role.partner_admin, "黄经理", organisation=PARTS_SUPPLIER),
    DemoAccount("adjuster", Role.adjuster, "周定损"),
    DemoAccount("dispatcher", Role.dispatcher, "吴调度"),
    DemoAccount("network", Role.network_manager, "郑经理"),
    DemoAccount("ops", Role.customer_ops, "孙运营"),
    DemoAccount("auditor", Role.auditor, "钱审计"),
    DemoAccount("admin", Role.admin, "系统管理员"),
)


def seed_demo_accounts(
    session: Session, actor: Actor, *, progress: Callable[[str], None] | None = None
) -> int:
    """Create missing demo organisations and accounts; returns how many accounts were added.

    ``progress`` is called with each account's username as it is handled."""
    orgs = {}
    for name in (REPAIR_SHOP, RESCUE_FIRM, PARTS_SUPPLIER):
        org = repository.get_organisation_by_name(session, name)
        if org is None:
            org = service.create_organisation(
                session, actor, OrganisationCreate(name=name, kind=OrganisationKind.partner)
            )
        orgs[name] = org.id
    created = 0
    for account in DEMO_ACCOUNTS:
        if progress is not None:
            progress(account.username)
        if repository.get_user_by_username(session, account.username) is not None:
            continue
        service.create_user(
            session,
            actor,
            UserCreate(
                username=account.username,
                password=account.password,
                role=account.role,
                organisation_id=orgs[account.organisation] if account.organisation else None,
                display_name=account.display_name,
                phone=account.phone,
                language="en" if account.language == "en" else "zh-CN",
            ),
        )
        created += 1
    return created
