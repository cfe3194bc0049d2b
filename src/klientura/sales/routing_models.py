"""Who takes the requests nobody owns: the routing rules (per source, or one for all) and the managers' duty —
their own working hours, whether they take requests, and their days off."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow


class RoutingRule(Base):
    """How a new person's request (no card owner, no open deal or lead) finds a manager: ``round_robin`` in turn
    or ``least_loaded`` (the fewest open requests) among the team's managers on duty; ``off`` leaves it for the
    heads to hand out. ``source`` is the request's (telegram, vk, email, form, call, an integration's) or ``*``."""

    __tablename__ = "lead_routing"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # None: the sellers of every team
    mode: Mapped[str] = mapped_column(String(16), default="round_robin")
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # round robin: whose turn it was
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class Duty(Base):
    """A seller's working time for routing: their own hours (the shop's when None) and whether they take new
    requests at all (managers do unless turned off; a head of sales only when turned on)."""

    __tablename__ = "manager_duty"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hours: Mapped[str | None] = mapped_column(String(200))  # "mon-fri 09:00-18:00; sat 10:00-14:00"
    takes_requests: Mapped[bool] = mapped_column(default=True)


class DayOff(Base):
    """A day a seller is away (leave, sick day): no requests routed to them that day (the shop's time)."""

    __tablename__ = "manager_days_off"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_manager_days_off"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date]
