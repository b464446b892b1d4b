"""`carecover evidence …`: sequence the log, run the self-audit, export bundles and the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from carecover.evidence import service
from carecover.evidence.jobs import integrate_pending
from carecover.evidence.service import audit, log
from carecover.platform.config import get_settings
from carecover.platform.db import get_database, session_scope
from carecover.platform.errors import AppError

app = typer.Typer(help="The evidence log: sequence, audit, export.", no_args_is_help=True)
console = Console()


@app.command("integrate")
def integrate() -> None:
    """Sequence every pending record now (the worker does this continuously)."""
    done = integrate_pending(get_database(), get_settings())
    with session_scope() as session:
        size = log.current_state(session).size
    console.print(f"sequenced {done} record(s); the log holds {size} entries")


@app.command("audit")
def run_audit() -> None:
    """Recompute the tree from every stored leaf and compare it with the signed checkpoints."""
    with session_scope() as session:
        run = audit.run_audit(session, service.get_signer())
        ok, size, checked = run.ok, run.size, run.checkpoints_checked
        problem = f"{run.problem_code}: {run.problem}"
    if ok:
        console.print(f"[green]OK[/green] {size} entries, {checked} checkpoints match")
        return
    console.print(f"[red]ALARM[/red] {problem}")
    raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint() -> None:
    """Print the latest signed checkpoint (a C2SP signed note)."""
    try:
        with session_scope() as session:
            note = log.latest_checkpoint(session).note
    except AppError as exc:
        console.print(f"[yellow]{exc.code}[/yellow]: the log is empty")
        raise typer.Exit(1) from exc
    typer.echo(note, nl=False)


@app.command("key")
def key() -> None:
    """Print the verifier key to pin with ``carecover-verify --key``."""
    typer.echo(service.get_signer().vkey)


@app.command("bundle")
def bundle(
    subject_type: Annotated[str, typer.Argument(help="claim, part, …")],
    subject_id: Annotated[str, typer.Argument(help="the subject's id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")] = Path(
        "bundle.json"
    ),
) -> None:
    """Write the full evidence bundle of one subject (content and salts included)."""
    try:
        with session_scope() as session:
            result = service.build_bundle(
                session,
                service.get_signer(),
                subject_type=subject_type,
                subject_id=subject_id,
                disclosure=service.Disclosure.full,
            )
    except AppError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.detail or ''}")
        raise typer.Exit(1) from exc
    output.write_text(json.dumps(result.document, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"wrote {output} ({len(result.document['entries'])} entries)")
