"""Saved views: a user's named filters of the deal list, kept as the list's query string (only the filters the
list knows, so a view never smuggles anything else into the page)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import NotFound, ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.sales.models import SavedView

DEAL_FILTERS = ("pipeline_id", "stage_id", "status", "owner_id", "source", "amount_min", "amount_max", "q")
VIEW_NOT_FOUND = code("view.not_found", N_("saved view %(id)s not found"))
VIEW_NAME_NEEDED = code("view.name_needed", N_("a saved view needs a name"))
VIEW_FOR_USERS = code("view.for_users", N_("saved views belong to users, not to API keys"))


def clean_query(query: str) -> str:
    """The query string with the list's filters only, empty ones left out, in a stable order."""
    given = dict(parse_qsl(query or "", keep_blank_values=False))
    return urlencode([(k, given[k][:200]) for k in DEAL_FILTERS if given.get(k, "").strip()])


def save_view(session: Session, actor: Actor, name: str, query: str, kind: str = "deals") -> SavedView:
    """Save (or overwrite, by name) the actor's view."""
    require(actor, "sales:read")
    if not actor.is_user or actor.id is None:
        raise ValidationFailed(VIEW_FOR_USERS)
    label = " ".join((name or "").split())[:100]
    if not label:
        raise ValidationFailed(VIEW_NAME_NEEDED, field="name")
    found = session.scalars(
        select(SavedView).where(SavedView.user_id == actor.id, SavedView.kind == kind, SavedView.name == label)
    ).first()
    view = found or SavedView(user_id=actor.id, kind=kind, name=label)
    view.query = clean_query(query)
    if found is None:
        session.add(view)
    session.flush()
    return view


def list_views(session: Session, actor: Actor, kind: str = "deals") -> list[SavedView]:
    require(actor, "sales:read")
    if not actor.is_user:
        return []
    query = select(SavedView).where(SavedView.user_id == actor.id, SavedView.kind == kind).order_by(SavedView.name)
    return list(session.scalars(query))


def delete_view(session: Session, actor: Actor, view_id: int) -> None:
    require(actor, "sales:read")
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != actor.id:
        raise NotFound(VIEW_NOT_FOUND, id=view_id)
    session.delete(view)
    session.flush()
