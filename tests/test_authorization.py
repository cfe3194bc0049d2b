"""The authorization matrix, generated from the route table: every route of the API and the pages, called by nobody,
by each role and by an API key of each scope, with the outcome each must get - and a manager sees only their own
customers. A route added without an entry in ACCESS fails here; an entry that no longer matches its route's
declaration (``x-permission``) fails too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import dedup
from klientura.audit import SYSTEM, Actor
from klientura.auth import ROLES, SCOPES, can
from klientura.auth.service import actor_for_user, create_api_key, create_user
from klientura.customers import CustomerIn, prepare, resolve
from klientura.events import EventIn, record_event
from klientura.wiring import merge_hooks
from tests import factories
from tests.factories import SHOP
from tests.test_request_transaction import route_table

PASSWORD = "password123"
# what the other manager's card says about its person: none of it may reach the first manager
THEIRS = {"name": "Чужакова Карина", "phone": "+79990001122", "email": "karina.other@example.com"}
MARKERS = ("Чужакова", "9990001122", "karina.other")

# who may call each route: "public" (anyone), "signed-in" (any user or key), or the permission it needs
ACCESS: dict[str, str] = {
    "GET /api/v1/openapi.json": "public",
    "GET /api/v1/docs": "public",
    "GET /docs/oauth2-redirect": "public",
    "POST /api/v1/loyalty/calculate": "loyalty:process",
    "POST /api/v1/loyalty/confirm": "loyalty:process",
    "POST /api/v1/loyalty/orders/{source}/{external_id}/cancel": "loyalty:process",
    "POST /api/v1/loyalty/orders/{source}/{external_id}/refund": "loyalty:process",
    "GET /api/v1/loyalty/accounts/{customer_id}": "loyalty:read",
    "POST /api/v1/loyalty/accounts/{customer_id}/adjust": "loyalty:write",
    "GET /api/v1/loyalty/programme": "loyalty:read",
    "PUT /api/v1/loyalty/programme": "loyalty:write",
    "GET /api/v1/loyalty/check": "loyalty:read",
    "GET /api/v1/loyalty/effectiveness": "analytics:read",
    "POST /api/v1/loyalty/simulate": "analytics:read",
    "GET /api/v1/loyalty/operations": "loyalty:read",
    "POST /api/v1/auth/login": "public",
    "POST /api/v1/auth/logout": "public",
    "GET /api/v1/me": "signed-in",
    "POST /api/v1/api-keys": "users:admin",
    "DELETE /api/v1/api-keys/{key_id}": "users:admin",
    "POST /api/v1/customers": "customers:write",
    "GET /api/v1/customers": "customers:read",
    "GET /api/v1/customers/{customer_id}": "customers:read",
    "PATCH /api/v1/customers/{customer_id}": "customers:write",
    "POST /api/v1/customers/{customer_id}/identities": "customers:write",
    "DELETE /api/v1/customers/{customer_id}/identities/{identity_id}": "customers:write",
    "DELETE /api/v1/customers/{customer_id}/identities/{identity_id}/bounce": "customers:write",
    "PUT /api/v1/customers/{customer_id}/consents": "customers:write",
    "POST /api/v1/customers/{customer_id}/tags": "customers:write",
    "DELETE /api/v1/customers/{customer_id}/tags/{tag}": "customers:write",
    "GET /api/v1/customers/{customer_id}/duplicates": "customers:read",
    "GET /api/v1/customers/{customer_id}/consents": "customers:read",
    "POST /api/v1/companies": "sales:write",
    "GET /api/v1/pipelines": "sales:read",
    "GET /api/v1/lost-reasons": "sales:read",
    "PUT /api/v1/lost-reasons": "users:admin",
    "POST /api/v1/deals": "sales:write",
    "GET /api/v1/deals": "sales:read",
    "GET /api/v1/deals/{deal_id}": "sales:read",
    "POST /api/v1/deals/{deal_id}/move": "sales:write",
    "GET /api/v1/deals/{deal_id}/history": "sales:read",
    "PATCH /api/v1/deals/{deal_id}": "sales:write",
    "DELETE /api/v1/deals/{deal_id}": "users:admin",
    "POST /api/v1/deals/{deal_id}/orders": "sales:write",
    "GET /api/v1/deals/{deal_id}/lines": "sales:read",
    "PUT /api/v1/deals/{deal_id}/lines": "sales:write",
    "GET /api/v1/deals/{deal_id}/quotes": "sales:read",
    "POST /api/v1/deals/{deal_id}/quotes": "sales:write",
    "GET /api/v1/quotes/{quote_id}": "sales:read",
    "GET /api/v1/quotes/{quote_id}/pdf": "sales:read",
    "POST /api/v1/quotes/{quote_id}/send": "sales:write",
    "POST /api/v1/quotes/{quote_id}/decision": "sales:write",
    "GET /api/v1/quote-template": "sales:read",
    "PUT /api/v1/quote-template": "users:admin",
    "GET /api/v1/deals/{deal_id}/files": "sales:read",
    "POST /api/v1/deals/{deal_id}/files": "sales:write",
    "GET /api/v1/companies/{company_id}/files": "sales:read",
    "POST /api/v1/companies/{company_id}/files": "sales:write",
    "GET /api/v1/files/{file_id}": "sales:read",
    "DELETE /api/v1/files/{file_id}": "sales:write",
    "POST /api/v1/deals/{deal_id}/notes": "sales:write",
    "POST /api/v1/companies/{company_id}/notes": "sales:write",
    "GET /api/v1/deals/{deal_id}/timeline": "sales:read",
    "GET /api/v1/companies/{company_id}/timeline": "sales:read",
    "GET /api/v1/customers/{customer_id}/timeline": "sales:read",
    "DELETE /api/v1/deals/{deal_id}/orders/{order_id}": "sales:write",
    "DELETE /api/v1/leads/{lead_id}": "users:admin",
    "DELETE /api/v1/companies/{company_id}": "users:admin",
    "GET /sales": "sales:read",
    "GET /sales/day": "sales:read",
    "GET /sales/leads": "sales:read",
    "GET /sales/calendar": "sales:read",
    "POST /sales/calendar/feed": "sales:read",
    "GET /calendar/{token}.ics": "public",
    "GET /sales/deals/new": "sales:read",
    "GET /sales/deals/{deal_id}": "sales:read",
    "POST /sales/deals": "sales:write",
    "POST /sales/deals/{deal_id}/move": "sales:write",
    "POST /sales/deals/{deal_id}/edit": "sales:write",
    "POST /sales/deals/{deal_id}/tasks": "sales:write",
    "POST /sales/deals/{deal_id}/orders": "sales:write",
    "GET /sales/deals": "sales:read",
    "POST /sales/calendar/telegram": "sales:read",
    "GET /sales/leads/{lead_id}": "sales:read",
    "POST /sales/views": "sales:read",
    "POST /sales/views/{view_id}/delete": "sales:read",
    "GET /sales/companies": "sales:read",
    "GET /sales/companies/duplicates": "sales:read",
    "GET /sales/companies/{company_id}": "sales:read",
    "POST /sales/companies/{company_id}/notes": "sales:write",
    "POST /sales/companies/{company_id}/contacts": "sales:write",
    "POST /sales/customers/{customer_id}/notes": "sales:write",
    "POST /sales/companies/{company_id}/files": "sales:write",
    "POST /sales/deals/{deal_id}/lines": "sales:write",
    "POST /sales/deals/{deal_id}/quotes": "sales:write",
    "GET /sales/quotes/{quote_id}/pdf": "sales:read",
    "POST /sales/quotes/{quote_id}/send": "sales:write",
    "POST /sales/quotes/{quote_id}/decision": "sales:write",
    "POST /sales/deals/{deal_id}/files": "sales:write",
    "GET /sales/files/{file_id}": "sales:read",
    "POST /sales/files/{file_id}/remove": "sales:write",
    "POST /sales/deals/{deal_id}/notes": "sales:write",
    "GET /sales/quote-template": "users:admin",
    "POST /sales/quote-template": "users:admin",
    "GET /q/{token}": "public",
    "GET /q/{token}/pdf": "public",
    "POST /q/{token}": "public",
    "POST /sales/tasks/{task_id}/done": "sales:write",
    "POST /sales/leads/{lead_id}/convert": "sales:write",
    "POST /sales/leads/{lead_id}/close": "sales:write",
    "POST /sales/leads/{lead_id}/assign": "sales:write",
    "POST /api/v1/leads": "sales:write",
    "GET /api/v1/leads": "sales:read",
    "GET /api/v1/leads/{lead_id}": "sales:read",
    "POST /api/v1/leads/{lead_id}/convert": "sales:write",
    "POST /api/v1/leads/{lead_id}/close": "sales:write",
    "POST /api/v1/leads/{lead_id}/assign": "sales:write",
    "POST /api/v1/tasks": "sales:write",
    "GET /api/v1/tasks": "sales:read",
    "GET /api/v1/tasks/{task_id}": "sales:read",
    "PATCH /api/v1/tasks/{task_id}": "sales:write",
    "POST /api/v1/tasks/{task_id}/done": "sales:write",
    "POST /api/v1/tasks/{task_id}/reopen": "sales:write",
    "GET /api/v1/tasks/{task_id}/events": "sales:read",
    "GET /api/v1/teams": "sales:read",
    "POST /api/v1/teams": "users:admin",
    "PUT /api/v1/teams/{team_id}": "users:admin",
    "POST /api/v1/pipelines": "users:admin",
    "GET /api/v1/pipelines/{pipeline_id}": "sales:read",
    "PUT /api/v1/pipelines/{pipeline_id}": "users:admin",
    "GET /api/v1/companies": "sales:read",
    "GET /api/v1/companies/{company_id}": "sales:read",
    "PATCH /api/v1/companies/{company_id}": "sales:write",
    "GET /api/v1/companies/{company_id}/contacts": "sales:read",
    "POST /api/v1/companies/{company_id}/contacts": "sales:write",
    "DELETE /api/v1/companies/{company_id}/contacts/{customer_id}": "sales:write",
    "POST /api/v1/customers/{customer_id}/personal-data": "customers:read",
    "POST /api/v1/customers/{customer_id}/erase": "users:admin",
    "POST /customers/{customer_id}/personal-data": "customers:read",
    "POST /customers/{customer_id}/erase": "users:admin",
    "GET /api/v1/customers/{customer_id}/events": "events:read",
    "POST /api/v1/orders": "orders:write",
    "POST /api/v1/orders/bulk": "orders:write",
    "GET /api/v1/orders/{order_id}": "orders:read",
    "POST /api/v1/orders/{order_id}/returns": "orders:write",
    "POST /api/v1/events": "events:write",
    "POST /api/v1/products": "catalog:write",
    "GET /api/v1/products": "catalog:read",
    "POST /api/v1/outlets": "catalog:write",
    "GET /api/v1/outlets": "catalog:read",
    "GET /api/v1/duplicates": "customers:read",
    "POST /api/v1/duplicates/scan": "dedup:write",
    "GET /api/v1/duplicates/model": "customers:read",
    "PUT /api/v1/duplicates/threshold": "dedup:write",
    "GET /api/v1/duplicates/scans/{request_id}": "customers:read",
    "POST /api/v1/duplicates/explain": "customers:read",
    "POST /api/v1/duplicates/dismiss": "dedup:write",
    "POST /api/v1/merges": "dedup:write",
    "POST /api/v1/merges/{merge_id}/undo": "dedup:write",
    "POST /api/v1/imports/{kind}": "import:write",
    "GET /api/v1/analytics/settings": "analytics:read",
    "PUT /api/v1/analytics/settings": "analytics:write",
    "GET /api/v1/analytics/groups/{family}": "analytics:read",
    "GET /api/v1/analytics/rfm-map": "analytics:read",
    "GET /api/v1/analytics/rfm-migration": "analytics:read",
    "POST /api/v1/clv/fit": "analytics:write",
    "POST /api/v1/clv/predict": "analytics:write",
    "GET /api/v1/clv": "analytics:read",
    "POST /api/v1/segments/preview": "segments:read",
    "POST /api/v1/segments": "segments:write",
    "GET /api/v1/segments": "segments:read",
    "GET /api/v1/segments/{segment_id}": "segments:read",
    "PATCH /api/v1/segments/{segment_id}": "segments:write",
    "DELETE /api/v1/segments/{segment_id}": "segments:write",
    "GET /api/v1/segments/{segment_id}/members": "segments:read",
    "GET /api/v1/segments/{segment_id}/export": "segments:read",
    "GET /api/v1/loyalty/offers": "loyalty:read",
    "POST /api/v1/loyalty/offers": "loyalty:write",
    "POST /api/v1/loyalty/offers/{offer_id}/coupons": "loyalty:write",
    "PUT /api/v1/loyalty/offers/{offer_id}/active": "loyalty:write",
    "POST /api/v1/loyalty/gift-cards": "loyalty:write",
    "GET /api/v1/loyalty/gift-cards/{number}": "loyalty:read",
    "POST /api/v1/loyalty/accounts/{customer_id}": "loyalty:write",
    "GET /api/v1/loyalty/referrals/{customer_id}": "loyalty:read",
    "POST /api/v1/loyalty/referrals/{customer_id}": "loyalty:write",
    "GET /api/v1/loyalty/referrals/{customer_id}/qr.{fmt}": "loyalty:read",
    "POST /api/v1/loyalty/referrals": "loyalty:process",
    "POST /api/v1/campaigns": "campaigns:write",
    "GET /api/v1/campaigns": "campaigns:read",
    "GET /api/v1/campaigns/{campaign_id}": "campaigns:read",
    "PUT /api/v1/campaigns/{campaign_id}": "campaigns:write",
    "GET /api/v1/campaigns/{campaign_id}/preview": "campaigns:read",
    "POST /api/v1/campaigns/{campaign_id}/test": "campaigns:write",
    "POST /api/v1/campaigns/{campaign_id}/schedule": "campaigns:write",
    "POST /api/v1/campaigns/{campaign_id}/launch": "campaigns:write",
    "POST /api/v1/campaigns/{campaign_id}/cancel": "campaigns:write",
    "GET /api/v1/campaigns/{campaign_id}/report": "campaigns:read",
    "PUT /api/v1/global-control": "campaigns:write",
    "DELETE /api/v1/global-control": "campaigns:write",
    "GET /api/v1/scenarios": "campaigns:read",
    "PUT /api/v1/scenarios/{key}": "campaigns:write",
    "GET /api/v1/scenarios/{key}/report": "campaigns:read",
    "GET /api/v1/delivery-hooks": "campaigns:write",
    "POST /api/v1/delivery-hooks/{provider}/rotate": "campaigns:write",
    "GET /static/plotly.min.js": "public",
    "GET /dashboard": "analytics:read",
    "GET /login": "public",
    "POST /login": "public",
    "POST /logout": "public",
    "GET /": "public",
    "GET /customers": "customers:read",
    "GET /customers/rows": "customers:read",
    "GET /customers/{customer_id}": "customers:read",
    "POST /customers/{customer_id}/profile": "customers:write",
    "POST /customers/{customer_id}/identities": "customers:write",
    "POST /customers/{customer_id}/identities/{identity_id}/delete": "customers:write",
    "POST /customers/{customer_id}/identities/{identity_id}/unbounce": "customers:write",
    "POST /customers/{customer_id}/consents": "customers:write",
    "POST /customers/{customer_id}/tags": "customers:write",
    "POST /customers/{customer_id}/tags/delete": "customers:write",
    "GET /duplicates": "customers:read",
    "GET /duplicates/compare": "customers:read",
    "POST /duplicates/scan": "dedup:write",
    "GET /duplicates/model": "customers:read",
    "POST /duplicates/train": "dedup:write",
    "POST /duplicates/threshold": "dedup:write",
    "POST /duplicates/merge": "dedup:write",
    "POST /duplicates/dismiss": "dedup:write",
    "POST /merges/{merge_id}/undo": "dedup:write",
    "GET /imports": "import:write",
    "POST /imports/preview": "import:write",
    "POST /imports/run": "import:write",
    "GET /imports/jobs/{job_id}": "import:write",
    "GET /imports/jobs/{job_id}/progress": "import:write",
    "GET /imports/{run_id}": "import:write",
    "GET /imports/{run_id}/rejections.csv": "import:write",
    "GET /segments": "segments:read",
    "GET /segments/new": "segments:read",
    "POST /segments/builder": "segments:read",
    "POST /segments/save": "segments:write",
    "GET /segments/{segment_id}": "segments:read",
    "POST /segments/{segment_id}/archive": "segments:write",
    "GET /segments/{segment_id}/export": "segments:read",
    "GET /analytics/settings": "analytics:read",
    "POST /analytics/settings": "analytics:write",
    "GET /analytics": "analytics:read",
    "GET /clv": "analytics:read",
    "POST /clv": "analytics:write",
    "GET /loyalty": "analytics:read",
    "GET /loyalty/simulator": "analytics:read",
    "GET /loyalty/settings": "loyalty:read",
    "POST /loyalty/settings": "loyalty:write",
    "GET /loyalty/operations": "loyalty:read",
    "POST /customers/{customer_id}/loyalty/adjust": "loyalty:write",
    "POST /customers/{customer_id}/loyalty/invite": "loyalty:write",
    "GET /r/{code}": "public",
    "GET /loyalty/offers": "loyalty:read",
    "POST /loyalty/offers": "loyalty:write",
    "POST /loyalty/offers/{offer_id}/active": "loyalty:write",
    "POST /loyalty/gift-cards": "loyalty:write",
    "GET /campaigns": "campaigns:read",
    "GET /campaigns/new": "campaigns:read",
    "POST /campaigns/new": "campaigns:write",
    "GET /campaigns/{campaign_id}": "campaigns:read",
    "GET /campaigns/{campaign_id}/progress": "campaigns:read",
    "POST /campaigns/{campaign_id}/preview": "campaigns:read",
    "POST /campaigns/{campaign_id}/{what}": "campaigns:write",
    "POST /campaigns-global-control": "campaigns:write",
    "GET /scenarios": "campaigns:read",
    "GET /scenarios/{key}": "campaigns:read",
    "POST /scenarios/{key}": "campaigns:write",
    "GET /u/{token}": "public",
    "POST /u/{token}": "public",
    "GET /t/o/{token}": "public",
    "GET /t/c/{token}": "public",
    "POST /hooks/{provider}/{token}": "public",
    "GET /api/v1/conversations": "sales:read",
    "GET /api/v1/conversations/{conversation_id}": "sales:read",
    "GET /api/v1/conversations/{conversation_id}/messages": "sales:read",
    "POST /api/v1/conversations/{conversation_id}/messages": "sales:write",
    "POST /api/v1/conversations/{conversation_id}/assign": "sales:write",
    "POST /api/v1/conversations/{conversation_id}/close": "sales:write",
    "GET /api/v1/forms": "campaigns:read",
    "POST /api/v1/forms": "campaigns:write",
    "GET /f/{key}": "public",
    "OPTIONS /f/{key}": "public",
    "POST /f/{key}": "public",
    "POST /hooks/telegram": "public",
    "POST /hooks/bots/telegram/{account_id}": "public",
    "POST /hooks/bots/vk/{account_id}": "public",
    "POST /inbox/accounts": "users:admin",
    "POST /inbox/accounts/{account_id}/enabled": "users:admin",
    "POST /hooks/vk": "public",
    "POST /hooks/calls": "public",
    "GET /forms": "campaigns:read",
    "POST /forms": "campaigns:write",
    "GET /hooks/zadarma": "public",
    "POST /hooks/zadarma": "public",
    "GET /sales/routing": "sales:read",
    "POST /sales/routing/rules": "users:admin",
    "POST /sales/routing/rules/remove": "users:admin",
    "POST /sales/routing/duty/{user_id}": "sales:write",
    "POST /sales/routing/days-off/{user_id}": "sales:write",
    "GET /inbox": "sales:read",
    "GET /inbox/bot": "sales:read",
    "POST /inbox/bot/{channel}": "users:admin",
    "POST /inbox/bot-rules": "users:admin",
    "POST /inbox/quick-replies": "users:admin",
    "POST /inbox/quick-replies/{quick_id}/remove": "users:admin",
    "POST /inbox/bot-rules/{rule_id}/remove": "users:admin",
    "GET /survey/{token}": "public",
    "GET /api/v1/surveys/report": "analytics:read",
    "GET /api/v1/sales/funnel": "analytics:read",
    "GET /api/v1/sales/managers": "analytics:read",
    "GET /api/v1/sales/sources": "analytics:read",
    "GET /api/v1/sales/signals": "analytics:read",
    "GET /api/v1/sales/plans": "analytics:read",
    "GET /api/v1/sales/forecast": "analytics:read",
    "GET /sales/analytics/forecast": "analytics:read",
    "GET /sales/analytics/staff": "analytics:read",
    "PUT /api/v1/sales/plans": "sales:write",
    "DELETE /api/v1/sales/plans/{plan_id}": "sales:write",
    "POST /sales/analytics/plans": "sales:write",
    "GET /sales/analytics/signals": "analytics:read",
    "PUT /api/v1/ad-costs": "analytics:write",
    "GET /api/v1/ad-costs": "analytics:read",
    "DELETE /api/v1/ad-costs/{cost_id}": "analytics:write",
    "GET /sales/analytics/sources": "analytics:read",
    "POST /sales/analytics/costs": "analytics:write",
    "POST /sales/analytics/costs/import": "analytics:write",
    "POST /sales/analytics/costs/{cost_id}/delete": "analytics:write",
    "GET /sales/analytics": "analytics:read",
    "GET /sales/analytics/managers": "analytics:read",
    "POST /survey/{token}": "public",
    "GET /surveys": "analytics:read",
    "POST /surveys/outlets/{outlet_id}/manager": "users:admin",
    "GET /inbox/list": "sales:read",
    "GET /inbox/{conversation_id}/thread": "sales:read",
    "GET /inbox/{conversation_id}/messages/{message_id}/files/{index}": "sales:read",
    "POST /inbox/{conversation_id}/read": "sales:read",
    "POST /inbox/{conversation_id}/reply": "sales:write",
    "POST /inbox/{conversation_id}/assign": "sales:write",
    "POST /inbox/{conversation_id}/close": "sales:write",
}
OWN_SCOPED = "customer_id"  # a route naming a card: the other manager's card is hidden from a manager (404)
FASTAPI_OWN = {"GET /api/v1/openapi.json", "GET /api/v1/docs", "GET /docs/oauth2-redirect"}


def _routes(app: Any) -> dict[str, Any]:
    found = {}
    for path, methods in route_table(app.routes):
        for method in methods - {"HEAD"}:
            found[f"{method} {path}"] = path
    return found


def _declared(app: Any) -> dict[str, str]:
    """Each route's own declaration of its access (its OpenAPI extension x-permission)."""
    out = {}

    def walk(routes: list[Any], prefix: str = "") -> None:
        for route in routes:
            if (inner := getattr(route, "original_router", None)) is not None:
                walk(inner.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                access = (getattr(route, "openapi_extra", None) or {}).get("x-permission", "public")
                for method in route.methods - {"HEAD"}:
                    out[f"{method} {prefix}{route.path}"] = access

    walk(app.routes)
    return out


def test_every_route_has_an_entry_and_declares_what_the_entry_says(app_factory: Any) -> None:
    app = app_factory()
    routes = _routes(app)
    missing = sorted(set(routes) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(routes))
    assert not missing, f"routes without an entry in the authorization matrix: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"
    declared = _declared(app)
    differ = {k: (ACCESS[k], declared[k]) for k in ACCESS if k not in FASTAPI_OWN and declared[k] != ACCESS[k]}
    assert not differ, f"(expected, declared): {differ}"
    known = set(SCOPES) | {"public", "signed-in"}
    assert set(ACCESS.values()) <= known


@pytest.fixture
def world(app_session: Session) -> dict[str, Any]:
    """Users of every role, a manager and another manager each with a card, API keys of each scope."""
    users = {role: create_user(app_session, SYSTEM, f"{role}@test.local", role, role, PASSWORD) for role in ROLES}
    other = create_user(app_session, SYSTEM, "manager2@test.local", "Other manager", "manager", PASSWORD)
    mine = resolve(
        app_session,
        actor_for_user(users["manager"]),
        prepare(CustomerIn(full_name="Своя Светлана", phone="+79990003344"), shop=SHOP),
    ).customer_id
    theirs = resolve(
        app_session,
        actor_for_user(other),
        prepare(CustomerIn(full_name=THEIRS["name"], phone=THEIRS["phone"], email=THEIRS["email"]), shop=SHOP),
    ).customer_id
    order = factories.order(app_session, theirs, external_id="THEIRS-1")
    # the other manager's records that a manager could reach by repeating or colliding with them
    record_event(
        app_session,
        actor_for_user(other),
        EventIn(type="visit", customer_id=theirs, occurred_at=SHOP.now(), external_id="THEIRS-E1"),
        shop=SHOP,
    )
    twin = resolve(
        app_session, actor_for_user(other), prepare(CustomerIn(full_name="Двойник", phone="+79990005566"), shop=SHOP)
    ).customer_id
    dedup.merge(app_session, SYSTEM, theirs, twin, hooks=merge_hooks())
    # a key of every scope but one, for each scope; and a key of every scope
    keys = {scope: create_api_key(app_session, SYSTEM, scope, [s for s in SCOPES if s != scope])[1] for scope in SCOPES}
    keys["all"] = create_api_key(app_session, SYSTEM, "all", list(SCOPES))[1]
    keys["none"] = create_api_key(app_session, SYSTEM, "nothing", [])[1]
    victim = create_api_key(app_session, SYSTEM, "to revoke", [])[0].id
    app_session.commit()
    return {"mine": mine, "theirs": theirs, "order": order, "keys": keys, "victim": victim}


BODIES: dict[str, Any] = {
    # checked in their handlers: a valid body reaches the check
    "POST /api/v1/deals/{deal_id}/move": {"stage_id": 1},
    "POST /api/v1/leads": {"customer": {"phone": "+79160000099"}, "channel": "form"},
    "POST /api/v1/loyalty/calculate": {"points": 0, "lines": [{"sku": "X-1", "qty": 1, "price": "10.00"}]},
    "POST /api/v1/loyalty/confirm": {
        "external_id": "M-1",
        "placed_at": "2026-11-30T10:00:00+00:00",
        "lines": [{"sku": "X-1", "qty": 1, "price": "10.00"}],
    },
    "POST /api/v1/loyalty/orders/{source}/{external_id}/refund": {
        "external_id": "V-1",
        "returned_at": "2026-11-30T10:00:00+00:00",
    },
}


def _path(template: str, world: dict[str, Any]) -> str:
    values = {
        "customer_id": str(world["theirs"]),
        "key_id": str(world["victim"]),
        "order_id": str(world["order"]),
        "source": "api",
        "external_id": "THEIRS-1",
        "family": "temperature",
        "key": "welcome",
        "fmt": "svg",
        "what": "cancel",
        "kind": "customers",
        "tag": "vip",
        "provider": "generic",
        "token": "x.y",
        "number": "0000",
        "code": "NOPE",
    }
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), template)


def _call(client: TestClient, key: str, path: str, token: str | None, headers: dict[str, str]) -> Any:
    method, template = key.split(" ", 1)
    if method in ("GET", "DELETE"):
        return client.request(method, path, headers=headers, follow_redirects=False)
    if template.startswith("/api/"):
        return client.request(method, path, json=BODIES.get(key, {}), headers=headers, follow_redirects=False)
    return client.request(method, path, data={"csrf_token": token or ""}, headers=headers, follow_redirects=False)


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]


SESSION_ENDERS = {"POST /api/v1/auth/logout", "POST /logout"}  # tested in tests/auth: they end the caller's session


def _check(key: str, access: str, allowed: bool, signed_in: bool, r: Any, who: str) -> str | None:
    """What is wrong with the answer ``r`` to ``who`` calling ``key`` (None when it is right)."""
    api = key.split(" ", 1)[1].startswith("/api/")
    status = r.status_code
    if status >= 500:
        return f"{who} {key}: {status}"
    if access == "public" or (signed_in and allowed):
        to_login = status == 303 and r.headers.get("location", "").startswith("/login")
        if status in (401, 403) or to_login:
            return f"{who} {key}: refused ({status}) but may"
        return None
    if not signed_in:
        ok = status == 401 if api else status == 303 and r.headers["location"].startswith("/login")
        return None if ok else f"{who} {key}: {status}, expected {'401' if api else 'the login page'}"
    return None if status == 403 else f"{who} {key}: {status}, expected 403 (needs {access})"


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_each_role_gets_what_the_matrix_says_and_a_manager_sees_only_their_own(
    who: str, app_factory: Any, world: dict[str, Any]
) -> None:
    app = app_factory()
    routes = _routes(app)
    wrong: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:
        actor = None
        if who != "anonymous":
            assert client.post(
                "/api/v1/auth/login", json={"email": f"{who}@test.local", "password": PASSWORD}
            ).is_success
            actor = Actor(type="user", id=0, name=who, role=who)
        token = _csrf(client)
        for key, template in sorted(routes.items()):
            if key in SESSION_ENDERS:
                continue
            access = ACCESS[key]
            allowed = access in ("public", "signed-in") or (actor is not None and can(actor, access))  # type: ignore[arg-type]
            r = _call(client, key, _path(template, world), token, {})
            if problem := _check(key, access, allowed, actor is not None, r, who):
                wrong.append(problem)
            elif who in ("manager", "head") and allowed and access != "public":
                if "{customer_id}" in template and key.startswith("GET") and r.status_code != 404:
                    wrong.append(f"manager {key}: {r.status_code} for another manager's card, expected 404")
                if r.is_success and any(m in r.text for m in MARKERS):
                    wrong.append(f"manager {key}: shows another manager's customer")
    assert not wrong, "\n".join(wrong)


def test_each_api_key_gets_what_its_scope_allows(app_factory: Any, world: dict[str, Any]) -> None:
    """A key of every scope may call each API route; a key of every scope but the route's own is refused (403), and
    so is a key of none (a route that needs one permission besides its own says so in its service)."""
    app = app_factory()
    wrong: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for key, template in sorted(_routes(app).items()):
            access = ACCESS[key]
            if not template.startswith("/api/") or access == "public":
                continue
            path = _path(template, world)
            for scope in ("all", access, "none") if access in SCOPES else ("all", "none"):
                headers = {"Authorization": f"Bearer {world['keys'][scope]}"}
                r = _call(client, key, path, None, headers)
                allowed = scope == "all" or access == "signed-in"
                if problem := _check(key, access, allowed, True, r, f"key[{scope}]"):
                    wrong.append(problem)
    assert not wrong, "\n".join(wrong)


def test_a_manager_sees_only_their_own_customers_operations_and_pairs(
    app_factory: Any, app_session: Session, world: dict[str, Any]
) -> None:
    """Issue 17's leaks: /loyalty/operations without a customer listed every card's points; the explanation of a pair
    scored any two cards."""
    from datetime import timedelta

    from klientura import loyalty
    from klientura.loyalty.accounts import account_of

    for card in (world["mine"], world["theirs"]):
        account = account_of(app_session, card)
        loyalty.earn(app_session, account.id, 100, at=SHOP.now(), author="seed", expires_at=SHOP.now() + timedelta(90))
    app_session.commit()
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        client.post("/api/v1/auth/login", json={"email": "manager@test.local", "password": PASSWORD})
        seen = {op["customer_id"] for op in client.get("/api/v1/loyalty/operations").json()}
        assert seen == {world["mine"]}
        page = client.get("/loyalty/operations").text
        assert f"/customers/{world['theirs']}" not in page and f"/customers/{world['mine']}" in page
        pair = {"a_id": world["mine"], "b_id": world["theirs"]}
        assert client.post("/api/v1/duplicates/explain", json=pair).status_code == 404
        # repeating the other manager's order or event, or adding their card's phone: a 409 that names nobody
        order = {"external_id": "THEIRS-1", "customer_id": world["mine"], "placed_at": "2026-11-30T10:00:00+00:00"}
        event = {"type": "visit", "customer_id": world["mine"], "occurred_at": "2026-11-30T10:00:00+00:00"}
        collisions = [
            client.post("/api/v1/orders", json={**order, "total": "10.00"}),
            client.post("/api/v1/events", json={**event, "external_id": "THEIRS-E1"}),
            client.post(
                f"/api/v1/customers/{world['mine']}/identities", json={"kind": "phone", "value": THEIRS["phone"]}
            ),
        ]
        for r in collisions:
            assert r.status_code == 409, r.text
            problem = r.json()
            assert problem["code"].endswith("elsewhere") and "customer_id" not in problem.get("params", {})
            assert f"customer {world['theirs']}" not in problem["detail"] and not any(m in r.text for m in MARKERS[:1])
        assert f"/customers/{world['theirs']}" not in client.get("/duplicates").text  # the other manager's merge
        client.post("/api/v1/auth/login", json={"email": "admin@test.local", "password": PASSWORD})
        seen = {op["customer_id"] for op in client.get("/api/v1/loyalty/operations").json()}
        assert seen == {world["mine"], world["theirs"]}
        assert client.post("/api/v1/duplicates/explain", json=pair).status_code == 200
        again = client.post("/api/v1/orders", json={**order, "total": "10.00"})  # whoever sees every card: the order
        assert again.status_code == 200 and again.json()["order"]["customer_id"] == world["theirs"], again.text
        taken = client.post(
            f"/api/v1/customers/{world['mine']}/identities", json={"kind": "phone", "value": THEIRS["phone"]}
        )
        assert taken.status_code == 409 and f"customer {world['theirs']}" in taken.json()["detail"]
        assert f"/customers/{world['theirs']}" in client.get("/duplicates").text
