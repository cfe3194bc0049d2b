"""Survey figures over HTTP: NPS or CSAT by outlet, staff member or month over a period (the shop's days)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from klientura import conversations
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router

router = new_router(read="analytics:read", prefix="/surveys", tags=["surveys"])


class ScoreOut(BaseModel):
    key: str
    answers: int
    promoters: int
    passives: int
    detractors: int
    score: float
    low: float
    high: float


class SurveyReport(BaseModel):
    kind: str
    by: str
    date_from: date
    date_to: date
    total: ScoreOut
    rows: list[ScoreOut]


@router.get(
    "/report", response_model=SurveyReport, summary="NPS or CSAT with 95 % intervals, by outlet, staff or month"
)
def report(
    session: SessionDep,
    actor: ActorDep,
    shop: ShopDep,
    kind: Literal["nps", "csat"] = "nps",
    by: Literal["outlet", "staff", "month"] = "outlet",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Any:
    last = date_to or shop.today()
    first = date_from or last - timedelta(days=89)
    total, rows = conversations.survey_report(session, actor, kind, by, start=shop.start_of(first),
                                              end=shop.start_of(last + timedelta(days=1)),
                                              zone=ZoneInfo(shop.timezone))  # fmt: skip
    return SurveyReport(kind=kind, by=by, date_from=first, date_to=last, total=ScoreOut(**asdict(total)),
                        rows=[ScoreOut(**asdict(r)) for r in rows])  # fmt: skip
