"""The sales pages: a pipeline's kanban board (drag a card to move it; a drop on "lost" asks the reason), the deal's
page (move, change, tasks, linked orders, history) and a new deal's form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from klientura import auth, catalog, customers, sales
from klientura.audit import Actor
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError, invalid
from klientura.web import flash
from klientura.web.forms import shop_zone
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render
from klientura.web.sales_view import documents_of

router = page_router(read="sales:read", write="sales:write")
M = TypeVar("M", bound=BaseModel)


def build(model: type[M], keep: dict[str, Any] | None = None, **values: Any) -> M:
    """A form's values (an empty field: not given; ``keep``: given even when empty, e.g. a cleared override) as the
    service's model; a refusal names the field."""
    try:
        return model.model_validate({**{k: v for k, v in values.items() if v not in ("", None)}, **(keep or {})})
    except ValidationError as exc:
        raise invalid(exc) from None


def back_to(url: str, fallback: str) -> str:
    """Where a form returns: one of our sales pages, never another site."""
    return url if url.startswith("/sales") and not url.startswith("//") else fallback


def user_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in auth.list_users(session)}


def assignable(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The users the actor may hand a deal or a task to: a head their team, the unconfined everyone who sells."""
    scope = auth.owner_scope(actor)
    return [
        (u.id, u.name)
        for u in auth.list_users(session)
        if u.is_active and (scope is None or u.id in scope) and u.role in ("admin", "marketer", "head", "manager")
    ]


def local_moment(request: Request, raw: str) -> datetime | None:
    """A date and time typed in the page (the shop's zone), as a moment; empty: none."""
    if not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=shop_zone(request))
    except ValueError:
        return None


def perform(request: Request, session: Session, work: Callable[[], tuple[str, str]], fail: str) -> RedirectResponse:
    return flash.perform(request, session, work, fail)


@router.get("/sales", response_class=HTMLResponse)
def board_page(
    request: Request, session: SessionDep, actor: WebActorDep, pipeline: int | None = None, owner: int | None = None
) -> HTMLResponse:
    _ = gettext_for(request)
    pipelines = sales.list_pipelines(session, actor)
    message, kind = flash.pop(request)
    context: dict[str, Any] = {"nav": "sales", "pipelines": pipelines, "flash": message, "flash_kind": kind}
    if not pipelines:
        return render(request, "sales/board.html", {**context, "board": None}, actor=actor)
    chosen = next((p for p in pipelines if p.id == pipeline), pipelines[0])
    shown = sales.board(session, actor, chosen.id, owner_id=owner)
    deals = [d for c in shown.columns for d in c.deals]
    return render(
        request,
        "sales/board.html",
        {
            **context,
            "board": shown,
            "owner": owner,
            "users": user_names(session),
            "owners": assignable(session, actor),
            "customers": customers.names_of(session, actor, [d.customer_id for d in deals if d.customer_id]),
            "companies": sales.company_names(session, actor, [d.company_id for d in deals if d.company_id]),
            "reasons": sales.list_lost_reasons(session, actor),
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        },
        actor=actor,
    )


@router.post("/sales/deals/{deal_id}/move")
def move(
    deal_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    stage_id: str = Form(""),
    lost_reason: str = Form(""),
    next_url: str = Form("", alias="next"),
) -> RedirectResponse:
    _ = gettext_for(request)
    url = back_to(next_url, f"/sales/deals/{deal_id}")

    def work() -> tuple[str, str]:
        data = build(sales.MoveIn, stage_id=stage_id, lost_reason=lost_reason)
        deal = sales.move_deal(session, actor, deal_id, data)
        return url, _("Deal “%(title)s” moved") % {"title": deal.title}

    return perform(request, session, work, url)


@router.get("/sales/deals/new", response_class=HTMLResponse)
def new_deal(request: Request, session: SessionDep, actor: WebActorDep, pipeline: int | None = None) -> HTMLResponse:
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/new_deal.html",
        {
            "nav": "sales",
            "pipelines": sales.list_pipelines(session, actor),
            "chosen": pipeline,
            "owners": assignable(session, actor),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/deals")
def create(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    pipeline_id: str = Form(""),
    title: str = Form(""),
    amount: str = Form(""),
    full_name: str = Form(""),
    phone: str = Form(""),
    email: str = Form(""),
    inn: str = Form(""),
    company_name: str = Form(""),
    owner_id: str = Form(""),
    expected_close: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        company_id = None
        if company_name.strip() or inn.strip():
            company_in = build(sales.CompanyIn, name=company_name or inn, inn=inn)
            company_id = sales.create_company(session, actor, company_in, shop)[0].id
        person = None
        if full_name.strip() or phone.strip() or email.strip():
            person = build(customers.CustomerIn, full_name=full_name, phone=phone, email=email)
        data = build(
            sales.DealIn,
            pipeline_id=pipeline_id,
            title=title,
            amount=amount.replace(" ", "").replace(",", "."),
            customer=person,
            company_id=company_id,
            owner_id=owner_id,
            expected_close=expected_close,
        )
        deal = sales.create_deal(session, actor, data, shop)
        return f"/sales/deals/{deal.id}", _("Deal “%(title)s” created") % {"title": deal.title}

    return perform(request, session, work, "/sales/deals/new")


@router.get("/sales/deals/{deal_id}", response_class=HTMLResponse)
def deal_page(deal_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        deal = sales.get_deal(session, actor, deal_id)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    read = sales.deal_read(session, deal)
    pipeline = sales.read_pipeline(session, sales.get_pipeline(session, actor, deal.pipeline_id))
    tasks, _next = sales.list_tasks(session, actor, state="all", links={"deal_id": deal.id}, limit=100)
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/deal.html",
        {
            "nav": "sales",
            "deal": read,
            "pipeline": pipeline,
            "stages": sales.stage_names(session, deal.pipeline_id),
            "history": sales.deal_history(session, actor, deal.id),
            "tasks": tasks,
            "now": shop.now(),
            "users": user_names(session),
            "owners": assignable(session, actor),
            "may_reassign": auth.owner_scope(actor) is None or actor.role == "head",
            "customer": customers.names_of(session, actor, [deal.customer_id] if deal.customer_id else []),
            "company": sales.company_names(session, actor, [deal.company_id] if deal.company_id else []),
            "reasons": sales.list_lost_reasons(session, actor),
            "products": catalog.list_products(session, limit=500),
            **documents_of(session, actor, deal.id),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/deals/{deal_id}/edit")
def edit(
    deal_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    title: str = Form(""),
    amount: str = Form(""),
    probability: str = Form(""),
    expected_close: str = Form(""),
    owner_id: str = Form(""),
    reason: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}"

    def work() -> tuple[str, str]:
        deal = sales.get_deal(session, actor, deal_id)
        values: dict[str, Any] = {
            "title": title,
            "amount": amount.replace(" ", "").replace(",", "."),
            "expected_close": expected_close,
            "owner_id": owner_id if owner_id.strip() != str(deal.owner_id) else "",
            "reason": reason,
        }
        current = "" if deal.probability is None else str(deal.probability)
        keep = {"probability": probability.strip() or None} if probability.strip() != current else {}
        data = build(sales.DealUpdate, keep, **values)
        sales.update_deal(session, actor, deal_id, data)
        return url, _("Deal saved")

    return perform(request, session, work, url)


@router.post("/sales/deals/{deal_id}/tasks")
def add_task(
    deal_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    kind: str = Form("call"),
    title: str = Form(""),
    due: str = Form(""),
    assignee_id: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}#tasks"

    def work() -> tuple[str, str]:
        data = build(
            sales.TaskIn,
            kind=kind,
            title=title,
            due_at=local_moment(request, due),
            assignee_id=assignee_id,
            deal_id=deal_id,
        )
        sales.create_task(session, actor, data)
        return url, _("Task added")

    return perform(request, session, work, url)


@router.post("/sales/tasks/{task_id}/done")
def task_done(
    task_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    result: str = Form(""),
    next_url: str = Form("", alias="next"),
) -> RedirectResponse:
    _ = gettext_for(request)
    url = back_to(next_url, "/sales/day")

    def work() -> tuple[str, str]:
        sales.complete_task(session, actor, task_id, result)
        return url, _("Task done")

    return perform(request, session, work, url)


@router.post("/sales/deals/{deal_id}/orders")
def link_order(
    deal_id: Id, request: Request, session: SessionDep, actor: WebActorDep, order_id: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}#orders"

    def work() -> tuple[str, str]:
        sales.link_order(session, actor, deal_id, build(sales.OrderLink, order_id=order_id).order_id)
        return url, _("Order linked")

    return perform(request, session, work, url)
