"""The shape of the code base is a tested contract: import layers, domain anatomy, module size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "carecover"
ROOT = SRC.parents[1]

# The files a domain package may have (aesthetics.md §8); a file only when it has content.
DOMAIN_FILES = {
    "__init__.py",
    "models.py",
    "enums.py",
    "schemas.py",
    "errors.py",
    "events.py",
    "repository.py",
    "service.py",
    "handlers.py",
    "permissions.py",
    "ports.py",
    "api.py",
    "web.py",
    "cli.py",
    "jobs.py",
    "demo.py",
    "catalogue.py",
}
DOMAIN_DIRS = {"templates", "locales", "service", "fixtures", "api", "web", "__pycache__"}
"""``api`` and ``web`` may grow from one module into a package of routers (claims did)."""
NOT_DOMAINS = {"platform", "entrypoints", "migrations", "integrations", "verifier", "__pycache__"}


def domains() -> list[Path]:
    return sorted(p for p in SRC.iterdir() if p.is_dir() and p.name not in NOT_DOMAINS)


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_there_is_at_least_one_domain() -> None:
    assert [d.name for d in domains()]


@pytest.mark.parametrize("domain", domains(), ids=lambda p: p.name)
def test_domain_follows_the_anatomy(domain: Path) -> None:
    unexpected = [
        child.name
        for child in domain.iterdir()
        if (child.is_file() and child.name not in DOMAIN_FILES)
        or (child.is_dir() and child.name not in DOMAIN_DIRS)
    ]
    assert unexpected == []
    assert (domain / "__init__.py").read_text().startswith('"""')


def test_every_domain_is_in_the_layer_contract() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    for domain in domains():
        assert f"carecover.{domain.name}" in pyproject, domain.name


def test_modules_stay_small() -> None:
    big = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > 400
    }
    assert big == {}


def test_services_never_commit() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name in ("service.py", "repository.py", "handlers.py")
        and ".commit()" in path.read_text()
    ]
    assert offenders == []
