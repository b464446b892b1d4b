"""The offline verifier stands alone: standard library, ``cryptography`` and itself only."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.verifier.factory import dump, sample_log

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "carecover" / "verifier"
ALLOWED = {"cryptography"}


def _imports(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_package_has_modules() -> None:
    names = {path.name for path in PACKAGE.glob("*.py")}
    assert {"__init__.py", "__main__.py", "merkle.py", "note.py", "bundle.py", "cli.py"} <= names


def test_imports_are_stdlib_cryptography_or_relative() -> None:
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for module, level in _imports(path):
            top = module.split(".")[0]
            if level > 0 or top in sys.stdlib_module_names or top in ALLOWED:
                continue
            offenders.append(f"{path.name}: {module}")
    assert offenders == []


def test_a_copy_of_the_folder_runs_on_its_own(tmp_path: Path) -> None:
    shutil.copytree(
        PACKAGE, tmp_path / "offline_verifier", ignore=shutil.ignore_patterns("__pycache__")
    )
    log = sample_log(5)
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(dump(log.bundle([0, 4])))
    probe = (
        "import sys, runpy; sys.argv = ['v', 'bundle.json', '--key', sys.argv[1]];"
        "runpy.run_module('offline_verifier', run_name='__main__');"
    )
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-c", probe, log.vkey],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
        env={"PYTHONIOENCODING": "utf-8", "PATH": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED" in result.stdout
    check = subprocess.run(
        [
            sys.executable,
            "-E",
            "-s",
            "-c",
            "import sys, offline_verifier.bundle;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'carecover'))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": ""},
    )
    assert check.stdout.strip() == "[]"
