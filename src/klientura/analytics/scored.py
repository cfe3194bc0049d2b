"""What the scores say about chosen customers, for other domains' lists and exports (a segment's export)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select

from klientura.analytics.models import CustomerClv, CustomerScore
from klientura.db import Session, in_chunks


class Scored(NamedTuple):
    temperature: str | None
    lifecycle: str | None
    rfm_segment: str | None
    behaviour: str | None
    orders: int | None
    revenue: Decimal | None
    last_purchase: date | None
    p_alive: float | None
    clv: Decimal | None


NOT_SCORED = Scored(None, None, None, None, None, None, None, None, None)


def scored(session: Session, customers: Sequence[int]) -> dict[int, Scored]:
    """{customer: the groups, totals and lifetime value of the last recompute} for those of ``customers`` scored or
    valued (a card never scored is left out)."""
    out: dict[int, Scored] = {}
    for chunk in in_chunks(session, sorted(set(customers))):
        scores = {
            r.customer_id: r
            for r in session.execute(
                select(
                    CustomerScore.customer_id,
                    CustomerScore.temperature,
                    CustomerScore.lifecycle,
                    CustomerScore.rfm_segment,
                    CustomerScore.behaviour,
                    CustomerScore.orders,
                    CustomerScore.revenue,
                    CustomerScore.last_purchase,
                ).where(chunk.of(CustomerScore.customer_id))
            )
        }
        values = {
            cid: (p, v)
            for cid, p, v in session.execute(
                select(CustomerClv.customer_id, CustomerClv.p_alive, CustomerClv.clv).where(
                    chunk.of(CustomerClv.customer_id)
                )
            )
        }
        for cid in scores.keys() | values.keys():
            s, (p, v) = scores.get(cid), values.get(cid, (None, None))
            out[cid] = Scored(
                s.temperature if s else None,
                s.lifecycle if s else None,
                s.rfm_segment if s else None,
                s.behaviour if s else None,
                s.orders if s else None,
                s.revenue if s else None,
                s.last_purchase if s else None,
                p,
                v,
            )
    return out


def in_lifecycle(session: Session, stage: str) -> list[tuple[int, date, int | None]]:
    """(customer, the day of the scores, days since the last purchase) of the customers at ``stage`` of the
    lifecycle at the last recompute (``sleeping``: a scenario wakes them)."""
    rows = session.execute(
        select(CustomerScore.customer_id, CustomerScore.as_of, CustomerScore.recency_days).where(
            CustomerScore.lifecycle == stage
        )
    )
    return [(cid, as_of, recency) for cid, as_of, recency in rows]
