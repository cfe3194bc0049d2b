"""What every command shares: the console, a readable failure, the settings built once per command."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from klientura import privacy
from klientura.config import Settings
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import LOCALES, translations
from klientura.kit.shop import Shop

console = Console(stderr=True)


def fail(problem: str | KlienturaError, settings: Settings | None = None) -> NoReturn:
    """Print the problem - a domain error in the shop's language (``settings.default_locale``), translated from its
    code - and exit with code 2."""
    if isinstance(problem, KlienturaError):
        locale = settings.default_locale if settings is not None else "en"
        problem = problem.translated(translations(locale if locale in LOCALES else "en").gettext)
    console.print("[red]error:[/red] " + escape(problem))
    raise typer.Exit(2)


def _read() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"setting KLIENTURA_{'.'.join(str(p) for p in first['loc']).upper()}: {first['msg']}")


def load_settings(ctx: typer.Context) -> None:
    """The root callback: the settings, read from the environment once, for the command that runs."""
    ctx.obj = _read()


def settings_of(ctx: typer.Context) -> Settings:
    """The command's settings (made by :func:`load_settings`; read here when a command is invoked alone)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = _read()
    settings: Settings = root.obj
    return settings


def strong_settings(ctx: typer.Context) -> Settings:
    """The command's settings, when its secret key may sign sessions and links on a server others reach; else the
    command stops with what to set (serve, send and worker call this)."""
    settings = settings_of(ctx)
    weak = settings.weak_secret()
    if weak is not None:
        fail(weak)
    from klientura.migrations import require_current

    try:
        require_current(settings.database_url)  # every request would fail on a missing column: refuse to start
    except KlienturaError as exc:
        fail(exc, settings)
    return settings


def demo_secret(ctx: typer.Context, path: Path) -> Settings:
    """The demo's settings: without a key of its own, a random one made on the first run and kept in ``path``
    (readable by this user only), so that ``make demo`` works in one command and its links survive a restart."""
    settings = settings_of(ctx)
    if settings.weak_secret() is None:
        return settings
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
        console.print(f"a random secret key for the demo is in {path}")
    settings = settings.model_copy(update={"secret_key": path.read_text().strip()})
    ctx.find_root().obj = settings
    return settings


def shop_of(ctx: typer.Context) -> Shop:
    """The shop's context for the command (its settings' region, time zone and currency; the system clock), built
    once per command."""
    root = ctx.find_root()
    shop = root.meta.get("klientura.shop")
    if not isinstance(shop, Shop):  # the settings checked the zone, the region and the currency
        shop = root.meta["klientura.shop"] = Shop.of(settings_of(ctx))
    return shop


def retention_of(settings: Settings) -> privacy.Retention:
    """The retention periods the settings name (KLIENTURA_RETENTION_*_DAYS)."""
    return privacy.Retention(
        audit_days=settings.retention_audit_days,
        rejections_days=settings.retention_rejections_days,
        message_days=settings.retention_message_days,
        idempotency_days=settings.retention_idempotency_days,
    )
