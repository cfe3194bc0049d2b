"""Routing: a new person's request (no card owner, no open deal or lead of theirs) goes to a manager on duty —
in turn (``round_robin``) or to the one with the fewest open requests (``least_loaded``) — among the rule's team.
On duty: active, taking requests, within their own working hours (the shop's when they have none), not on a day
off, not on the shop's holiday. Nobody on duty: the request waits unassigned (the heads see it; the first-response
clock runs and escalates). Concurrent requests take turns on the rule's row, so a turn is never given twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import delete, func, select

from klientura import auth
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.config import Settings
from klientura.db import Session
from klientura.kit.errors import Forbidden, NotFound, ValidationFailed
from klientura.kit.worktime import WorkCalendar
from klientura.sales.errors import DUTY_FORBIDDEN, DUTY_HOURS, ROUTING_TEAM, SELLER_NOT_FOUND
from klientura.sales.models import Lead
from klientura.sales.routing_models import DayOff, Duty, RoutingRule

Mode = Literal["round_robin", "least_loaded", "off"]
SELLING = ("manager", "head")


@dataclass(frozen=True)
class Roster:
    """The shop's working time and holidays: the hours of a seller with none of their own."""

    calendar: WorkCalendar


def roster_of(settings: Settings) -> Roster:
    """The settings' working time (KLIENTURA_WORK_HOURS, KLIENTURA_HOLIDAYS) in the shop's zone."""
    try:
        return Roster(WorkCalendar.parse(settings.work_hours, settings.timezone, settings.holidays))
    except ValueError as exc:
        raise ValueError(f"KLIENTURA_WORK_HOURS: {exc}") from None


@dataclass(frozen=True)
class OnDuty:
    user_id: int
    name: str
    team_id: int | None
    hours: str | None  # their own, None: the shop's
    takes_requests: bool
    days_off: tuple[date, ...]
    on_duty: bool  # at the moment asked


def rule_for(session: Session, source: str, *, lock: bool = False) -> RoutingRule | None:
    """The source's own rule, else the one for all (``*``)."""
    stmt = select(RoutingRule).where(RoutingRule.source.in_((source[:32], "*")))
    stmt = stmt.order_by((RoutingRule.source == "*").asc())
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def roster(session: Session, calendar: Roster, now: datetime, team_id: int | None = None) -> list[OnDuty]:
    """The sellers routing may give requests to (of the team, or all), each with whether they are on duty now."""
    stmt = (
        select(auth.User.id, auth.User.name, auth.User.team_id, auth.User.role, Duty.hours, Duty.takes_requests)
        .outerjoin(Duty, Duty.user_id == auth.User.id)
        .where(auth.User.is_active, auth.User.role.in_(SELLING))
        .order_by(auth.User.id)
    )
    if team_id is not None:
        stmt = stmt.where(auth.User.team_id == team_id)
    rows = session.execute(stmt).all()
    today = now.astimezone(calendar.calendar.zone).date()
    away: dict[int, list[date]] = {}
    for user_id, day in session.execute(
        select(DayOff.user_id, DayOff.day).where(DayOff.day >= today).order_by(DayOff.day)
    ):
        away.setdefault(user_id, []).append(day)
    found = []
    for user_id, name, team, role, hours, takes in rows:
        takes = takes if takes is not None else role == "manager"
        days = tuple(away.get(user_id, ()))
        working = _calendar(calendar, hours).is_open(now) if takes and today not in days else False
        found.append(OnDuty(user_id, name, team, hours, takes, days, working))
    return found


def duty_board(session: Session, actor: Actor, calendar: Roster, now: datetime) -> list[OnDuty]:
    """The sellers the actor sees (a manager: themselves; a head: their team; others: all), on duty or not now."""
    require(actor, "sales:read")
    scope = owner_scope(actor)
    return [p for p in roster(session, calendar, now) if scope is None or p.user_id in scope]


def _calendar(calendar: Roster, hours: str | None) -> WorkCalendar:
    if not hours:
        return calendar.calendar
    shop = calendar.calendar
    return WorkCalendar.parse(hours, shop.zone.key, shop.holidays)


def route(session: Session, calendar: Roster, source: str, now: datetime) -> int | None:
    """The manager a new request of this source goes to, or None (no rule, ``off``, nobody on duty)."""
    rule = rule_for(session, source, lock=True)
    if rule is None or rule.mode == "off":
        return None
    ready = [p.user_id for p in roster(session, calendar, now, rule.team_id) if p.on_duty]
    if not ready:
        return None
    if rule.mode == "least_loaded":
        load = dict(
            session.execute(
                select(Lead.owner_id, func.count())
                .where(Lead.owner_id.in_(ready), Lead.status == "open", Lead.deleted_at.is_(None))
                .group_by(Lead.owner_id)
            ).all()
        )
        # the fewest open requests; among equals, the one whose turn comes first after the last one given
        after = rule.last_user_id or 0
        chosen = min(ready, key=lambda u: (load.get(u, 0), u <= after, u))
    else:
        after = rule.last_user_id or 0
        chosen = next((u for u in ready if u > after), ready[0])
    rule.last_user_id = chosen
    session.flush()
    return chosen


def set_rule(session: Session, actor: Actor, source: str, mode: Mode, team_id: int | None) -> RoutingRule:
    require(actor, "users:admin")
    if team_id is not None and session.get(auth.Team, team_id) is None:
        raise ValidationFailed(ROUTING_TEAM, field="team_id", id=team_id)
    rule = session.scalars(select(RoutingRule).where(RoutingRule.source == source)).first()
    before = {"mode": rule.mode, "team_id": rule.team_id} if rule is not None else None
    if rule is None:
        rule = RoutingRule(source=source)
        session.add(rule)
    rule.mode, rule.team_id, rule.updated_by = mode, team_id, actor.name[:200]
    session.flush()
    record(session, actor, "routing.set", "routing", rule.id, before, {"source": source, "mode": mode,
                                                                        "team_id": team_id})  # fmt: skip
    return rule


def remove_rule(session: Session, actor: Actor, source: str) -> None:
    require(actor, "users:admin")
    rule = session.scalars(select(RoutingRule).where(RoutingRule.source == source)).first()
    if rule is not None:
        session.delete(rule)
        session.flush()
        record(session, actor, "routing.remove", "routing", rule.id, {"source": source, "mode": rule.mode}, None)


def rules(session: Session, actor: Actor) -> list[RoutingRule]:
    require(actor, "sales:read")
    return list(session.scalars(select(RoutingRule).order_by((RoutingRule.source == "*").desc(), RoutingRule.source)))


def _seller(session: Session, actor: Actor, user_id: int) -> auth.User:
    require(actor, "sales:write")
    scope = owner_scope(actor)
    if scope is not None and user_id not in scope:
        raise Forbidden(DUTY_FORBIDDEN)
    user = auth.get_user(session, user_id)
    if user is None or user.role not in SELLING:
        raise NotFound(SELLER_NOT_FOUND, id=user_id)
    return user


def set_duty(
    session: Session, actor: Actor, calendar: Roster, user_id: int, *, hours: str | None, takes_requests: bool
) -> Duty:
    """A seller's own hours (None: the shop's) and whether they take requests: an admin's for anyone, a head's for
    their team, a manager's for themselves."""
    _seller(session, actor, user_id)
    hours = " ".join((hours or "").split()) or None
    if hours is not None:
        try:
            _calendar(calendar, hours)
        except ValueError as exc:
            raise ValidationFailed(DUTY_HOURS, field="hours") from exc
    duty = session.get(Duty, user_id) or Duty(user_id=user_id)
    before = {"hours": duty.hours, "takes_requests": duty.takes_requests} if duty in session else None
    duty.hours, duty.takes_requests = hours, takes_requests
    session.add(duty)
    session.flush()
    record(session, actor, "duty.set", "user", user_id, before, {"hours": hours, "takes_requests": takes_requests})
    return duty


def set_days_off(session: Session, actor: Actor, user_id: int, days: list[date], *, off: bool) -> int:
    """Mark days (a leave: a range of them) away, or back at work; how many changed."""
    _seller(session, actor, user_id)
    have = set(session.scalars(select(DayOff.day).where(DayOff.user_id == user_id, DayOff.day.in_(days))))
    changed = 0
    for day in sorted(set(days)):
        if off and day not in have:
            session.add(DayOff(user_id=user_id, day=day))
            changed += 1
        elif not off and day in have:
            session.execute(delete(DayOff).where(DayOff.user_id == user_id, DayOff.day == day))
            changed += 1
    session.flush()
    if changed:
        record(session, actor, "duty.days_off" if off else "duty.days_back", "user", user_id, None,
               {"days": [d.isoformat() for d in sorted(set(days))][:62]})  # fmt: skip
    return changed
