"""`make bench`: foundation benchmarks, each against a baseline measured in the same run.

Writes bench/results.json as a list of {name, value, unit, baseline_name, baseline_value, ratio,
target}. ``ratio`` is value / baseline_value in the benchmark's unit.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="carecover-bench-"))
os.environ.setdefault("CARECOVER_ENV", "test")
os.environ.setdefault("CARECOVER_DEV_KEYS_FILE", str(WORK / "keys.json"))
os.environ.setdefault("CARECOVER_EMBEDDED_WORKER", "false")
os.environ.setdefault("CARECOVER_LOGIN_MAX_FAILURES", "1000000")

from claims_bench import bench_cycle, bench_fast_track, bench_photo_intake  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from dispatch_bench import bench_dispatch  # noqa: E402
from ledger_bench import bench_ledger  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, String, insert  # noqa: E402
from sqlalchemy import Table as SATable  # noqa: E402
from telematics_bench import bench_decode  # noqa: E402
from telematics_mqtt_bench import bench_mqtt  # noqa: E402

from carecover.accounts.demo import seed_demo_accounts  # noqa: E402
from carecover.entrypoints import registry  # noqa: E402
from carecover.platform.config import get_settings  # noqa: E402
from carecover.platform.context import Actor  # noqa: E402
from carecover.platform.crypto import FieldRef, get_cipher  # noqa: E402
from carecover.platform.db import migrate  # noqa: E402
from carecover.platform.db.session import Database  # noqa: E402

Result = dict[str, Any]


def rate(func: Callable[[], object], *, seconds: float = 1.0) -> float:
    """Calls per second of ``func`` over about ``seconds``."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        func()
        calls += 1
    return calls / elapsed


def result(
    name: str, value: float, unit: str, baseline_name: str, baseline: float, target: str
) -> Result:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": round(baseline, 3),
        "ratio": round(value / baseline, 4) if baseline else None,
        "target": target,
    }


def bench_field_encryption() -> list[Result]:
    cipher = get_cipher()
    ref = FieldRef("customers", "phone", "0191f3a0-0000-7000-8000-000000000000")
    raw = AESGCM(os.urandom(32))
    nonce, plaintext, aad = os.urandom(12), b"13812345678", ref.aad()
    ours = rate(lambda: cipher.encrypt("13812345678", ref))
    base = rate(lambda: raw.encrypt(nonce, plaintext, aad))
    blob = cipher.encrypt("13812345678", ref)
    dec = rate(lambda: cipher.decrypt(blob, ref))
    sealed = raw.encrypt(nonce, plaintext, aad)
    raw_dec = rate(lambda: raw.decrypt(nonce, sealed, aad))
    key = os.urandom(32)
    bidx = rate(lambda: cipher.blind_index("138 1234 5678", purpose="phone"))
    hm = rate(lambda: hmac.new(key, b"13812345678", hashlib.sha256).hexdigest())
    return [
        result("field_encrypt", ours, "ops/s", "raw AES-256-GCM encrypt", base, "ratio >= 0.3"),
        result("field_decrypt", dec, "ops/s", "raw AES-256-GCM decrypt", raw_dec, "ratio >= 0.3"),
        result("blind_index", bidx, "ops/s", "raw HMAC-SHA256", hm, "ratio >= 0.2"),
    ]


def bench_outbox_and_jobs(db: Database, n: int = 2000) -> list[Result]:
    from carecover.accounts.events import OrganisationCreated
    from carecover.platform.events import publish
    from carecover.platform.events.dispatcher import dispatch_batch
    from carecover.platform.ids import new_id

    meta = MetaData()
    plain = SATable(
        "bench_plain", meta, Column("id", Integer, primary_key=True), Column("v", String)
    )
    meta.create_all(db.engine)
    start = time.perf_counter()
    with db.session() as s, s.begin():
        s.execute(insert(plain), [{"v": f"row {i}"} for i in range(n)])
    raw_rate = n / (time.perf_counter() - start)

    start = time.perf_counter()
    with db.session() as s, s.begin():
        for _ in range(n):
            publish(s, OrganisationCreated(organisation_id=new_id(), kind="partner"))
    publish_rate = n / (time.perf_counter() - start)

    start = time.perf_counter()
    delivered = 0
    while delivered < n:
        done = dispatch_batch(db, worker_id="bench", batch_size=200)
        if done == 0:
            break
        delivered += done
    dispatch_rate = delivered / (time.perf_counter() - start)
    return [
        result(
            "outbox_publish",
            publish_rate,
            "events/s",
            "executemany INSERT of plain rows",
            raw_rate,
            ">= 2000 events/s in one transaction",
        ),
        result(
            "outbox_dispatch",
            dispatch_rate,
            "events/s",
            "executemany INSERT of plain rows",
            raw_rate,
            ">= 500 events/s per worker",
        ),
    ]


def bench_api(db: Database) -> list[Result]:
    from fastapi.testclient import TestClient

    from carecover.entrypoints.app import create_app

    app = create_app(get_settings(), db, embedded_worker=False)
    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "owner", "password": "owner-demo-2026"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        health = rate(lambda: client.get("/healthz"), seconds=2)
        me = rate(lambda: client.get("/api/v1/me", headers=headers), seconds=2)
        login = rate(
            lambda: client.post(
                "/api/v1/auth/token", data={"username": "owner", "password": "owner-demo-2026"}
            ),
            seconds=3,
        )
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    digest = hasher.hash("owner-demo-2026")
    argon = rate(lambda: hasher.verify(digest, "owner-demo-2026"), seconds=2)
    return [
        result(
            "api_me_authenticated",
            me,
            "req/s",
            "GET /healthz (no auth, no DB)",
            health,
            "ratio >= 0.2",
        ),
        result(
            "api_sign_in",
            1000 / login,
            "ms/sign-in",
            "raw argon2id verify",
            1000 / argon,
            "< 500 ms; ratio <= 1.5",
        ),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=1) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        time.sleep(0.1)
    raise TimeoutError(url)


def bench_startup() -> list[Result]:
    """`make run` after install: db upgrade + seed (the 2,000-customer world) + serve until
    /healthz answers."""
    env = {
        **os.environ,
        "CARECOVER_DATABASE_URL": f"sqlite:///{WORK / 'startup.db'}",
        "CARECOVER_EMBEDDED_WORKER": "true",
    }
    cli = [sys.executable, "-m", "carecover.entrypoints.cli"]
    port = _free_port()
    start = time.perf_counter()
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    make_run_seed = ["seed", "--demo", "--customers", "2000", "--cities", "3"]
    subprocess.run([*cli, *make_run_seed], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        ours = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    port = _free_port()
    hello = (
        "from starlette.applications import Starlette\n"
        "from starlette.responses import PlainTextResponse\n"
        "from starlette.routing import Route\n"
        "app = Starlette(routes=[Route('/healthz', lambda r: PlainTextResponse('ok'))])\n"
    )
    (WORK / "hello.py").write_text(hello)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hello:app", "--port", str(port), "--app-dir", str(WORK)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        base = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return [
        result(
            "make_run_to_healthz",
            ours,
            "s",
            "uvicorn hello-world to first 200",
            base,
            "< 180 s (issue: /healthz within 3 minutes)",
        )
    ]


def _fresh_pg_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    return url


def bench_seed(pg_url: str | None, customers: int) -> list[Result]:
    """Demo-world seeding (generate + validate + encrypt + COPY) against a raw COPY of the very
    same rows into an empty database."""
    from carecover.entrypoints.seed.world import WorldSpec, generate, seed_world
    from carecover.platform.clock import utc_now
    from carecover.platform.db.bulk import BulkWriter

    if pg_url is None:
        return []
    spec = WorldSpec(customers=customers, cities=30, seed=2026, now=utc_now())
    ours_db = Database(_fresh_pg_database(pg_url, "cc_bench_seed_world"))
    start = time.perf_counter()
    with ours_db.session() as s, s.begin():
        rows = seed_world(s, spec, processes=2)
    ours = rows / (time.perf_counter() - start)
    ours_db.dispose()
    prepared = [row for _, chunk in generate(spec) for row in chunk]
    raw_db = Database(_fresh_pg_database(pg_url, "cc_bench_seed_raw"))
    start = time.perf_counter()
    with raw_db.session() as s, s.begin():
        writer = BulkWriter(s)
        writer.write_rows(prepared)
    raw = writer.rows_written / (time.perf_counter() - start)
    raw_db.dispose()
    per_customer = rows / customers
    return [
        result(
            "seed_world_postgres",
            ours,
            "rows/s",
            "raw COPY of the same rows (pre-built)",
            raw,
            f"1,000,000 customers ≈ {1_000_000 * per_customer / ours / 60:.0f} min at this rate",
        )
    ]


def postgres_url() -> str | None:
    """The PostgreSQL to benchmark against, if one answers."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("CARECOVER_BENCH_DATABASE_URL") or os.environ.get(
        "CARECOVER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: skip that benchmark
        return None
    return url


def _replaced(r: Result, only: str | None) -> bool:
    """An old result of a rerun step whose name changed (dropped, not kept stale)."""
    if only == "dispatch":
        return r["name"].startswith("dispatch_")
    return only == "evidence log" and r["name"].startswith("ledger_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=f"sqlite:///{WORK / 'bench.db'}")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--seed-customers", type=int, default=20_000)
    parser.add_argument("--ledger-appends", type=int, default=50_000)
    parser.add_argument("--ledger-proof-size", type=int, default=1_000_000)
    parser.add_argument("--claims-decided", type=int, default=300)
    parser.add_argument("--claims-photos", type=int, default=30, help="warm photos per size")
    parser.add_argument("--claims-simulated", type=int, default=300)
    parser.add_argument("--telematics-readings", type=int, default=200_000)
    parser.add_argument(
        "--telematics-seconds",
        type=float,
        default=20.0,
        help="seconds each offered rate is sustained in the MQTT → PostgreSQL step",
    )
    parser.add_argument(
        "--only", help="run only the steps whose label contains this; keep the other results"
    )
    args = parser.parse_args()
    registry.load_all()
    migrate.upgrade(args.database_url)
    db = Database(args.database_url)
    with db.session() as s, s.begin():
        seed_demo_accounts(s, Actor.system())
    console = Console()
    results: list[Result] = []
    steps: list[tuple[str, Callable[[], list[Result]]]] = [
        ("field encryption", bench_field_encryption),
        ("outbox", lambda: bench_outbox_and_jobs(db)),
        ("api", lambda: bench_api(db)),
        ("startup", bench_startup),
        ("seed world", lambda: bench_seed(postgres_url(), args.seed_customers)),
        (
            "evidence log",
            lambda: bench_ledger(
                result,
                get_settings(),
                postgres_url(),
                _fresh_pg_database,
                appends_n=args.ledger_appends,
                proof_size=args.ledger_proof_size,
            ),
        ),
        (
            "claims fast track",
            lambda: bench_fast_track(
                result, postgres_url(), _fresh_pg_database, claims=args.claims_decided
            ),
        ),
        (
            "claims photo intake",
            lambda: bench_photo_intake(result, photos_per_size=args.claims_photos),
        ),
        ("claims cycle", lambda: bench_cycle(result, claims=args.claims_simulated)),
        (
            "telematics decode",
            lambda: bench_decode(result, readings=args.telematics_readings),
        ),
        (
            "telematics mqtt",
            lambda: bench_mqtt(
                result,
                postgres_url(),
                _fresh_pg_database,
                seconds=args.telematics_seconds,
            ),
        ),
        ("dispatch", lambda: bench_dispatch(result)),
    ]
    previous: list[Result] = []
    if args.only:
        steps = [step for step in steps if args.only in step[0]]
        if Path(args.out).exists():
            previous = json.loads(Path(args.out).read_text())
    with Progress(console=console) as progress:
        task = progress.add_task("benchmarks", total=len(steps))
        for label, step in steps:
            progress.update(task, description=label)
            results.extend(step())
            progress.advance(task)
    db.dispose()
    fresh = {r["name"] for r in results}
    results = [r for r in previous if r["name"] not in fresh and not _replaced(r, args.only)] + (
        results
    )
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = Table("name", "value", "baseline", "ratio", "target")
    for r in results:
        table.add_row(
            r["name"],
            f"{r['value']:,} {r['unit']}",
            f"{r['baseline_value']:,} ({r['baseline_name']})",
            str(r["ratio"]),
            r["target"],
        )
    console.print(table)
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
