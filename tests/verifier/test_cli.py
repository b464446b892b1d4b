"""``python -m carecover.verifier``: exit codes and output, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from carecover.verifier.cli import main
from tests.verifier.factory import Log, b64, dump, private_key, sample_log, vkey

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carecover.verifier", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
        env={"PYTHONPATH": str(SRC), "PYTHONIOENCODING": "utf-8", "PATH": ""},
    )


@pytest.fixture(scope="module")
def log() -> Log:
    return sample_log()


@pytest.fixture
def write(tmp_path: Path) -> Any:
    def _write(bundle: dict[str, Any] | bytes, name: str = "bundle.json") -> Path:
        path = tmp_path / name
        path.write_bytes(bundle if isinstance(bundle, bytes) else dump(bundle))
        return path

    return _write


def test_a_valid_bundle_exits_0(log: Log, write: Any) -> None:
    result = _run(write(log.bundle([0, 5])), "--key", log.vkey, "--origin", log.origin)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Evidence bundle for claim CLAIM-0000"
    assert "[OK  ] #0 claim CLAIM-0000: included; commitment verified" in lines
    assert "[OK  ] #5 part PART-0005: included; commitment verified" in lines
    assert lines[-1] == "VERIFIED: all 2 entries are in the signed log."
    assert "WARNING" not in result.stdout
    assert result.stderr == ""


def test_the_key_can_come_from_a_file(log: Log, write: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "log.vkey"
    key_file.write_text(log.vkey + "\n")
    assert _run(write(log.bundle([1])), "--key", f"@{key_file}").returncode == 0


def test_without_a_key_it_verifies_but_warns(log: Log, write: Any) -> None:
    result = _run(write(log.bundle([2], disclose=False)))
    assert result.returncode == 0
    assert "WARNING: no trusted key was given" in result.stdout
    assert "commitment not disclosed" in result.stdout


def test_failed_verification_exits_1(log: Log, write: Any) -> None:
    bundle = log.bundle([0, 3])
    bundle["entries"][1]["record"]["content"] = b64(b"tampered")
    result = _run(write(bundle), "--key", log.vkey)
    assert result.returncode == 1
    assert "[FAIL] #3 claim CLAIM-0003: included; commitment mismatch" in result.stdout
    assert result.stdout.splitlines()[-1] == "FAILED: 1 of 2 entries did not verify."


def test_a_wrong_key_exits_1(log: Log, write: Any) -> None:
    result = _run(write(log.bundle([0])), "--key", vkey(private_key("stranger")))
    assert result.returncode == 1
    assert "ERROR: checkpoint rejected" in result.stdout
    assert result.stdout.splitlines()[-1] == "FAILED: the checkpoint could not be trusted."


def test_json_output(log: Log, write: Any) -> None:
    result = _run(write(log.bundle([0, 4])), "--key", log.vkey, "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["log"] == {"origin": log.origin, "key": report["log"]["key"], "key_pinned": True}
    assert [e["commitment"] for e in report["entries"]] == ["verified", "verified"]
    assert report["checkpoint"]["size"] == log.tree.size


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"a":1,"a":1}', b'{"format":"carecover-evidence-bundle/1"}'],
)
def test_malformed_input_exits_2(write: Any, content: bytes) -> None:
    result = _run(write(content))
    assert result.returncode == 2
    assert result.stderr.startswith("carecover-verify: error:")
    assert result.stdout == ""


def test_malformed_input_with_json_reports_the_error(write: Any) -> None:
    result = _run(write(b"{"), "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "bundle.json"


def test_unreadable_files_exit_2(log: Log, write: Any, tmp_path: Path) -> None:
    assert _run(tmp_path / "missing.json").returncode == 2
    result = _run(write(log.bundle([0])), "--key", f"@{tmp_path / 'missing.vkey'}")
    assert result.returncode == 2
    assert "cannot read the key file" in result.stderr
    assert _run(write(log.bundle([0])), "--key", "bad+key").returncode == 2


def test_bad_arguments_exit_2() -> None:
    assert main([]) == 2
    assert main(["a.json", "--frobnicate"]) == 2


def test_main_in_process(log: Log, write: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(write(log.bundle([7]))), "--key", log.vkey]) == 0
    assert "VERIFIED" in capsys.readouterr().out
