"""Teams of users under a head of sales: who the head sees and manages."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.auth.errors import NOT_A_HEAD, TEAM_EXISTS, TEAM_NOT_FOUND, USER_NOT_FOUND
from klientura.auth.models import Team, User
from klientura.auth.permissions import require
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed


def _user(session: Session, user_id: int, field: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed(USER_NOT_FOUND, field=field, id=user_id)
    return user


def _head(session: Session, head_id: int | None) -> int | None:
    if head_id is not None and _user(session, head_id, "head_id").role != "head":
        raise ValidationFailed(NOT_A_HEAD, field="head_id", id=head_id)
    return head_id


def create_team(session: Session, actor: Actor, name: str, head_id: int | None) -> Team:
    require(actor, "users:admin")
    team = Team(name=" ".join(name.split()), head_id=_head(session, head_id))
    try:
        with session.begin_nested():
            session.add(team)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(TEAM_EXISTS, name=team.name) from exc
    record(session, actor, "team.create", "team", team.id, None, {"name": team.name, "head_id": head_id})
    return team


def get_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(TEAM_NOT_FOUND, id=team_id)
    return team


def team_by_name(session: Session, name: str) -> Team:
    team = session.scalars(select(Team).where(Team.name == " ".join(name.split()))).first()
    if team is None:
        raise NotFound(TEAM_NOT_FOUND, id=name)
    return team


def list_teams(session: Session) -> list[tuple[Team, list[int]]]:
    """Every team with its members' ids."""
    members: dict[int, list[int]] = {}
    for user_id, team_id in session.execute(select(User.id, User.team_id).where(User.team_id.is_not(None))):
        if team_id is not None:
            members.setdefault(team_id, []).append(user_id)
    return [(t, sorted(members.get(t.id, []))) for t in session.scalars(select(Team).order_by(Team.name))]


def set_team(
    session: Session, actor: Actor, team_id: int, *, head_id: int | None, members: list[int]
) -> tuple[Team, list[int]]:
    """The team's head and its members, as given: users named join it (leaving their former team), the others
    leave it."""
    require(actor, "users:admin")
    team = get_team(session, team_id)
    wanted = sorted(set(members))
    for user_id in wanted:
        _user(session, user_id, "members")
    before_members = sorted(session.scalars(select(User.id).where(User.team_id == team.id)))
    before = {"head_id": team.head_id, "members": before_members}
    team.head_id = _head(session, head_id)
    session.execute(update(User).where(User.team_id == team.id, User.id.not_in(wanted)).values(team_id=None))
    if wanted:
        session.execute(update(User).where(User.id.in_(wanted)).values(team_id=team.id))
    session.flush()
    record(session, actor, "team.update", "team", team.id, before, {"head_id": team.head_id, "members": wanted})
    return team, wanted


def head_of(session: Session, user_id: int) -> int | None:
    """The head of the user's team (None: no team, or a team without a head)."""
    return session.scalar(select(Team.head_id).join(User, User.team_id == Team.id).where(User.id == user_id))


def heads_of_sales(session: Session) -> list[int]:
    """Every active head of sales; the administrators when there is none."""
    for role in ("head", "admin"):
        found = list(session.scalars(select(User.id).where(User.role == role, User.is_active).order_by(User.id)))
        if found:
            return found
    return []
