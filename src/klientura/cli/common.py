"""What every command shares: the console, a readable failure, the settings built once per command."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from klientura.config import Settings

console = Console(stderr=True)


def fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}")
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
