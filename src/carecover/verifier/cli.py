"""``carecover-verify``: check an evidence bundle offline, with no CareCover server.

Exit status: 0 when every entry verified, 1 when verification failed, 2 when the bundle or
the key could not be read or is malformed.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import TextIO

from .bundle import MAX_BUNDLE_SIZE, BundleError, BundleReport, verify_bundle  # noqa: TID252

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNREADABLE = 2


class _InputError(Exception):
    """The bundle or key file could not be read."""


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.write(text.encode("ascii", "backslashreplace").decode("ascii"))


def _read_bundle(path: str) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BUNDLE_SIZE + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BUNDLE_SIZE + 1)
    except OSError as exc:
        raise _InputError(f"cannot read the bundle {path!r}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BUNDLE_SIZE:
        raise _InputError(f"the bundle is larger than {MAX_BUNDLE_SIZE} bytes")
    return data


def _read_key(value: str | None) -> str | None:
    if value is None or not value.startswith("@"):
        return value
    try:
        with open(value[1:], encoding="utf-8") as handle:
            return handle.read(64 * 1024).strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(f"cannot read the key file {value[1:]!r}: {exc}") from exc


def _read_note(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read(64 * 1024 + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(f"cannot read the previous checkpoint {path!r}: {exc}") from exc


def _human(report: BundleReport) -> str:
    lines = [f"Evidence bundle for {report.subject_type} {report.subject_id}"]
    lines.append(f"  generated at {report.generated_at}")
    cp = report.checkpoint
    if cp is not None:
        root = base64.b64encode(cp.root).decode("ascii")
        lines.append(f"  log {cp.origin}: checkpoint of {cp.size} entries, root {root}")
    else:
        lines.append(f"  log {report.origin}: checkpoint NOT verified")
    pinned = "trusted key given" if report.key_pinned else "key taken from the bundle"
    lines.append(f"  signed by {report.key_name} ({pinned})")
    lines.extend(f"WARNING: {warning}" for warning in report.warnings)
    lines.extend(f"ERROR: {error}" for error in report.errors)
    for entry in report.entries:
        mark = "OK  " if entry.ok else "FAIL"
        label = f"{entry.type} {entry.id}".strip() or "(unreadable leaf)"
        state = "included" if entry.included else "NOT included"
        detail = f"{state}; commitment {entry.commitment}"
        extra = [
            r for r in (entry.reason or "").split("; ") if r and not r.startswith("commitment")
        ]
        if extra:
            detail += f" ({'; '.join(extra)})"
        lines.append(f"[{mark}] #{entry.index} {label}: {detail}")
    failed = sum(not entry.ok for entry in report.entries)
    total = len(report.entries)
    if report.ok:
        counted = "the 1 entry is" if total == 1 else f"all {total} entries are"
        lines.append(f"VERIFIED: {counted} in the signed log.")
    elif report.checkpoint is None:
        lines.append("FAILED: the checkpoint could not be trusted.")
    elif report.errors:
        lines.append(f"FAILED: {report.errors[0]}.")
    else:
        lines.append(f"FAILED: {failed} of {total} entries did not verify.")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carecover-verify",
        description="Verify a CareCover evidence bundle offline against a signed log checkpoint.",
    )
    parser.add_argument("bundle", metavar="BUNDLE", help="the bundle file ('-' for stdin)")
    parser.add_argument(
        "--key",
        metavar="VKEY_OR_@FILE",
        help="the log's verifier key (name+id+base64), or @file holding it; strongly advised",
    )
    parser.add_argument("--origin", metavar="ORIGIN", help="require checkpoints of this log")
    parser.add_argument(
        "--previous",
        metavar="FILE",
        help="a signed checkpoint you kept from an earlier check: the log must extend it "
        "(fetch the bundle with ?since=<its size> to include the consistency proof)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_UNREADABLE
    try:
        key = _read_key(args.key)
        previous = _read_note(args.previous) if args.previous else None
        report = verify_bundle(
            _read_bundle(args.bundle), trusted_key=key, origin=args.origin, previous=previous
        )
    except (_InputError, BundleError) as exc:
        code = getattr(exc, "code", "input.unreadable")
        if args.json:
            error = {"ok": False, "error": {"code": code, "message": str(exc)}}
            _write(sys.stdout, json.dumps(error, indent=2) + "\n")
        _write(sys.stderr, f"carecover-verify: error: {exc}\n")
        return EXIT_UNREADABLE
    if args.json:
        _write(sys.stdout, json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        _write(sys.stdout, _human(report))
    return EXIT_OK if report.ok else EXIT_FAILED
