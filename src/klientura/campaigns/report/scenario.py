"""A triggered scenario's report: each entry's purchases in its own window, target against control."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from klientura.audit import Actor
from klientura.auth import require
from klientura.campaigns.errors import NEVER_RAN
from klientura.campaigns.models import COMPARED, Scenario, ScenarioEntry
from klientura.campaigns.report.delivery import delivery_of
from klientura.campaigns.report.figures import CampaignReport, Comparison, Figures
from klientura.campaigns.stats import proportions, welch
from klientura.customers import survivors_of
from klientura.db import Session
from klientura.kit.errors import Conflict
from klientura.orders import sales_of


def _figures(rows: list[tuple[float, float, int]]) -> Figures:
    return Figures(
        len(rows),
        sum(1 for _r, _m, n in rows if n),
        sum(n for _r, _m, n in rows),
        sum(r for r, _m, _n in rows),
        sum(m for _r, m, _n in rows),
    )


def scenario_report(
    session: Session, actor: Actor, key: str, now: datetime, costs: Mapping[str, float], since: datetime | None = None
) -> CampaignReport:
    """A scenario's entries (each trigger, since ``since``) target against control: each entry's own window opens
    just after it fired (the order that fired a feedback request is not its effect) and lasts the scenario's
    attribution days; a customer triggered twice counts twice."""
    require(actor, "campaigns:read")
    scenario = session.scalars(select(Scenario).where(Scenario.key == key)).first()
    if scenario is None:
        raise Conflict(NEVER_RAN, value=key)
    window = timedelta(days=scenario.attribution_days)
    query = select(ScenarioEntry.id, ScenarioEntry.customer_id, ScenarioEntry.grp, ScenarioEntry.at).where(
        ScenarioEntry.scenario_id == scenario.id, ScenarioEntry.grp.in_(COMPARED)
    )
    if since is not None:
        query = query.where(ScenarioEntry.at >= since)
    entries = session.execute(query).all()
    start = min((e.at for e in entries), default=since or now)
    end = max((e.at for e in entries), default=start) + window
    moved = survivors_of(
        session, select(ScenarioEntry.customer_id).distinct().where(ScenarioEntry.scenario_id == scenario.id)
    )
    per: dict[int, list[tuple[datetime, float, float]]] = defaultdict(list)
    cards = sorted({moved.get(e.customer_id, e.customer_id) for e in entries})
    for sale in sales_of(session, cards, start, min(end, now)):
        per[sale.customer_id].append((sale.placed_at, sale.revenue, sale.revenue - sale.cost))
    values: dict[str, list[tuple[float, float, int]]] = {"target": [], "control": []}
    for e in entries:
        bought = per.get(moved.get(e.customer_id, e.customer_id), ())
        inside = [(r, m) for at, r, m in bought if e.at < at < min(e.at + window, now)]
        values[e.grp].append((sum(r for r, _m in inside), sum(m for _r, m in inside), len(inside)))
    tgt, ctl = values["target"], values["control"]
    fig_t, fig_c = _figures(tgt), _figures(ctl)
    overall = Comparison(
        "all",
        fig_t,
        proportions(fig_t.buyers, len(tgt), fig_c.buyers, len(ctl)),
        welch([r for r, _m, _n in tgt], [r for r, _m, _n in ctl]).scaled(len(tgt)),
        welch([m for _r, m, _n in tgt], [m for _r, m, _n in ctl]).scaled(len(tgt)),
    )
    delivery, sent = delivery_of(session, f"scenario:{key}")
    spent = sum(n * float(costs.get(ch, 0)) for ch, n in sent.items())
    roi = (overall.margin.diff - spent) / spent if spent > 0 else None
    return CampaignReport(scenario.id, start, end, now >= end, delivery, fig_c, overall, [], round(spent, 2), roi, [])
