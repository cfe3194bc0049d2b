"""Teams of users under heads of sales: ``team create|set|list``."""

from __future__ import annotations

from typing import Annotated

import typer

from klientura import auth as auth_svc
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of
from klientura.db import command_session
from klientura.kit.errors import KlienturaError

team_app = typer.Typer(help="Teams of managers under heads of sales.", no_args_is_help=True)


@team_app.command("create")
def team_create(
    ctx: typer.Context,
    name: str,
    head: Annotated[str | None, typer.Option(help="the head's e-mail (a user with the role 'head')")] = None,
) -> None:
    """Add a team."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            head_id = auth_svc.user_by_email(session, head).id if head else None
            team = auth_svc.create_team(session, SYSTEM, name, head_id)
            console.print(f"team #{team.id} {team.name} created")
    except KlienturaError as exc:
        fail(exc, settings)


@team_app.command("set")
def team_set(
    ctx: typer.Context,
    name: str,
    member: Annotated[list[str], typer.Option("--member", "-m", help="repeat; exactly these users (e-mails)")],
    head: Annotated[str | None, typer.Option(help="the head's e-mail")] = None,
) -> None:
    """Give a team its head and exactly these members (they leave their former teams)."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            team = auth_svc.team_by_name(session, name)
            head_id = auth_svc.user_by_email(session, head).id if head else team.head_id
            ids = [auth_svc.user_by_email(session, email).id for email in member]
            _team, members = auth_svc.set_team(session, SYSTEM, team.id, head_id=head_id, members=ids)
            console.print(f"team {team.name}: {len(members)} members")
    except KlienturaError as exc:
        fail(exc, settings)


@team_app.command("list")
def team_list(ctx: typer.Context) -> None:
    """The teams, their heads and members."""
    with command_session(settings_of(ctx).database_url) as session:
        users = {u.id: u.email for u in auth_svc.list_users(session)}
        for team, members in auth_svc.list_teams(session):
            head = users.get(team.head_id, "-") if team.head_id else "-"
            print(f"{team.id}\t{team.name}\t{head}\t{', '.join(users[m] for m in members)}")
