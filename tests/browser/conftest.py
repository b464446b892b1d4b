"""A real CareCover server process (migrated, seeded, serving) and Debian chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from tests.dbutil import DatabaseFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(
    db_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Runs the same steps as `make run`: db upgrade, seed, serve (worker in-process)."""
    url = db_factory.empty()
    workdir = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {
        **os.environ,
        "CARECOVER_DATABASE_URL": url,
        "CARECOVER_DEV_KEYS_FILE": str(workdir / "keys.json"),
        "CARECOVER_EMBEDDED_WORKER": "true",
        "CARECOVER_LOGIN_MAX_FAILURES": "20",
    }
    cli = [sys.executable, "-m", "carecover.entrypoints.cli"]
    started = time.monotonic()
    for step in (["db", "upgrade"], ["seed", "--demo", "--customers", "60", "--cities", "2"]):
        subprocess.run([*cli, *step], env=env, check=True, capture_output=True, timeout=120)
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310 - local URL
                    if response.status == 200:
                        break
            except (URLError, OSError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "server.log").read_text())
            time.sleep(0.2)
        os.environ["CARECOVER_LIVE_STARTUP_SECONDS"] = f"{time.monotonic() - started:.1f}"
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Debian chromium at /usr/bin/chromium (scripts/ensure_chromium.sh)"
            )
        pytest.skip("Debian chromium is not installed (run scripts/ensure_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    context = browser.new_context(base_url=live_server, locale="zh-CN")  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()
