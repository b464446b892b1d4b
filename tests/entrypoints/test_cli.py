"""The `carecover` command: version, db upgrade, seed (idempotent), users."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carecover import __version__
from carecover.accounts.demo import DEMO_ACCOUNTS
from carecover.entrypoints.cli import app
from carecover.platform.config import get_settings
from carecover.platform.crypto import get_cipher
from carecover.platform.db import get_database, migrate
from tests.dbutil import DatabaseFactory

runner = CliRunner()


@pytest.fixture
def cli_database(db_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = db_factory.empty()
    monkeypatch.setenv("CARECOVER_DATABASE_URL", url)
    monkeypatch.setenv("CARECOVER_DEFAULT_LANGUAGE", "en")
    for cached in (get_settings, get_database, get_cipher):
        cached.cache_clear()
    yield url
    get_database().dispose()
    for cached in (get_settings, get_database, get_cipher):
        cached.cache_clear()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_upgrade_seed_and_users(cli_database: str) -> None:
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert migrate.head_revision() in up.output
    first = runner.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_ACCOUNTS)} new" in first.output
    again = runner.invoke(app, ["seed"])
    assert "0 new" in again.output
    once = runner.invoke(app, ["worker", "--once"])
    assert once.exit_code == 0, once.output
    assert f"dispatched={len(DEMO_ACCOUNTS) + 3}" in once.output  # users + 3 organisations
    created = runner.invoke(
        app,
        ["users", "create", "--username", "cli.adjuster", "--role", "adjuster"],
        input="cli-password-2026\ncli-password-2026\n",
    )
    assert created.exit_code == 0, created.output
    assert "cli.adjuster" in created.output
    dup = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "cli.adjuster",
            "--role",
            "adjuster",
            "--password",
            "cli-password-2026",
            "--language",
            "en",
        ],
    )
    assert dup.exit_code == 1
    assert "This username is taken." in dup.output
    listing = runner.invoke(app, ["users", "list", "--role", "owner"])
    assert "138****8000" in listing.output
    assert "13800138000" not in listing.output


def test_seed_refuses_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CARECOVER_ENV", "production")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["seed"])
        assert result.exit_code != 0
    finally:
        monkeypatch.setenv("CARECOVER_ENV", os.environ.get("CARECOVER_ENV", "test"))
        get_settings.cache_clear()


def test_messages_follow_the_default_language(
    cli_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARECOVER_DEFAULT_LANGUAGE", "zh-CN")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert f"数据库版本：{migrate.head_revision()}" in result.output


def test_production_with_default_secrets_refuses_to_start(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARECOVER_")}
    env.update({"CARECOVER_ENV": "production", "CARECOVER_DATABASE_URL": "postgresql://x/y"})
    result = subprocess.run(
        [sys.executable, "-m", "carecover.entrypoints.cli", "version"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "CARECOVER_SECRET_KEY" in result.stderr
    assert "CARECOVER_ENCRYPTION_KEYS" in result.stderr
