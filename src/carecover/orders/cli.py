"""``carecover simulate rescue``: replay a day of rescue demand in a city against its fleet,
greedy-nearest versus batched optimal assignment, and compare response times and cost."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import UnitStatus
from carecover.orders.models import ProviderUnit, RateCard
from carecover.orders.service.demand import poisson_day
from carecover.orders.service.dispatching import TRAVEL
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.orders.service.replay import ReplayReport, replay
from carecover.platform.clock import utc_now
from carecover.platform.config import get_settings
from carecover.platform.db import session_scope
from carecover.platform.geo import city_by_adcode, city_by_name
from carecover.platform.i18n import translate

console = Console()
DEMAND_BY_TIER = {1: 600.0, 2: 300.0, 3: 150.0, 4: 60.0}
"""Rescue calls a day by city tier when --demand is not given (an order of magnitude)."""


def _fleet(city_adcode: str, at: object) -> list[UnitSnapshot]:
    with session_scope() as session:
        rows = session.execute(
            select(ProviderUnit, RateCard.base_fen, RateCard.per_km_fen)
            .join(
                RateCard,
                (RateCard.partner_id == ProviderUnit.partner_id)
                & (RateCard.service == ServiceType.tow),
                isouter=True,
            )
            .where(
                ProviderUnit.city_adcode == city_adcode, ProviderUnit.status != UnitStatus.offline
            )
        ).all()
        return [
            UnitSnapshot(
                id=u.id,
                kind=u.kind,
                lat=u.lat,
                lng=u.lng,
                partner_id=u.partner_id,
                rating=u.rating,
                base_fen=base or 0,
                per_km_fen=per_km or 0,
                position_at=at,  # type: ignore[arg-type]
                city_adcode=u.city_adcode,
            )
            for u, base, per_km in rows
        ]


def rescue(
    city: Annotated[str, typer.Option(help="City name (上海) or adcode (310000).")] = "上海",
    day: Annotated[str, typer.Option(help="The day to replay, YYYY-MM-DD (default today).")] = "",
    demand: Annotated[float, typer.Option(min=0, help="Calls in the day (default by tier).")] = 0.0,
    seed: Annotated[int, typer.Option(help="Same seed, same demand.")] = 2026,
    tick: Annotated[float, typer.Option(min=1, max=60, help="Batch window in seconds.")] = 10.0,
) -> None:
    """Replay a day of rescue calls (Poisson with a daily profile) against the city's units."""
    lang = get_settings().default_language
    place = city_by_adcode(city) if city.isdigit() else city_by_name(city)
    if place is None:
        raise typer.BadParameter(translate("cli.simulate.unknown_city", lang, city=city))
    when = date.fromisoformat(day) if day else utc_now().date()
    units = _fleet(place.adcode, utc_now())
    if not units:
        console.print("[red]" + translate("cli.rescue.no_units", lang, city=place.name) + "[/red]")
        raise typer.Exit(code=1)
    calls = poisson_day(
        city_adcode=place.adcode,
        centre=(place.point.lat, place.point.lng),
        radius_km=20.0,
        daily_total=demand or DEMAND_BY_TIER.get(place.tier, 150.0),
        seed=seed,
        day=when,
        tier=place.tier,
    )
    reports: dict[str, ReplayReport] = {}
    with Progress(console=console) as progress:
        task = progress.add_task(translate("cli.rescue.replaying", lang), total=2)
        for policy in ("greedy", "batched"):
            reports[policy] = replay(calls, units, TRAVEL, policy=policy, tick_s=tick)
            progress.advance(task)
    table = Table(title=translate("cli.rescue.title", lang, city=place.name, day=when.isoformat()))
    for column in (
        "",
        "calls",
        "served",
        "≤15 min",
        "p50 min",
        "p90 min",
        "p99 min",
        "cost ¥",
        "total ETA h",
    ):
        table.add_column(column, justify="right")
    for policy, report in reports.items():
        s = report.overall
        table.add_row(
            policy,
            str(s.requests),
            str(s.served),
            f"{s.within_15_share:.1%}",
            *(f"{v / 60:.1f}" if v is not None else "-" for v in (s.p50_s, s.p90_s, s.p99_s)),
            f"{s.total_cost_fen / 100:,.0f}",
            f"{report.total_eta_s / 3600:.1f}",
        )
    console.print(table)
    greedy, batched = reports["greedy"], reports["batched"]
    if greedy.total_eta_s:
        console.print(f"batched ÷ greedy total ETA: {batched.total_eta_s / greedy.total_eta_s:.3f}")
