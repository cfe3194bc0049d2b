"""The store and who may use it: ``db upgrade``, ``init``, ``user create``, ``apikey create``."""

from __future__ import annotations

from typing import Annotated

import typer

from klientura import auth as auth_svc
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of
from klientura.db import command_session
from klientura.kit.errors import KlienturaError
from klientura.migrations import upgrade

app = typer.Typer()
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the web UI.", no_args_is_help=True)
key_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the store to the latest schema."""
    settings = settings_of(ctx)
    upgrade(settings.database_url)
    console.print(f"[green]store is up to date[/green] ({settings.database_url.split('@')[-1]})")


@app.command()
def init(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="e-mail of the first admin")] = "admin@example.com",
    password: Annotated[str | None, typer.Option(help="password (asked if omitted)")] = None,
) -> None:
    """Create the store and the first admin user."""
    settings = settings_of(ctx)
    upgrade(settings.database_url)
    pwd = password or typer.prompt("Password for " + email, hide_input=True, confirmation_prompt=True)
    try:
        with command_session(settings.database_url) as session:
            auth_svc.create_user(session, SYSTEM, email, "Administrator", "admin", pwd)
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(f"[green]ready[/green]: log in as {email}")


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    email: str,
    role: Annotated[str, typer.Option(help="admin | marketer | manager | analyst")] = "marketer",
    name: Annotated[str, typer.Option()] = "",
    password: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a user."""
    settings = settings_of(ctx)
    pwd = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with command_session(settings.database_url) as session:
            user = auth_svc.create_user(session, SYSTEM, email, name or email, role, pwd)
            console.print(f"user #{user.id} {user.email} ({user.role}) created")
    except KlienturaError as exc:
        fail(exc, settings)


@key_app.command("create")
def apikey_create(
    ctx: typer.Context,
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="repeat; e.g. orders:write")],
) -> None:
    """Create an API key; the key is printed once."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            _key, token = auth_svc.create_api_key(session, SYSTEM, name, scope)
    except KlienturaError as exc:
        fail(exc, settings)
    print(token)
