"""Surveys: NPS ("how likely are you to recommend us", 0–10) and CSAT ("how satisfied are you", 1–5), asked by a
personal link a scenario or a campaign sends (the review request's is about its order), answered on a page without
signing in. An answer is kept on the card with the order, outlet and staff member it concerns — one per link,
answering again changes it —; a detractor's (NPS 0–6, CSAT 1–2) becomes a task for the outlet's manager (else the
card's owner, else the heads of sales) to call them back. The report: NPS and CSAT by outlet, staff member or
month, each with its number of answers and a 95 % interval (a handful of answers says little)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from klientura import auth, campaigns, catalog, customers, orders, sales
from klientura.audit import SYSTEM, Actor, record
from klientura.auth import require
from klientura.conversations.errors import SURVEY_LINK, SURVEY_SCORE
from klientura.conversations.models import SurveyAnswer
from klientura.db import Session
from klientura.kit.errors import NotFound, ValidationFailed
from klientura.kit.i18n import N_, translations
from klientura.kit.shop import Shop

Kind = Literal["nps", "csat"]
SCALE = {"nps": (0, 10), "csat": (1, 5)}
DETRACTOR = {"nps": 6, "csat": 2}  # at most
CALL_BACK = N_("Unhappy customer: %(kind)s %(score)s — call them back")


@dataclass(frozen=True)
class Ask:
    """What a survey link asks, and about what."""

    kind: Kind
    customer_id: int
    order_id: int | None
    outlet: str | None
    placed_at: datetime | None
    answer: SurveyAnswer | None  # the answer given already, if any


def _link(session: Session, links: campaigns.Links, token: str) -> tuple[Kind, int, orders.Order | None, str, str]:
    try:
        kind, customer_id, about, source = links.surveyed(token)
    except ValidationFailed:
        raise NotFound(SURVEY_LINK) from None
    found = customers.survivors_of(session, [customer_id]).get(customer_id, customer_id)  # merged since: the card
    card = customers.card_of(session, found)
    if card is None or card.erased_at is not None:
        raise NotFound(SURVEY_LINK)
    order = None
    if about.startswith("order:") and about[6:].isdigit():
        order = session.get(orders.Order, int(about[6:]))
        if order is not None and order.customer_id not in (customer_id, found):
            order = None
    key = campaigns.survey_payload(kind, customer_id, about, source)[:200]
    return kind, found, order, key, source  # type: ignore[return-value]


def ask(session: Session, links: campaigns.Links, token: str) -> Ask:
    """The question a link asks (reading only: the page shows it, the POST answers)."""
    kind, customer_id, order, key, _source = _link(session, links, token)
    outlet = session.get(catalog.Outlet, order.outlet_id) if order is not None and order.outlet_id else None
    answer = session.scalars(select(SurveyAnswer).where(SurveyAnswer.key == key)).first()
    return Ask(kind, customer_id, order.id if order else None, outlet.name if outlet else None,
               order.placed_at if order else None, answer)  # fmt: skip


def answer(
    session: Session, shop: Shop, links: campaigns.Links, token: str, score: int, comment: str | None, locale: str
) -> SurveyAnswer:
    kind, customer_id, order, key, source = _link(session, links, token)
    low, high = SCALE[kind]
    if not low <= score <= high:
        raise ValidationFailed(SURVEY_SCORE, field="score", low=low, high=high)
    now = shop.now()
    row = session.scalars(select(SurveyAnswer).where(SurveyAnswer.key == key)).first()
    before = {"score": row.score} if row is not None else None
    if row is None:
        row = SurveyAnswer(key=key, kind=kind, customer_id=customer_id, source=source[:64], score=score,
                           answered_at=now)  # fmt: skip
        if order is not None:
            row.order_id, row.outlet_id, row.staff = order.id, order.outlet_id, order.staff
        session.add(row)
    row.score, row.comment, row.answered_at = score, " ".join((comment or "").split())[:2000] or None, now
    session.flush()
    if score <= DETRACTOR[kind] and row.task_id is None:
        row.task_id = _call_back(session, row, now, locale)
    record(session, SYSTEM, "survey.answer", "customer", customer_id, before, {"kind": kind, "score": score,
                                                                              "order_id": row.order_id})  # fmt: skip
    return row


def _call_back(session: Session, row: SurveyAnswer, now: datetime, locale: str) -> int | None:
    outlet = session.get(catalog.Outlet, row.outlet_id) if row.outlet_id else None
    for who in (outlet.manager_id if outlet else None, customers.owner_of(session, row.customer_id)):
        if who is not None and auth.get_user(session, who) is not None:
            break
    else:
        heads = auth.heads_of_sales(session)
        who = heads[0] if heads else None
    if who is None:
        return None
    title = translations(locale).gettext(CALL_BACK) % {"kind": row.kind.upper(), "score": row.score}
    task = sales.create_task(
        session,
        SYSTEM,
        sales.TaskIn(
            kind="call",
            title=title[:300],
            note=(row.comment or None) and row.comment[:2000],
            assignee_id=who,
            due_at=now + timedelta(hours=4),
            customer_id=row.customer_id,
        ),
    )
    return task.id


@dataclass(frozen=True)
class ScoreRow:
    key: str  # the outlet's name, the staff member, the month (YYYY-MM)
    answers: int
    promoters: int  # NPS 9–10; CSAT 4–5 (satisfied)
    passives: int
    detractors: int  # NPS 0–6; CSAT 1–2
    score: float  # NPS: promoters − detractors, in points (−100..100); CSAT: the satisfied share, %
    low: float  # the 95 % interval, in the same points
    high: float


Z = 1.96


def score_of(kind: Kind, scores: list[int]) -> tuple[int, int, int, float, float, float]:
    """(promoters, passives, detractors, score, low, high). The interval is the adjusted Wald one, which holds for
    a handful of answers and for all-promoter rows (the plain one is ±0 there): NPS with three pseudo-answers
    (¾ promoter, 1½ passive, ¾ detractor; Rocks 2016) and the multinomial variance p + d − (p − d)²; CSAT
    Agresti–Coull's (z²/2 satisfied of z² more answers)."""
    n = len(scores)
    top = 9 if kind == "nps" else 4
    promoters = sum(1 for s in scores if s >= top)
    detractors = sum(1 for s in scores if s <= DETRACTOR[kind])
    passives = n - promoters - detractors
    if n == 0:
        return 0, 0, 0, 0.0, 0.0, 0.0
    if kind == "nps":
        value = (promoters - detractors) / n
        m: float = n + 3
        p, d = (promoters + 0.75) / m, (detractors + 0.75) / m
        centre, spread, floor = p - d, Z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / m), -1.0
    else:
        value = promoters / n
        m = n + Z * Z
        p = (promoters + Z * Z / 2) / m
        centre, spread, floor = p, Z * math.sqrt(p * (1 - p) / m), 0.0
    # the interval is the adjusted one's, widened to hold the plain estimate shown beside it (a lone detractor:
    # −100, which the adjusted centre alone would leave outside)
    low, high = min(value, max(floor, centre - spread)), max(value, min(1.0, centre + spread))
    return promoters, passives, detractors, round(100 * value, 1), round(100 * low, 1), round(100 * high, 1)


def survey_report(
    session: Session,
    actor: Actor,
    kind: Kind,
    by: Literal["outlet", "staff", "month"],
    *,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> tuple[ScoreRow, list[ScoreRow]]:
    """The whole period's score and one row per outlet, staff member or month (most answers first; months in
    order), over the answers given in [start, end)."""
    require(actor, "analytics:read")
    rows = session.execute(
        select(SurveyAnswer.score, SurveyAnswer.outlet_id, SurveyAnswer.staff, SurveyAnswer.answered_at).where(
            SurveyAnswer.kind == kind, SurveyAnswer.answered_at >= start, SurveyAnswer.answered_at < end
        )
    ).all()
    names = {o.id: o.name for o in catalog.list_outlets(session)}
    groups: dict[str, list[int]] = {}
    for score, outlet_id, staff, at in rows:
        if by == "outlet":
            label = names.get(outlet_id, "—") if outlet_id else "—"
        elif by == "staff":
            label = staff or "—"
        else:
            label = at.astimezone(zone).strftime("%Y-%m")
        groups.setdefault(label, []).append(score)
    made = [ScoreRow(label, len(s), *score_of(kind, s)) for label, s in groups.items()]
    made.sort(key=(lambda r: r.key) if by == "month" else (lambda r: (-r.answers, r.key)))
    return ScoreRow("", len(rows), *score_of(kind, [r[0] for r in rows])), made
