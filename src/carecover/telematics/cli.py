"""`carecover simulate`: drive simulated cars over the demo world into the telematics pipeline.

    carecover simulate --vehicles 20 --cities 上海,北京 --hours 2 --speed 10x --target inprocess
    carecover simulate --vehicles 50 --days 3 --fast --faults 0.2          # history, at once
    carecover simulate --target mqtt --ingest --faults crash,misfire       # through Mosquitto
    carecover simulate --target http --url http://127.0.0.1:8000 --minutes 30

The window ends now when the run is faster than real time (``--fast`` or ``--speed`` above 1x),
so no reading is from the future; at 1x or slower it starts now. The fault ledger is printed, then
the alerts the cars raised against it (after ``--settle`` seconds for the MQTT ingest).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from carecover.customers.models import Customer
from carecover.platform.clock import utc_now
from carecover.platform.config import get_settings
from carecover.platform.db import get_database, session_scope
from carecover.platform.db.session import Database
from carecover.platform.geo import City, city_by_adcode, city_by_name
from carecover.platform.i18n import translate
from carecover.telematics.service import simulator_fleet, simulator_run
from carecover.telematics.service.mqtt import MqttIngestWorker
from carecover.telematics.service.simulator import Scenario, Simulation
from carecover.telematics.service.simulator_faults import FaultKind, parse_request

app = typer.Typer(help="Simulated cars and their telemetry, with injected faults.")
console = Console()
SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*x?\s*$", re.IGNORECASE)
_prepare: list[Callable[[], None]] = []


def on_start(hook: Callable[[], None]) -> None:
    """Run ``hook`` before a simulation: the entry point loads every model and handler with it
    (the layers keep that knowledge above this package)."""
    _prepare.append(hook)


def parse_speed(text: str) -> float:
    match = SPEED_RE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise typer.BadParameter(
            translate("cli.simulate.bad_speed", get_settings().default_language)
        )
    return float(match.group(1))


def resolve_cities(text: str) -> list[City]:
    """Names (上海, 北京市) or adcodes; a number N is the N cities with the most customers."""
    text = text.strip()
    if not text:
        return []
    if text.isdigit() and len(text) < 6:
        with session_scope() as session:
            rows = session.execute(
                select(Customer.city_adcode, func.count())
                .where(Customer.city_adcode.is_not(None))
                .group_by(Customer.city_adcode)
                .order_by(func.count().desc(), Customer.city_adcode)
                .limit(int(text))
            ).all()
        return [city for adcode, _ in rows if adcode and (city := city_by_adcode(adcode))]
    cities = []
    for part in re.split(r"[,，\s]+", text):
        city = city_by_adcode(part) if part.isdigit() else city_by_name(part)
        if city is None:
            lang = get_settings().default_language
            raise typer.BadParameter(translate("cli.simulate.unknown_city", lang, city=part))
        cities.append(city)
    return cities


@app.callback(invoke_without_command=True)
def simulate(
    ctx: typer.Context,
    vehicles: Annotated[int, typer.Option(min=1, max=10_000, help="Cars to drive.")] = 10,
    cities: Annotated[str, typer.Option(help="City names or adcodes, or a count.")] = "",
    minutes: Annotated[float, typer.Option(min=0, help="Simulated minutes.")] = 0.0,
    hours: Annotated[float, typer.Option(min=0, help="Simulated hours.")] = 0.0,
    days: Annotated[float, typer.Option(min=0, max=29, help="Simulated days.")] = 0.0,
    speed: Annotated[str, typer.Option(help="Simulated seconds per second: 1x, 10x, …")] = "10x",
    fast: Annotated[bool, typer.Option("--fast", help="As fast as possible.")] = False,
    target: Annotated[str, typer.Option(help="inprocess, http or mqtt.")] = "inprocess",
    faults: Annotated[str, typer.Option(help="A share of cars (0.2), none, or kinds.")] = "0.1",
    seed: Annotated[int, typer.Option(help="The same seed drives the same readings.")] = 2026,
    reuse: Annotated[bool, typer.Option(help="Continue cars that already have a device.")] = False,
    url: Annotated[str, typer.Option(help="The server, for --target http.")] = (
        "http://127.0.0.1:8000"
    ),
    mqtt_host: Annotated[str, typer.Option(help="The broker, for --target mqtt.")] = "127.0.0.1",
    mqtt_port: Annotated[int, typer.Option(help="The broker's port.")] = 1883,
    ingest: Annotated[bool, typer.Option(help="Also run two MQTT ingest workers here.")] = False,
    encoding: Annotated[str, typer.Option(help="json or msgpack.")] = "json",
    settle: Annotated[float, typer.Option(min=0, help="MQTT: seconds to let ingest finish.")] = 5.0,
    check: Annotated[bool, typer.Option(help="Exit 1 unless alerts match the faults.")] = False,
) -> None:
    """Drive simulated cars over the demo world with injected faults, into the pipeline."""
    if ctx.invoked_subcommand is not None:  # `carecover simulate rescue …` and the like
        for hook in _prepare:
            hook()
        return
    lang = get_settings().default_language
    for hook in _prepare:
        hook()
    if target not in ("inprocess", "http", "mqtt") or encoding not in ("json", "msgpack"):
        raise typer.BadParameter(translate("cli.simulate.bad_target", lang))
    try:
        request = parse_request(faults)
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise typer.BadParameter(translate("cli.simulate.bad_faults", lang, kinds=kinds)) from None
    factor = parse_speed(speed)
    pace = None if fast else factor
    window = timedelta(days=days, hours=hours, minutes=minutes) or timedelta(hours=1)
    now = utc_now()
    start = now - window if pace is None or pace > 1.0 else now
    chosen = resolve_cities(cities)
    if target == "http" and reuse:
        console.print("[red]" + translate("cli.simulate.http_reuse", lang) + "[/red]")
        raise typer.Exit(2)
    database = get_database()
    with session_scope(database) as session:
        fleet = simulator_fleet.pick(
            session,
            count=vehicles,
            cities=chosen,
            seed=seed,
            reuse=reuse,
            not_before=start,
            today=now.date(),
        )
    if not fleet:
        console.print("[red]" + translate("cli.simulate.no_cars", lang) + "[/red]")
        raise typer.Exit(1)
    new = sum(car.secret is not None for car in fleet)
    names = "、".join(c.name for c in chosen) or translate("cli.simulate.all_cities", lang)
    console.print(translate("cli.simulate.fleet", lang, vehicles=len(fleet), cities=names, new=new))
    scenario = Scenario([c.spec for c in fleet], start, start + window, seed=seed, faults=request)
    simulation = Simulation(scenario)
    if simulation.skipped:
        left = ", ".join(k.value for k in simulation.skipped)
        console.print(
            "[yellow]" + translate("cli.simulate.skipped", lang, kinds=left) + "[/yellow]"
        )
    sink = _target(target, fleet, database, url, mqtt_host, mqtt_port, encoding)
    workers = _workers(database, mqtt_host, mqtt_port) if target == "mqtt" and ingest else []
    shown = "max" if pace is None else f"{pace:g}x"
    console.print(
        translate(
            "cli.simulate.window",
            lang,
            start=f"{start:%Y-%m-%d %H:%M}",
            end=f"{start + window:%Y-%m-%d %H:%M}",
            speed=shown,
            target=target,
        )
    )
    stop = threading.Event()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[readings]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(
            translate("cli.simulate.progress", lang), total=window.total_seconds(), readings=0
        )

        def advance(ts: float, stats: simulator_run.RunStats) -> None:
            progress.update(task, completed=ts - simulation.start, readings=stats.readings)

        try:
            stats = simulator_run.run(simulation, sink, speed=pace, progress=advance, stop=stop)
        except KeyboardInterrupt:
            stop.set()
            raise typer.Exit(130) from None
    console.print(
        translate(
            "cli.simulate.sent",
            lang,
            readings=stats.readings,
            batches=stats.batches,
            seconds=f"{stats.wall_s:.1f}",
            accepted=stats.accepted,
            duplicates=stats.duplicates,
            rejected=stats.rejected,
            errors=stats.errors,
        )
    )
    if target == "mqtt" and settle:  # the other targets have stored everything by now
        console.print(translate("cli.simulate.waiting", lang, seconds=f"{settle:g}"))
        time.sleep(settle)
    for worker in workers:
        worker.stop()
    with session_scope(database) as session:
        result = simulator_fleet.reconcile(session, fleet, simulation.ledger, start)
    _print_ledger(result, lang)
    if check and not result.ok:
        raise typer.Exit(1)


def _target(
    kind: str,
    fleet: list[simulator_fleet.FleetCar],
    database: Database,
    url: str,
    host: str,
    port: int,
    encoding: str,
) -> simulator_run.Target:
    if kind == "http":
        secrets = {c.spec.device_no: c.secret or "" for c in fleet}
        return simulator_run.HttpTarget(secrets, base_url=url, encoding=encoding)
    if kind == "mqtt":
        return simulator_run.MqttTarget(host, port, encoding)
    return simulator_run.InProcessTarget(database, {c.spec.device_no: c.device_id for c in fleet})


def _workers(database: Database, host: str, port: int) -> list[MqttIngestWorker]:
    workers = [MqttIngestWorker(database.session, host=host, port=port) for _ in range(2)]
    for worker in workers:
        worker.start()
    return workers


def _print_ledger(result: simulator_fleet.Reconciliation, lang: str) -> None:
    def t(key: str, **params: object) -> str:
        return translate(f"cli.simulate.{key}", lang, **params)

    alerts = {fault.device_no: alert for fault, alert in result.matched}
    table = Table(title=t("ledger"))
    for column in ("device", "fault", "expect", "injected", "complete", "alert"):
        table.add_column(t(f"col.{column}"))
    for fault in result.faults:
        alert = alerts.get(fault.device_no)
        table.add_row(
            fault.device_no,
            t(f"fault.{fault.kind.value}") + (f" ({fault.wheel})" if fault.wheel else ""),
            " | ".join(sorted(fault.codes)),
            f"{fault.injected_at:%m-%d %H:%M}" if fault.injected_at else "-",
            t("yes") if fault.complete else t("no"),
            f"{alert.code} {alert.raised_at:%m-%d %H:%M}" if alert else "-",
        )
    console.print(table)
    complete = sum(f.complete for f in result.faults)
    line = t(
        "result",
        matched=len(result.matched),
        complete=complete,
        faults=len(result.faults),
        missing=len(result.missing),
        repeated=len(result.repeated),
        false=len(result.false_positives),
        escalations=result.escalations,
    )
    console.print(
        ("[green]" if result.ok else "[red]") + line + ("[/green]" if result.ok else "[/red]")
    )
    for alert in result.false_positives[:10]:
        console.print(
            f"  {alert.device_no} {alert.code} {alert.severity} {alert.raised_at:%m-%d %H:%M}"
        )
