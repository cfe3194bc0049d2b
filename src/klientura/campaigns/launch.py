"""Launching a campaign, in the caller's one transaction: the segment's members frozen as the audience, the global
control group left out, a channel chosen per customer (address and consent), the frequency cap applied, the holdout
and the A/B variants drawn by the campaign's seed, personal codes issued, every message rendered and written to the
outbox to leave at the end of the recipient's quiet hours. A rollback leaves no trace; nothing is sent twice
(one outbox key per campaign and customer). Also: what a customer would get (preview) and a test send.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from klientura import loyalty
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.campaigns.audience import Choice, bucket, choose_channel, in_share
from klientura.campaigns.content import Content
from klientura.campaigns.errors import (
    CAPPED,
    GLOBAL_CONTROL,
    HELD_OUT,
    NO_RECIPIENT,
    NO_VARIANT,
    NOBODY_TO_SEND_TO,
    NOT_LAUNCHABLE,
)
from klientura.campaigns.links import Links, SampleLinks
from klientura.campaigns.models import GROUPS, Campaign, Group, Recipient
from klientura.campaigns.outbox import enqueue_many
from klientura.campaigns.plan import CHANNELS, SKIPPED, TARGET, Plan, plan
from klientura.campaigns.reach import Audience, Reach, audience, reach
from klientura.campaigns.recommend import recommend
from klientura.campaigns.schemas import Preview
from klientura.campaigns.service import get_campaign, global_control
from klientura.campaigns.templates import person
from klientura.campaigns.timing import over_cap, send_at, zone_of
from klientura.customers import get_customer
from klientura.db import Deferred, Session, insert_columns
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.kit.gc import paused as paused_gc
from klientura.segments import members_query

LOYALTY_FIELDS = frozenset({"points", "points_expiring", "points_expire_on", "tier"})
SAMPLE_CODE = "XXXXXXXXXX"  # what a preview or a test send shows for the personal code


@dataclass(frozen=True)
class Sending:
    """What launches need from the shop: the links back to us, its time zone, language and currency."""

    links: Links
    timezone: str
    locale: str
    currency: str


@dataclass(frozen=True)
class Decision:
    grp: Group
    channel: str | None = None
    address: str | None = None
    variant: str | None = None
    reason: str | None = None


class Drawn(Protocol):
    """What deciding needs of a campaign or a scenario."""

    seed: str
    variants: list[dict[str, Any]]
    holdout_share: float
    channel: str | None


def decide(
    customer_id: int,
    r: Reach,
    campaign: Drawn,
    global_seed: tuple[str, float] | None,
    capped: set[int],
    choice: Choice | None = None,
) -> Decision:
    """One customer's fate. The order matters for the report: everything that can keep a customer from the message
    (global control, no channel, the cap) is settled before the holdout is drawn, so target and control are drawn
    from the same reachable customers and differ only in the message."""
    if global_seed is not None and in_share(global_seed[0], customer_id, global_seed[1]):
        return Decision("global", reason=GLOBAL_CONTROL)
    choice = choice or choose_channel(r.addresses, r.consents, r.preferred, campaign.channel, bounced=r.bounced)
    if choice.channel is None:
        return Decision("skipped", reason=choice.reason)
    if customer_id in capped:
        return Decision("skipped", choice.channel, reason=CAPPED)
    names = [v["name"] for v in campaign.variants]
    variant = names[bucket(f"{campaign.seed}:variant", customer_id, len(names))]
    if in_share(campaign.seed, customer_id, campaign.holdout_share):
        return Decision("control", choice.channel, variant=variant)
    return Decision("target", choice.channel, choice.address, variant)


def _start(campaign: Campaign, now: datetime) -> datetime:
    return max(now, campaign.scheduled_at) if campaign.scheduled_at is not None else now


def _due(campaign: Campaign, start: datetime, timezone: str | None, shop_tz: str) -> datetime:
    if campaign.quiet_from is None or campaign.quiet_until is None:
        return start
    return send_at(start, zone_of(timezone, shop_tz), campaign.quiet_from, campaign.quiet_until)


def _decisions(session: Session, campaign: Campaign, found: Mapping[int, Reach], now: datetime) -> dict[int, Decision]:
    period = global_control(session, now) if campaign.global_control else None
    seed = (period.seed, period.share) if period is not None else None
    choices = {
        cid: choose_channel(r.addresses, r.consents, r.preferred, campaign.channel, bounced=r.bounced)
        for cid, r in found.items()
    }
    reachable = [cid for cid, choice in choices.items() if choice.channel is not None]
    capped = over_cap(session, reachable, now, campaign.cap, campaign.cap_days) if campaign.cap else set()
    return {cid: decide(cid, r, campaign, seed, capped, choices[cid]) for cid, r in found.items()}


def launch(session: Session, actor: Actor, campaign_id: int, now: datetime, sending: Sending) -> Campaign:
    require(actor, "campaigns:write")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status not in ("draft", "scheduled"):
        raise Conflict(NOT_LAUNCHABLE, id=campaign_id, status=campaign.status)
    if campaign.offer_id is not None:
        require(actor, "loyalty:write")
    with paused_gc():
        return _launch(session, actor, campaign, now, sending)


def _launch(session: Session, actor: Actor, campaign: Campaign, now: datetime, sending: Sending) -> Campaign:
    """The audience read column by column and decided at once (:mod:`klientura.campaigns.plan`); the store writes
    the codes and the recipients in a second thread while this one builds the messages (the session is the
    writer's until waited for)."""
    content = Content(campaign.variants, sending.locale, sending.currency)
    members = members_query(campaign.segment_id)
    scope: Any = lambda c: c.in_(members)  # noqa: E731
    clock = _Phases()
    aud = audience(session, scope)
    if not len(aud):
        raise ValidationFailed(NOBODY_TO_SEND_TO)
    clock.lap("reach")
    period = global_control(session, now) if campaign.global_control else None
    capped = over_cap(session, aud.ids.tolist(), now, campaign.cap, campaign.cap_days) if campaign.cap else set()
    names = [v["name"] for v in campaign.variants]
    p = plan(
        aud,
        seed=campaign.seed,
        holdout=campaign.holdout_share,
        variants=len(names),
        channel=campaign.channel,
        global_seed=(period.seed, period.share) if period is not None else None,
        capped=capped,
    )
    targets = p.where(TARGET)
    clock.lap("decide")
    standing = (
        loyalty.standings(session, scope, now, ZoneInfo(sending.timezone)) if content.fields & LOYALTY_FIELDS else {}
    )
    target_ids = aud.ids[targets].tolist()
    recs = recommend(session, target_ids) if "products" in content.fields else {}
    clock.lap("points and products")
    codes = loyalty.new_codes(len(targets)) if campaign.offer_id is not None else []
    drawn = list(codes)  # store_codes replaces in place a code the store already has
    group_names, channel_names = np.array(GROUPS, dtype=object), np.array([*CHANNELS, None], dtype=object)
    variant_names = np.array([*names, None], dtype=object)
    recipients = {
        "campaign_id": [campaign.id] * len(aud),
        "customer_id": aud.ids.tolist(),
        "grp": group_names[p.grp].tolist(),
        "variant": variant_names[p.variant].tolist(),
        "channel": channel_names[p.channel].tolist(),
        "reason": [p.reasons.get(i) for i in range(len(aud))],
    }

    def write_ahead() -> None:  # in the writer's thread: the codes, then the recipients
        if campaign.offer_id is not None:
            loyalty.store_codes(session, campaign.offer_id, codes, target_ids)
        insert_columns(session, Recipient, recipients)

    writer = Deferred()
    try:
        writer.run(write_ahead)
        out = _messages(campaign, content, sending, now, aud, p, targets, names, standing, codes, recs)
        clock.lap("messages")
        writer.wait()
        clock.lap("codes and recipients")
        for i in (i for i, code in enumerate(codes) if code != drawn[i]):  # so is the message that carried it
            redone = _messages(
                campaign, content, sending, now, aud, p, targets[i : i + 1], names, standing, [codes[i]], recs
            )
            out["data"][i] = redone["data"][0]
        enqueue_many(session, out, now, ready=("data",))
        clock.lap("outbox")
    except BaseException:
        writer.abandon()
        raise
    campaign.plan = {**_plan(p, names, len(codes)), "seconds": clock.laps}
    campaign.status, campaign.launched_at = "launched", now
    session.flush()
    record(session, actor, "campaign.launch", "campaigns", campaign.id, None, campaign.plan)
    return campaign


def _messages(
    campaign: Campaign,
    content: Content,
    sending: Sending,
    now: datetime,
    aud: Audience,
    p: Plan,
    targets: npt.NDArray[np.intp],
    names: list[str],
    standing: Mapping[int, loyalty.Standing],
    codes: list[str],
    recs: Mapping[int, list[dict[str, Any]]],
) -> dict[str, list[Any]]:
    """The outbox rows of the targets, column by column: no HTML, the variant and the recipient's frozen fields."""
    start, source = _start(campaign, now), f"campaign:{campaign.id}"
    due: dict[str | None, datetime] = {}  # per time zone: every recipient there waits for the same morning
    out: dict[str, list[Any]] = {
        k: [] for k in ("key", "channel", "to", "source", "customer_id", "data", "next_attempt_at")
    }
    head = {"campaign": campaign.id, "locale": sending.locale, "currency": sending.currency}
    freeze = content.freezer()
    keys, channels, tos, sources, customers, datas, dues = (out[k] for k in out)
    ids, first, last, middle, zones = aud.ids.tolist(), aud.first, aud.last, aud.middle, aud.timezone
    chosen, variant = p.channel.tolist(), p.variant.tolist()
    for n, i in enumerate(targets.tolist()):
        cid, channel, tz = ids[i], CHANNELS[chosen[i]], zones[i]
        full = " ".join(x for x in (last[i], first[i], middle[i]) if x)
        fields = freeze(first[i], last[i], full, standing.get(cid), codes[n] if codes else None, recs.get(cid))
        if tz not in due:
            due[tz] = _due(campaign, start, tz, sending.timezone)
        keys.append(f"{source}:{cid}")
        channels.append(channel)
        tos.append(aud.address[channel][i])
        sources.append(source)
        customers.append(cid)
        datas.append(json.dumps({**head, "variant": names[variant[i]], "fields": fields}, ensure_ascii=False))
        dues.append(due[tz])
    return out


class _Phases:
    """Seconds per step of a launch, kept in its plan (where a slow launch spends its time)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._at = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name], self._at = round(now - self._at, 2), now


def _plan(p: Plan, names: list[str], codes: int) -> dict[str, Any]:
    groups = np.bincount(p.grp, minlength=len(GROUPS))
    targets = p.grp == TARGET
    variants = np.bincount(p.variant[targets], minlength=len(names)) if targets.any() else np.zeros(len(names), int)
    channels = (
        np.bincount(p.channel[targets], minlength=len(CHANNELS)) if targets.any() else np.zeros(len(CHANNELS), int)
    )
    return {
        "audience": len(p.grp),
        **{g: int(groups[k]) for k, g in enumerate(GROUPS)},
        "reasons": dict(Counter(r for i, r in p.reasons.items() if p.grp[i] == SKIPPED).most_common()),
        "variants": {name: int(variants[k]) for k, name in enumerate(names)},
        "channels": {
            ch: int(channels[k])
            for k, ch in sorted(enumerate(CHANNELS), key=lambda kc: -channels[kc[0]])
            if channels[k]
        },
        "codes": codes,
    }


def preview(
    session: Session,
    actor: Actor,
    campaign_id: int,
    customer_id: int,
    now: datetime,
    sending: Sending,
    variant: str | None = None,
) -> Preview:
    """What this customer would receive if the campaign went now (or why nothing), rendered with their own data: the
    actor must see the card; the unsubscribe link in it is a sample (it unsubscribes nobody)."""
    campaign = get_campaign(session, actor, campaign_id)
    get_customer(session, actor, customer_id, follow_merge=False)
    content = Content(campaign.variants, sending.locale, sending.currency)
    found = reach(session, lambda c: c == customer_id)
    if customer_id not in found:
        raise ValidationFailed(NO_RECIPIENT, id=customer_id)
    d = _decisions(session, campaign, found, now)[customer_id]
    name = variant or d.variant or campaign.variants[0]["name"]
    if name not in content.parts:
        raise ValidationFailed(NO_VARIANT, value=name, allowed=", ".join(content.parts))
    standing = loyalty.standings(session, lambda c: c == customer_id, now, ZoneInfo(sending.timezone))
    r, channel = found[customer_id], d.channel or campaign.channel or "email"
    products = recommend(session, [customer_id]).get(customer_id, []) if "products" in content.fields else []
    p = person(
        r.first_name,
        r.last_name,
        r.full_name,
        standing.get(customer_id),
        promo_code=SAMPLE_CODE if campaign.offer_id else None,
        products=products,
    )
    to = d.address or r.addresses.get(channel)
    m = content.message(
        name,
        content.frozen(p),
        key=f"preview:{campaign.id}:{customer_id}",
        to=to or "",
        channel=channel,
        customer_id=customer_id,
        links=SampleLinks(sending.links.base_url, sending.links.secret),
    )
    skipped = None if d.grp == "target" else d.reason or (HELD_OUT if d.grp == "control" else None)
    return Preview(
        customer_id=customer_id,
        variant=name,
        channel=d.channel,
        to=to,
        subject=m.subject,
        text=m.text,
        html=m.html,
        skipped=skipped,
    )
