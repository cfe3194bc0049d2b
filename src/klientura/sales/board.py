"""What the sales pages show at a glance: a pipeline's kanban board (each open stage's deals, with exact counts and
sums however many there are), a manager's day (today's tasks, overdue ones, open deals without a next step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, func, select

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.sales.models import Deal, Task
from klientura.sales.owners import visible
from klientura.sales.pipelines import get_pipeline, read_pipeline
from klientura.sales.schemas import PipelineRead, StageRead
from klientura.sales.tasks import tasks_query


@dataclass
class Column:
    stage: StageRead
    count: int = 0
    total: Decimal = Decimal(0)
    deals: list[Deal] = field(default_factory=list)


@dataclass
class Board:
    pipeline: PipelineRead
    columns: list[Column]
    closing: list[StageRead]  # the won and lost stages: where a deal is dropped to close it


def board(
    session: Session, actor: Actor, pipeline_id: int, *, owner_id: int | None = None, per_column: int = 30
) -> Board:
    """The pipeline's open stages with the deals the actor sees: every column's count and sum exact, its latest
    ``per_column`` deals as cards."""
    require(actor, "sales:read")
    pipeline = read_pipeline(session, get_pipeline(session, actor, pipeline_id))
    where = [Deal.pipeline_id == pipeline.id, Deal.deleted_at.is_(None), visible(actor, Deal.owner_id)]
    if owner_id is not None:
        where.append(Deal.owner_id == owner_id)
    columns = {s.id: Column(s) for s in pipeline.stages if s.kind == "open"}
    totals = session.execute(
        select(Deal.stage_id, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .where(*where, Deal.stage_id.in_(list(columns)))
        .group_by(Deal.stage_id)
    )
    for stage_id, count, total in totals:
        columns[stage_id].count, columns[stage_id].total = int(count), Decimal(total)
    for column in columns.values():
        if column.count:
            column.deals = list(
                session.scalars(
                    select(Deal)
                    .where(*where, Deal.stage_id == column.stage.id)
                    .order_by(Deal.id.desc())
                    .limit(per_column)
                )
            )
    closing = [s for s in pipeline.stages if s.kind != "open"]
    return Board(pipeline=pipeline, columns=list(columns.values()), closing=closing)


@dataclass
class Day:
    today: list[Task]
    overdue: list[Task]
    without_next_step: list[Deal]
    without_next_step_count: int


def my_day(session: Session, actor: Actor, *, start: datetime, end: datetime, now: datetime, limit: int = 50) -> Day:
    """A user's day: the tasks due between ``start`` and ``end`` (the shop's today), the open ones overdue before
    ``start``, and their open deals that have no open task (no next step)."""
    require(actor, "sales:read")
    mine = actor.id
    today = tasks_query(actor, state="all", assignee_id=mine, due_from=start, due_to=end)
    overdue = tasks_query(actor, state="overdue", assignee_id=mine, now=min(now, start))
    planned = exists().where(Task.deal_id == Deal.id, Task.done_at.is_(None), Task.deleted_at.is_(None))
    idle_where = (Deal.owner_id == mine, Deal.status == "open", Deal.deleted_at.is_(None), ~planned)
    idle = select(Deal).where(*idle_where).order_by(Deal.updated_at, Deal.id).limit(limit)
    return Day(
        today=list(session.scalars(today.order_by(Task.due_at, Task.id).limit(limit))),
        overdue=list(session.scalars(overdue.order_by(Task.due_at, Task.id).limit(limit))),
        without_next_step=list(session.scalars(idle)),
        without_next_step_count=int(session.scalar(select(func.count()).where(*idle_where)) or 0),
    )
