"""The store and who may use it: ``db upgrade``, ``init``, ``user create|list|password|telegram|deactivate|activate``,
``apikey create|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer

from klientura import auth as auth_svc
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.config import DEFAULT_DATA_DIR
from klientura.db import backup as backups
from klientura.db import command_session
from klientura.kit.errors import KlienturaError
from klientura.migrations import pending, upgrade

app = typer.Typer()
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the web UI.", no_args_is_help=True)
key_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the store to the latest schema (an SQLite store is backed up first)."""
    settings = settings_of(ctx)
    if backups.kind_of(settings.database_url) == "sqlite" and pending(settings.database_url):
        store = backups.sqlite_path(settings.database_url)
        if store.exists() and store.stat().st_size > 0:
            name = backups.backup_name(settings.database_url, shop_of(ctx).now(), "before-upgrade")
            made = backups.backup(settings.database_url, DEFAULT_DATA_DIR / "backups" / name)
            console.print(f"backed up to {made} before the upgrade")
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
    role: Annotated[str, typer.Option(help="admin | marketer | head | manager | analyst")] = "marketer",
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


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """The users, their roles and whether they may log in."""
    with command_session(settings_of(ctx).database_url) as session:
        for user in auth_svc.list_users(session):
            state = "active" if user.is_active else "deactivated"
            print(f"{user.id}\t{user.email}\t{user.role}\t{state}")


@user_app.command("password")
def user_password(
    ctx: typer.Context, email: str, password: Annotated[str | None, typer.Option(help="asked if omitted")] = None
) -> None:
    """Set a user's password (a reset): every session of the user ends."""
    settings = settings_of(ctx)
    pwd = password or typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with command_session(settings.database_url) as session:
            user = auth_svc.user_by_email(session, email)
            ended = auth_svc.set_password(session, SYSTEM, user, pwd, shop_of(ctx).now())
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(f"password of {email} set; {ended} session(s) ended")


@user_app.command("telegram")
def user_telegram(
    ctx: typer.Context,
    email: str,
    chat_id: Annotated[str, typer.Argument(help="their chat with the shop's bot; empty: reminders by e-mail")] = "",
) -> None:
    """Send a user's task reminders to their Telegram chat (or, with no chat id, back to e-mail)."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            user = auth_svc.set_telegram(session, SYSTEM, auth_svc.user_by_email(session, email), chat_id or None)
            where = f"Telegram chat {user.telegram_chat_id}" if user.telegram_chat_id else "e-mail"
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(f"{email}: task reminders go to {where}")


@user_app.command("deactivate")
def user_deactivate(ctx: typer.Context, email: str) -> None:
    """Stop a user from logging in; their sessions end at once."""
    _set_active(ctx, email, False)


@user_app.command("activate")
def user_activate(ctx: typer.Context, email: str) -> None:
    """Let a deactivated user log in again."""
    _set_active(ctx, email, True)


def _set_active(ctx: typer.Context, email: str, active: bool) -> None:
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            user = auth_svc.user_by_email(session, email)
            ended = auth_svc.set_active(session, SYSTEM, user, active, shop_of(ctx).now())
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(f"{email} {'activated' if active else f'deactivated; {ended} session(s) ended'}")


@key_app.command("list")
def apikey_list(ctx: typer.Context) -> None:
    """The API keys: id, name, prefix, scopes, revoked or not (never the secret)."""
    with command_session(settings_of(ctx).database_url) as session:
        for key in auth_svc.list_api_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.id}\t{key.name}\tkl_{key.prefix}_…\t{','.join(key.scopes)}\t{state}")


@key_app.command("revoke")
def apikey_revoke(ctx: typer.Context, key_id: int) -> None:
    """Revoke an API key (its id from ``apikey list``)."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            auth_svc.revoke_api_key(session, SYSTEM, key_id, shop_of(ctx).now())
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(f"API key {key_id} revoked")
