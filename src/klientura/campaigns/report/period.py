"""What the campaigns launched in a period earned, side by side: what the usual "sent, then bought" attribution
credits each (everything its target group bought within its attribution window) against what it really added (the
target group's revenue over the control group's, per customer, times the target group — with its interval). The
end-to-end analytics sets these beside the advertising sources."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from klientura.audit import Actor
from klientura.auth import require
from klientura.campaigns.models import Campaign
from klientura.campaigns.report.campaign import report
from klientura.campaigns.stats import Difference
from klientura.db import Session

MAX_CAMPAIGNS = 50  # the latest launched in the period


@dataclass(frozen=True)
class Earned:
    campaign_id: int
    name: str
    channel: str | None
    launched_at: datetime
    complete: bool  # its attribution window is over
    target: int  # customers sent to
    control: int  # customers held out
    attributed: float  # what the target group bought in the window: what "sent, then bought" credits the campaign
    incremental: Difference  # revenue over the target group, against the control group
    margin: Difference  # the same for margin
    cost: float  # what its messages cost
    roi: float | None  # (incremental margin - cost) / cost

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The incremental revenue's 95 % interval; None where it cannot be computed (a group without purchases)."""
        low, high = self.incremental.low, self.incremental.high
        return (low, high) if math.isfinite(low) and math.isfinite(high) else None

    @property
    def verdict(self) -> str:
        """ "added" when the incremental revenue's interval lies above zero, "took" when below, else "unclear"."""
        if self.incremental.low > 0:
            return "added"
        return "took" if self.incremental.high < 0 else "unclear"


def earned_between(
    session: Session,
    actor: Actor,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    costs: Mapping[str, float],
    timezone: str,
) -> list[Earned]:
    """The campaigns launched in [``start``, ``end``) that held out a control group (the latest ``MAX_CAMPAIGNS``),
    newest first."""
    require(actor, "campaigns:read")
    ids = session.scalars(
        select(Campaign.id)
        .where(Campaign.launched_at >= start, Campaign.launched_at < end, Campaign.holdout_share > 0)
        .order_by(Campaign.launched_at.desc(), Campaign.id.desc())
        .limit(MAX_CAMPAIGNS)
    ).all()
    out = []
    for campaign_id in ids:
        campaign = session.get(Campaign, campaign_id)
        r = report(session, actor, campaign_id, now, costs, timezone)
        if campaign is None or campaign.launched_at is None or not r.control.customers:
            continue  # nobody was held out (too small an audience for the share)
        out.append(
            Earned(
                campaign_id,
                campaign.name,
                campaign.channel,
                campaign.launched_at,
                r.complete,
                r.overall.target.customers,
                r.control.customers,
                r.overall.target.revenue,
                r.overall.revenue,
                r.overall.margin,
                r.cost,
                r.roi,
            )
        )
    return out
