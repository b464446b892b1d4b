"""`carecover`: serve, worker, db, users, seed, version."""

from __future__ import annotations

import signal
import socket
import threading
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress

from carecover import __version__
from carecover.accounts import cli as accounts_cli
from carecover.accounts.demo import DEMO_ACCOUNTS, seed_demo_accounts
from carecover.entrypoints import registry
from carecover.entrypoints.seed.bookings import seed_demo_bookings
from carecover.entrypoints.seed.charging import seed_demo_charging
from carecover.entrypoints.seed.claims import seed_demo_claims
from carecover.entrypoints.seed.orders import seed_demo_orders
from carecover.entrypoints.seed.parts import seed_demo_parts
from carecover.entrypoints.seed.telematics import seed_demo_telematics
from carecover.entrypoints.seed.world import (
    WorldSpec,
    clear_world,
    link_demo_owners,
    seed_world,
    world_size,
)
from carecover.evidence import cli as evidence_cli
from carecover.evidence.jobs import integrate_pending
from carecover.orders import cli as orders_cli
from carecover.platform.clock import utc_now
from carecover.platform.config import ConfigError, get_settings
from carecover.platform.context import Actor
from carecover.platform.db import get_database, session_scope
from carecover.platform.db import migrate as migrations
from carecover.platform.i18n import translate
from carecover.platform.logging import configure_logging
from carecover.platform.worker import make_worker_id, run_forever, tick
from carecover.telematics import cli as telematics_cli

app = typer.Typer(help="CareCover — insurance + services platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(accounts_cli.app, name="users")
app.add_typer(evidence_cli.app, name="evidence")
telematics_cli.app.command("rescue")(orders_cli.rescue)
app.add_typer(telematics_cli.app, name="simulate")
telematics_cli.on_start(registry.load_all)
console = Console()


@app.callback()
def check_settings() -> None:
    """CareCover — insurance + services platform (保险+服务)."""
    get_settings()  # unsafe production settings stop every command here, before any work


@app.command()
def version() -> None:
    """Print the CareCover version."""
    console.print(f"carecover {__version__}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    settings = get_settings()
    migrations.upgrade(settings.database_url, revision)
    heads = migrations.current_heads(settings.database_url)
    revision_text = ", ".join(heads) or "base"
    console.print(
        "[green]"
        + translate("cli.db.at", settings.default_language, revision=revision_text)
        + "[/green]"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the applied migration revision."""
    heads = migrations.current_heads(get_settings().database_url)
    console.print(", ".join(heads) or "base (no migrations applied)")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Also build the demo world.")] = False,
    customers: Annotated[int, typer.Option(min=1, max=5_000_000)] = 2000,
    cities: Annotated[int, typer.Option(min=1, max=338)] = 3,
    seed_value: Annotated[int, typer.Option("--seed")] = 2026,
    reset: Annotated[bool, typer.Option(help="Delete the existing world first.")] = False,
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Processes that build rows in parallel.")
    ] = 1,
) -> None:
    """Create demo accounts (one per role); with --demo, a deterministic world of customers,
    cars, policies and packages over real cities. Idempotent: an existing world is kept unless
    --reset is given."""
    settings = get_settings()
    lang = settings.default_language
    if settings.is_production:
        console.print("[red]" + translate("cli.seed.refused", lang) + "[/red]")
        raise typer.Exit(code=1)
    registry.load_all()
    with Progress(console=console) as progress:
        task = progress.add_task(translate("cli.seed.accounts", lang), total=len(DEMO_ACCOUNTS))
        with session_scope() as session:
            created = seed_demo_accounts(
                session, Actor.system(), progress=lambda _name: progress.advance(task)
            )
    console.print(
        "[green]"
        + translate("cli.seed.done", lang, created=created, total=len(DEMO_ACCOUNTS))
        + "[/green]"
    )
    if demo:
        build_world(
            customers=customers,
            cities=cities,
            seed_value=seed_value,
            reset=reset,
            processes=processes,
        )


def build_world(
    *, customers: int, cities: int, seed_value: int, reset: bool, processes: int
) -> None:
    lang = get_settings().default_language
    with session_scope() as session:
        existing = world_size(session)
        if existing and not reset:
            console.print(translate("cli.world.exists", lang, customers=existing))
            return
        if existing:
            clear_world(session)
    spec = WorldSpec(customers=customers, cities=cities, seed=seed_value, now=utc_now())
    started = time.perf_counter()
    with Progress(console=console) as progress, session_scope() as session:
        task = progress.add_task(translate("cli.world.building", lang), total=customers)
        rows = seed_world(
            session, spec, processes=processes, progress=lambda n: progress.advance(task, n)
        )
        link_demo_owners(session)
        seed_demo_parts(session)
        seed_demo_claims(session, spec.now)
        seed_demo_orders(session, spec.now)
        seed_demo_charging(session, now=spec.now, seed=spec.seed)
        seed_demo_bookings(session, now=spec.now, seed=spec.seed)
    integrate_pending(get_database(), get_settings())  # the demo parts' events get their proofs
    with Progress(console=console) as progress:
        task = progress.add_task(translate("cli.simulate.progress", lang), total=1.0)
        tele = seed_demo_telematics(
            get_database(), spec.now, progress=lambda f: progress.update(task, completed=f)
        )
    if tele is not None:
        console.print(translate("cli.seed.telematics", lang, **tele.summary()))
    elapsed = time.perf_counter() - started
    console.print(
        "[green]"
        + translate(
            "cli.world.done",
            lang,
            customers=customers,
            cities=cities,
            rows=rows,
            seconds=f"{elapsed:.1f}",
        )
        + "[/green]"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    worker: Annotated[
        bool | None, typer.Option("--worker/--no-worker", help="Run the worker in-process.")
    ] = None,
) -> None:
    """Serve the API and the web faces (with the worker in-process unless --no-worker)."""
    import uvicorn

    from carecover.entrypoints.app import create_app

    settings = get_settings()
    application = create_app(settings, embedded_worker=worker)
    url = f"http://{host or settings.host}:{port or settings.port}"
    lang = settings.default_language
    console.print(
        Panel.fit(
            translate("cli.serve.banner", lang, url=url)
            + ("" if settings.is_production else "\n" + translate("cli.serve.demo_hint", lang)),
            title="CareCover",
        )
    )
    feed = None
    if settings.simulator_vehicles and not settings.is_production:
        from carecover.telematics.service.simulator_run import LiveFeed

        feed = LiveFeed(get_database(), settings.simulator_vehicles)
        feed.start()
        from carecover.accounts.demo import RESCUE_FIRM
        from carecover.orders.demo import FleetAutopilot

        FleetAutopilot(get_database(), skip_org_names=(RESCUE_FIRM,)).start()
        console.print(translate("cli.serve.simulator", lang, vehicles=settings.simulator_vehicles))
    uvicorn.run(
        application,
        host=host or settings.host,
        port=port or settings.port,
        # Client addresses (audit log, sign-in throttling) come from X-Forwarded-For only when
        # the request arrives from a proxy listed in CARECOVER_FORWARDED_ALLOW_IPS.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level.lower(),
    )
    if feed is not None:
        feed.stop()


@app.command("worker")
def worker_cmd(
    once: Annotated[bool, typer.Option(help="Run one pass and exit.")] = False,
) -> None:
    """Run background work: scheduled jobs, outbox delivery, queued jobs."""
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    registry.load_all()
    database = get_database()
    if once:
        result = tick(database, settings, make_worker_id(":once"))
        console.print(
            f"scheduled={result.scheduled} dispatched={result.dispatched} jobs={result.jobs}"
        )
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_forever(database, settings, stop)


@app.command("ingest")
def ingest_cmd(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Workers in this process.")] = 2,
    host: Annotated[str, typer.Option(help="MQTT broker host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port.")] = 1883,
) -> None:
    """Ingest device telemetry from MQTT (a shared subscription: run as many as needed)."""
    from carecover.telematics.service.mqtt import MqttIngestWorker

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    registry.load_all()
    database = get_database()
    name = socket.gethostname()
    pool = [
        MqttIngestWorker(
            database.session, host=host, port=port, client_id=f"carecover-ingest-{name}-{n}"
        )
        for n in range(workers)
    ]
    import gc

    gc.collect()
    gc.freeze()  # what is loaded now lives for the process: no collector pass walks it again
    for worker in pool:
        worker.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print(f"ingesting from mqtt://{host}:{port} with {workers} worker(s)")
    stop.wait()
    for worker in pool:
        worker.stop()
    stats = [w.stats for w in pool]
    console.print(
        f"messages={sum(s.messages for s in stats)} accepted={sum(s.accepted for s in stats)} "
        f"duplicates={sum(s.duplicates for s in stats)} rejected={sum(s.rejected for s in stats)}"
    )


def main() -> None:
    try:
        app()
    except ConfigError as error:
        Console(stderr=True).print(f"[red]configuration error:[/red] {error}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
