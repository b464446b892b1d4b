"""`carecover users …`: create and list accounts from the shell."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from carecover.accounts import repository, service
from carecover.accounts.schemas import UserCreate
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.db import session_scope
from carecover.platform.errors import AppError
from carecover.platform.i18n import translate

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
console = Console()


@app.command("create")
def create(
    username: Annotated[str, typer.Option(help="Sign-in name (lower case).")],
    role: Annotated[Role, typer.Option(help="One of the CareCover roles.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    organisation: Annotated[
        str | None, typer.Option(help="Partner organisation id (partner roles only).")
    ] = None,
    display_name: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str, typer.Option()] = "zh-CN",
) -> None:
    """Create one user account."""
    try:
        with session_scope() as session:
            user = service.create_user(
                session,
                Actor.system(),
                UserCreate(
                    username=username,
                    password=password,
                    role=role,
                    organisation_id=uuid.UUID(organisation) if organisation else None,
                    display_name=display_name,
                    phone=phone,
                    language="en" if language == "en" else "zh-CN",
                ),
            )
            console.print(f"[green]created[/green] {user.username} ({user.role.value}) {user.id}")
    except AppError as error:
        console.print(f"[red]{translate(error.message_key, language, **error.params)}[/red]")
        raise typer.Exit(code=1) from None


@app.command("list")
def list_users(role: Annotated[Role | None, typer.Option()] = None) -> None:
    """List accounts (personal fields masked)."""
    with session_scope() as session:
        rows, total = repository.list_users(session, role=role, limit=100, offset=0)
        table = Table("username", "role", "name", "phone", "language", title=f"{total} users")
        for user in rows:
            view = service.user_read(user)
            table.add_row(
                view.username,
                view.role.value,
                view.display_name_masked or "",
                view.phone_masked or "",
                view.language,
            )
        console.print(table)
