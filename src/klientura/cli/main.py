"""The command line, assembled: each module of ``klientura.cli`` owns its commands (its own Typer app); this one
adds them under one root whose callback reads the settings once for the command that runs."""

from __future__ import annotations

import typer

from klientura.cli import analytics, backups, clv, dedup, demo, imports, inbound, privacy, serving, store, teams, worker
from klientura.cli.common import load_settings

app = typer.Typer(help="Klientura: one customer base, understood and kept.", no_args_is_help=True)
app.callback()(load_settings)
for commands in (store.app, backups.app, serving.app, demo.app, analytics.app, worker.app, inbound.app):
    app.add_typer(commands)
app.add_typer(store.db_app, name="db")
app.add_typer(store.user_app, name="user")
app.add_typer(store.key_app, name="apikey")
app.add_typer(teams.team_app, name="team")
app.add_typer(imports.import_app, name="import")
app.add_typer(dedup.dedup_app, name="dedup")
app.add_typer(analytics.analytics_app, name="analytics")
app.add_typer(clv.clv_app, name="clv")
app.add_typer(privacy.privacy_app, name="privacy")


def main() -> None:
    app()
