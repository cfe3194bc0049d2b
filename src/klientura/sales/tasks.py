"""Tasks: calls, meetings, e-mails and to-dos by a time, for a user, about a deal, a lead, a customer or a company.
Done with a result; delegated and rescheduled with the history kept (:class:`TaskEvent`). A manager sees the tasks
assigned to them, a head of sales their team's, the others all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, tuple_

from klientura import auth, customers
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, utcnow
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.kit.pagination import BAD_CURSOR, decode_cursor, encode_cursor
from klientura.sales.companies import get_company
from klientura.sales.deals import get_deal
from klientura.sales.errors import ASSIGNEE_UNKNOWN, TASK_DONE, TASK_NOT_DONE, TASK_NOT_FOUND
from klientura.sales.lead_access import get_lead
from klientura.sales.models import Lead, Task, TaskEvent
from klientura.sales.owners import sees, visible
from klientura.sales.schemas import TaskIn, TaskUpdate


def _event(session: Session, actor: Actor, task: Task, kind: str, **values: object) -> None:
    session.add(
        TaskEvent(task_id=task.id, at=utcnow(), actor_id=actor.id, actor_name=actor.name[:200], kind=kind, **values)
    )


def _assignee(session: Session, user_id: int) -> int:
    if auth.get_user(session, user_id) is None:
        raise ValidationFailed(ASSIGNEE_UNKNOWN, field="assignee_id", id=user_id)
    return user_id


def follow_up(session: Session, actor: Actor, lead: Lead, *, deal_id: int | None, due: datetime) -> Task:
    """The task that tells a lead's (or its deal's) owner a request came in: answer it now."""
    assert lead.owner_id is not None
    title = " ".join((lead.text or "").split())[:300] or lead.channel
    task = Task(
        kind="call" if lead.channel == "call" else "todo",
        title=title,
        assignee_id=lead.owner_id,
        due_at=due,
        lead_id=lead.id,
        deal_id=deal_id,
        customer_id=lead.customer_id,
        created_by_id=actor.id if actor.is_user else None,
    )
    session.add(task)
    session.flush()
    _event(session, actor, task, "created", to_user_id=task.assignee_id, due_at=due)
    return task


def create_task(session: Session, actor: Actor, data: TaskIn) -> Task:
    """A task for the actor or, as they choose, a colleague; its links are checked against what the actor sees."""
    require(actor, "sales:write")
    if data.assignee_id is not None:
        assignee = _assignee(session, data.assignee_id)
    elif actor.is_user and actor.id is not None:
        assignee = actor.id
    else:
        raise ValidationFailed(ASSIGNEE_UNKNOWN, field="assignee_id", id=None)
    task = Task(
        kind=data.kind,
        title=" ".join(data.title.split()),
        note=data.note,
        assignee_id=assignee,
        due_at=data.due_at,
        minutes=data.minutes,
        deal_id=get_deal(session, actor, data.deal_id).id if data.deal_id is not None else None,
        lead_id=get_lead(session, actor, data.lead_id).id if data.lead_id is not None else None,
        customer_id=customers.get_customer(session, actor, data.customer_id).id if data.customer_id else None,
        company_id=get_company(session, actor, data.company_id).id if data.company_id is not None else None,
        created_by_id=actor.id if actor.is_user else None,
    )
    session.add(task)
    session.flush()
    _event(session, actor, task, "created", to_user_id=assignee, due_at=task.due_at)
    record(session, actor, "task.create", "task", task.id, None, {"assignee_id": assignee, "title": task.title})
    return task


def get_task(session: Session, actor: Actor, task_id: int) -> Task:
    require(actor, "sales:read")
    task = session.get(Task, task_id)
    if task is None or task.deleted_at is not None or not sees(actor, task.assignee_id):
        raise NotFound(TASK_NOT_FOUND, id=task_id)
    return task


def update_task(session: Session, actor: Actor, task_id: int, data: TaskUpdate) -> Task:
    """Delegate (a new assignee), reschedule (a new due time), reword; each kept as an event."""
    require(actor, "sales:write")
    task = get_task(session, actor, task_id)
    changes = data.model_dump(exclude_unset=True)
    if task.done_at is not None and ("assignee_id" in changes or "due_at" in changes):
        raise Conflict(TASK_DONE, id=task.id)
    before = {"assignee_id": task.assignee_id, "due_at": task.due_at, "title": task.title}
    note = changes.pop("note_for_change", None)
    if (to := changes.get("assignee_id")) is not None and to != task.assignee_id:
        _event(session, actor, task, "delegated", from_user_id=task.assignee_id, to_user_id=_assignee(session, to))
        task.assignee_id = to
    if (due := changes.get("due_at")) is not None and due != task.due_at:
        _event(session, actor, task, "rescheduled", due_at=due, note=note)
        task.due_at, task.reminded_at = due, None
    for name in ("title", "note", "minutes", "kind"):
        if name in changes and changes[name] is not None:
            setattr(task, name, " ".join(changes[name].split()) if name == "title" else changes[name])
    session.flush()
    record(session, actor, "task.update", "task", task.id, before, {"assignee_id": task.assignee_id})
    return task


def complete_task(session: Session, actor: Actor, task_id: int, result: str | None) -> Task:
    require(actor, "sales:write")
    task = get_task(session, actor, task_id)
    if task.done_at is not None:
        raise Conflict(TASK_DONE, id=task.id)
    task.done_at, task.result = utcnow(), (result or "").strip() or None
    session.flush()
    _event(session, actor, task, "done", note=task.result)
    record(session, actor, "task.done", "task", task.id, None, {"result": task.result})
    return task


def reopen_task(session: Session, actor: Actor, task_id: int) -> Task:
    require(actor, "sales:write")
    task = get_task(session, actor, task_id)
    if task.done_at is None:
        raise Conflict(TASK_NOT_DONE, id=task.id)
    task.done_at = None
    session.flush()
    _event(session, actor, task, "reopened", note=task.result)
    record(session, actor, "task.reopen", "task", task.id, None, None)
    return task


def task_events(session: Session, actor: Actor, task_id: int) -> list[TaskEvent]:
    task = get_task(session, actor, task_id)
    return list(session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)))


def tasks_query(
    actor: Actor,
    *,
    state: str = "open",
    assignee_id: int | None = None,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
    now: datetime | None = None,
    links: dict[str, int | None] | None = None,
) -> Select[Task]:
    """The tasks the actor sees: open, overdue (open and due before ``now``), done or all; by assignee, due range and
    what they are about."""
    stmt = select(Task).where(Task.deleted_at.is_(None), visible(actor, Task.assignee_id))
    if state in ("open", "overdue"):
        stmt = stmt.where(Task.done_at.is_(None))
    elif state == "done":
        stmt = stmt.where(Task.done_at.is_not(None))
    if state == "overdue":
        stmt = stmt.where(Task.due_at < (now or utcnow()))
    if assignee_id is not None:
        stmt = stmt.where(Task.assignee_id == assignee_id)
    if due_from is not None:
        stmt = stmt.where(Task.due_at >= due_from)
    if due_to is not None:
        stmt = stmt.where(Task.due_at < due_to)
    for name, value in (links or {}).items():
        if value is not None:
            stmt = stmt.where(getattr(Task, name) == value)
    return stmt


def list_tasks(
    session: Session, actor: Actor, *, cursor: str | None = None, limit: int = 50, **filters: object
) -> tuple[list[Task], str | None]:
    """A page of tasks, soonest due first (cursor pagination)."""
    require(actor, "sales:read")
    stmt = tasks_query(actor, **filters)  # type: ignore[arg-type]
    if cursor:
        text, after = decode_cursor(cursor, (str, int))
        try:
            due = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationFailed(BAD_CURSOR) from exc
        stmt = stmt.where(tuple_(Task.due_at, Task.id) > tuple_(due, after))
    rows = list(session.scalars(stmt.order_by(Task.due_at, Task.id).limit(limit + 1)))
    nxt = encode_cursor([rows[limit - 1].due_at.isoformat(), rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], nxt
