"""Sales plans: a target of revenue (the amount of won deals) or of won deals for a month or a quarter, for a manager,
a team, a pipeline or the whole department. Heads of sales set them for their teams and their people, administrators
for anyone; a new target for the same month, scope and measure replaces the old one (audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from klientura import auth
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.db import Session
from klientura.kit.errors import Forbidden, NotFound, ValidationFailed
from klientura.sales.errors import PLAN_FORBIDDEN, PLAN_NOT_FOUND, PLAN_PERIOD, PLAN_SCOPE
from klientura.sales.models import Pipeline
from klientura.sales.spend_models import SalesPlan
from klientura.sales.spend_schemas import PlanIn


def _team(session: Session, team_id: int) -> auth.Team | None:
    try:
        return auth.get_team(session, team_id)
    except NotFound:
        return None


def _check_period(data: PlanIn) -> None:
    start = data.period_start
    if start.day != 1 or (data.months == 3 and start.month not in (1, 4, 7, 10)):
        raise ValidationFailed(PLAN_PERIOD, field="period_start", value=start.isoformat())


def _check_scope(session: Session, actor: Actor, data: PlanIn) -> None:
    if data.scope == "all":
        if data.scope_id:
            raise ValidationFailed(PLAN_SCOPE, field="scope_id", scope=data.scope, id=data.scope_id)
    elif data.scope == "manager":
        user = auth.get_user(session, data.scope_id)
        if user is None or user.role not in ("manager", "head"):
            raise ValidationFailed(PLAN_SCOPE, field="scope_id", scope=data.scope, id=data.scope_id)
    elif data.scope == "team":
        if _team(session, data.scope_id) is None:
            raise ValidationFailed(PLAN_SCOPE, field="scope_id", scope=data.scope, id=data.scope_id)
    elif session.get(Pipeline, data.scope_id) is None:
        raise ValidationFailed(PLAN_SCOPE, field="scope_id", scope=data.scope, id=data.scope_id)
    scope = owner_scope(actor)
    if actor.type == "user" and actor.role not in ("admin", "head"):
        raise Forbidden(PLAN_FORBIDDEN)
    if scope is not None:  # a head: their people, their teams
        mine = data.scope == "manager" and data.scope_id in scope
        team = _team(session, data.scope_id) if data.scope == "team" else None
        if not (mine or (team is not None and team.head_id == actor.id)):
            raise Forbidden(PLAN_FORBIDDEN)


def set_plan(session: Session, actor: Actor, data: PlanIn) -> SalesPlan:
    """Set (or replace) a target."""
    require(actor, "sales:write")
    _check_period(data)
    _check_scope(session, actor, data)
    row = session.scalars(
        select(SalesPlan).where(
            SalesPlan.period_start == data.period_start,
            SalesPlan.months == data.months,
            SalesPlan.scope == data.scope,
            SalesPlan.scope_id == data.scope_id,
            SalesPlan.measure == data.measure,
        )
    ).first()
    before = {"target": row.target} if row is not None else None
    if row is None:
        row = SalesPlan(**data.model_dump(), set_by=actor.name[:200])
        session.add(row)
    else:
        row.target, row.set_by = data.target, actor.name[:200]
    session.flush()
    record(session, actor, "sales.plan", "sales_plan", row.id, before, {**data.model_dump(mode="json")})
    return row


def list_plans(session: Session, actor: Actor, *, date_from: date, date_to: date) -> list[SalesPlan]:
    """The targets of months and quarters that start between the two days; a head of sales sees their teams' and
    people's and the department's."""
    require(actor, "sales:read")
    rows = list(
        session.scalars(
            select(SalesPlan)
            .where(SalesPlan.period_start >= date_from, SalesPlan.period_start <= date_to)
            .order_by(SalesPlan.period_start, SalesPlan.scope, SalesPlan.scope_id, SalesPlan.measure)
        )
    )
    scope = owner_scope(actor)
    if scope is None:
        return rows
    teams = {t.id for t, _members in auth.list_teams(session) if t.head_id == actor.id}
    return [
        r
        for r in rows
        if r.scope in ("all", "pipeline")
        or (r.scope == "manager" and r.scope_id in scope)
        or (r.scope == "team" and r.scope_id in teams)
    ]


def delete_plan(session: Session, actor: Actor, plan_id: int) -> None:
    require(actor, "sales:write")
    row = session.get(SalesPlan, plan_id)
    if row is None:
        raise NotFound(PLAN_NOT_FOUND, id=plan_id)
    _check_scope(session, actor, PlanIn.model_validate(row, from_attributes=True))
    before = {"scope": row.scope, "scope_id": row.scope_id, "target": row.target}
    session.execute(delete(SalesPlan).where(SalesPlan.id == plan_id))
    record(session, actor, "sales.plan_delete", "sales_plan", plan_id, before, None)
