"""Tasks over HTTP: created, listed (open, overdue, done; by assignee and due range), delegated, done, reopened."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import AwareDatetime

from klientura import sales
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Cursor, Id
from klientura.sales import TaskDone, TaskEventRead, TaskIn, TaskPage, TaskRead, TaskUpdate

router = new_router(read="sales:read", write="sales:write", prefix="/tasks", tags=["tasks"])


@router.post("", status_code=201, response_model=TaskRead, summary="A task for you or a colleague, about something")
def create(data: TaskIn, session: SessionDep, actor: ActorDep) -> TaskRead:
    return TaskRead.model_validate(sales.create_task(session, actor, data))


@router.get("", response_model=TaskPage, summary="Tasks you see, soonest due first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    shop: ShopDep,
    state: Literal["open", "overdue", "done", "all"] = "open",
    assignee_id: Id | None = None,
    due_from: AwareDatetime | None = None,
    due_to: AwareDatetime | None = None,
    deal_id: Id | None = None,
    lead_id: Id | None = None,
    customer_id: Id | None = None,
    company_id: Id | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TaskPage:
    rows, nxt = sales.list_tasks(
        session,
        actor,
        cursor=cursor,
        limit=limit,
        state=state,
        assignee_id=assignee_id,
        due_from=due_from,
        due_to=due_to,
        now=shop.now(),
        links={"deal_id": deal_id, "lead_id": lead_id, "customer_id": customer_id, "company_id": company_id},
    )
    return TaskPage(items=[TaskRead.model_validate(t) for t in rows], next_cursor=nxt)


@router.get("/{task_id}", response_model=TaskRead)
def get(task_id: Id, session: SessionDep, actor: ActorDep) -> TaskRead:
    return TaskRead.model_validate(sales.get_task(session, actor, task_id))


@router.patch("/{task_id}", response_model=TaskRead, summary="Delegate, reschedule or reword (kept as events)")
def update(task_id: Id, data: TaskUpdate, session: SessionDep, actor: ActorDep) -> TaskRead:
    return TaskRead.model_validate(sales.update_task(session, actor, task_id, data))


@router.post("/{task_id}/done", response_model=TaskRead, summary="Done, with its result")
def done(task_id: Id, data: TaskDone, session: SessionDep, actor: ActorDep) -> TaskRead:
    return TaskRead.model_validate(sales.complete_task(session, actor, task_id, data.result))


@router.post("/{task_id}/reopen", response_model=TaskRead)
def reopen(task_id: Id, session: SessionDep, actor: ActorDep) -> TaskRead:
    return TaskRead.model_validate(sales.reopen_task(session, actor, task_id))


@router.get("/{task_id}/events", response_model=list[TaskEventRead], summary="Created, delegated, rescheduled, done")
def events(task_id: Id, session: SessionDep, actor: ActorDep) -> list[TaskEventRead]:
    return [TaskEventRead.model_validate(e) for e in sales.task_events(session, actor, task_id)]
