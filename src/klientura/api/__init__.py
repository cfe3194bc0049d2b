"""REST API under /api/v1: a transport only — parse, authorise, call services, render."""

from __future__ import annotations

from fastapi import APIRouter

from klientura.api import (
    ad_costs,
    analytics,
    auth,
    campaigns,
    catalog,
    clv,
    conversations,
    customers,
    deals,
    dedup,
    documents,
    events,
    forms,
    imports,
    leads,
    loyalty,
    loyalty_offers,
    orders,
    pipelines,
    privacy,
    sales,
    sales_analytics,
    segments,
    surveys,
    tasks,
    teams,
)
from klientura.api.lane import FastLane
from klientura.api.problems import install as install_problem_handlers


def router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for module in (
        # first the routes integrations call hundreds of times a second, since FastAPI tries the routes in order
        # (a few microseconds each): a till's calculate and confirm, a deal's move, a lead
        loyalty,
        deals,
        leads,
        auth,
        customers,
        privacy,
        orders,
        events,
        catalog,
        dedup,
        imports,
        analytics,
        clv,
        segments,
        loyalty_offers,
        campaigns,
        sales,
        pipelines,
        documents,
        tasks,
        teams,
        conversations,
        forms,
        surveys,
        sales_analytics,
        ad_costs,
    ):
        api.include_router(module.router)
    api.include_router(pipelines.reasons_router)
    api.include_router(sales_analytics.plans_router)
    return api


__all__ = ["FastLane", "install_problem_handlers", "router"]
