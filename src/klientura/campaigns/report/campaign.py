"""A campaign's report: its target and control groups' purchases within the attribution window, compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from klientura.audit import Actor
from klientura.campaigns.errors import NOT_LAUNCHED
from klientura.campaigns.models import COMPARED, Campaign, Recipient
from klientura.campaigns.report.delivery import delivery_of
from klientura.campaigns.report.figures import CampaignReport, compare, daily, figures_of
from klientura.campaigns.service import get_campaign
from klientura.customers import survivors_of
from klientura.db import Session, in_chunks
from klientura.kit.errors import Conflict
from klientura.orders import Sale, sales_of


def _sales(session: Session, campaign: Campaign, start: datetime, end: datetime) -> list[Sale]:
    """The orders of the target and control customers in the window. A recipient's card merged since: its orders
    are the survivor's now, so the survivor's count for it — unless the survivor is compared itself."""
    compared = select(Recipient.customer_id).where(Recipient.campaign_id == campaign.id, Recipient.grp.in_(COMPARED))
    out = sales_of(session, compared, start, end)
    moved = survivors_of(session, compared)
    if moved:
        mine = {
            cid
            for part in in_chunks(session, sorted(set(moved.values())))
            for cid in session.scalars(compared.where(part.of(Recipient.customer_id)))
        }
        heir = {root: card for card, root in sorted(moved.items(), reverse=True) if root not in mine}
        out += [s._replace(customer_id=heir[s.customer_id]) for s in sales_of(session, list(heir), start, end)]
    return out


def report(
    session: Session, actor: Actor, campaign_id: int, now: datetime, costs: Mapping[str, float], timezone: str
) -> CampaignReport:
    """Delivery, opens and clicks; then target against control within the attribution window — conversion,
    revenue and margin per customer, the incremental revenue and margin with confidence intervals and p-values, the
    ROI after what the messages cost. Per A/B variant too (each variant's recipients against the whole control
    group: the holdout is drawn independently of the variant).

    Revenue is what the customers paid net of returns of those orders, margin is revenue less the cost of the
    goods (the KPIs' definitions). Orders count from the launch (for both groups: the control group has no send
    time; a message held to the end of the quiet hours starts its window a little late) for ``attribution_days``;
    the daily curve is by the shop's calendar days (``timezone``)."""
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.launched_at is None:
        raise Conflict(NOT_LAUNCHED, id=campaign_id)
    start = campaign.launched_at
    end = start + timedelta(days=campaign.attribution_days)
    groups: dict[str, set[int]] = {"target": set(), "control": set()}
    by_variant: dict[str, set[int]] = defaultdict(set)
    for cid, grp, variant in session.execute(
        select(Recipient.customer_id, Recipient.grp, Recipient.variant).where(
            Recipient.campaign_id == campaign.id, Recipient.grp.in_(COMPARED)
        )
    ):
        groups[grp].add(cid)
        if grp == "target" and variant is not None:
            by_variant[variant].add(cid)
    per: dict[int, list[tuple[datetime, float, float]]] = defaultdict(list)
    for sale in _sales(session, campaign, start, min(end, now)):
        per[sale.customer_id].append((sale.placed_at, sale.revenue, sale.cost))
    ctl = figures_of(groups["control"], per)
    overall = compare("all", groups["target"], groups["control"], per, ctl)
    variants = (
        [compare(v, ids, groups["control"], per, ctl) for v, ids in sorted(by_variant.items())]
        if len(by_variant) > 1
        else []
    )
    delivery, sent = delivery_of(session, f"campaign:{campaign.id}")
    cost = sum(n * float(costs.get(ch, 0)) for ch, n in sent.items())
    roi = (overall.margin.diff - cost) / cost if cost > 0 else None
    curve = daily(start, min(end, max(now, start)), ZoneInfo(timezone), groups, per)
    return CampaignReport(
        campaign.id, start, end, now >= end, delivery, ctl, overall, variants, round(cost, 2), roi, curve
    )
