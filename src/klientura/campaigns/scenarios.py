"""Triggered scenarios: their settings (each off until switched on, with a ready text), and the worker's run that
turns triggers into messages — each trigger once, through the same rules as a campaign: the global control group
left out, the channel with consent, the cap if the scenario has one, the scenario's own holdout drawn by its seed,
the message due at the end of the recipient's quiet hours and rendered when sent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select

from klientura import loyalty
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.campaigns.content import Content
from klientura.campaigns.errors import MERGED_AWAY, NO_SCENARIO, QUIET_HOURS_HALF, SAME_VARIANT_NAMES
from klientura.campaigns.launch import Sending, decide
from klientura.campaigns.models import GROUPS, SCENARIOS, Scenario, ScenarioEntry
from klientura.campaigns.outbox import enqueue_many
from klientura.campaigns.reach import reach
from klientura.campaigns.recommend import recommend
from klientura.campaigns.schemas import Channel, Variant
from klientura.campaigns.service import check_variants, global_control
from klientura.campaigns.templates import person
from klientura.campaigns.timing import over_cap, send_at, zone_of
from klientura.campaigns.triggers import Trigger, find
from klientura.db import Session, in_chunks, insert_columns
from klientura.kit.bounds import Id
from klientura.kit.errors import NotFound, ValidationFailed, invalid, refused

DAILY = ("birthday", "win_back", "repeat_purchase")
BATCH = 5_000  # states, not events: looked at once a day


class ScenarioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    channel: Channel | None = None
    variants: list[Variant] = Field(min_length=1, max_length=5)
    holdout_share: float = Field(default=0.1, ge=0, le=0.5)
    delay_hours: int = Field(default=0, ge=0, le=24 * 30)
    cap: int | None = Field(default=None, ge=1, le=1000)
    cap_days: int = Field(default=7, ge=1, le=90)
    quiet_from: Any = None
    quiet_until: Any = None
    offer_id: Id | None = None
    attribution_days: int = Field(default=7, ge=1, le=90)

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioIn:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise refused(SAME_VARIANT_NAMES)
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise refused(QUIET_HOURS_HALF)
        return self


def scenarios(session: Session) -> dict[str, Scenario]:
    """Every scenario by its key (the migrations create each one, switched off, with its ready text)."""
    found = {s.key: s for s in session.scalars(select(Scenario))}
    return {k: found[k] for k in SCENARIOS if k in found}


def list_scenarios(session: Session, actor: Actor) -> list[Scenario]:
    require(actor, "campaigns:read")
    return list(scenarios(session).values())


def get_scenario(session: Session, actor: Actor, key: str) -> Scenario:
    require(actor, "campaigns:read")
    found = scenarios(session).get(key)
    if found is None:
        raise NotFound(NO_SCENARIO, value=key, allowed=", ".join(SCENARIOS))
    return found


def update_scenario(session: Session, actor: Actor, key: str, raw: dict[str, Any], now: datetime) -> Scenario:
    """Change a scenario; switching it on starts from now (what happened before does not flood anyone)."""
    require(actor, "campaigns:write")
    scenario = get_scenario(session, actor, key)
    try:
        data = ScenarioIn.model_validate({**_current(scenario), **raw})
    except ValidationError as exc:
        raise invalid(exc) from exc
    check_variants(data.variants)
    if data.offer_id is not None and not loyalty.offer_exists(session, data.offer_id):
        raise ValidationFailed(loyalty.NO_OFFER, field="offer_id", id=data.offer_id)
    before = _current(scenario)
    if data.enabled and not scenario.enabled:
        scenario.checked_until = now
    for name, value in data.model_dump(exclude={"variants"}).items():
        setattr(scenario, name, value)
    scenario.variants, scenario.updated_by = [v.model_dump() for v in data.variants], actor.name
    session.flush()
    record(
        session,
        actor,
        "scenario.update",
        "scenarios",
        scenario.id,
        json.loads(json.dumps(before, default=str)),
        json.loads(json.dumps(_current(scenario), default=str)),
    )
    return scenario


def _current(s: Scenario) -> dict[str, Any]:
    return {
        "enabled": s.enabled,
        "channel": s.channel,
        "variants": s.variants,
        "holdout_share": s.holdout_share,
        "delay_hours": s.delay_hours,
        "cap": s.cap,
        "cap_days": s.cap_days,
        "quiet_from": s.quiet_from,
        "quiet_until": s.quiet_until,
        "offer_id": s.offer_id,
        "attribution_days": s.attribution_days,
    }


def run(session: Session, now: datetime, sending: Sending) -> dict[str, dict[str, int]]:
    """One round of every switched-on scenario, from where the last stopped to ``now``: {key: counts per group}."""
    zone = ZoneInfo(sending.timezone)
    out: dict[str, dict[str, int]] = {}
    period = global_control(session, now)
    for key, scenario in scenarios(session).items():
        if not scenario.enabled:
            continue
        since = scenario.checked_until or now
        if key in DAILY and since.astimezone(zone).date() == now.astimezone(zone).date() and since != now:
            continue
        fired = find(session, key, since, now, timedelta(hours=scenario.delay_hours), zone)
        out[key] = _fire(session, scenario, fired, now, sending, (period.seed, period.share) if period else None)
        scenario.checked_until = now
    session.flush()
    return out


def _fire(
    session: Session,
    scenario: Scenario,
    fired: list[Trigger],
    now: datetime,
    sending: Sending,
    global_seed: tuple[str, float] | None,
) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(GROUPS, 0)
    seen: set[str] = set()
    for chunk in in_chunks(session, [t.key for t in fired]):  # a day's sleepers may be many: SQLite's IN has limits
        seen.update(
            session.scalars(
                select(ScenarioEntry.trigger).where(
                    ScenarioEntry.scenario_id == scenario.id, chunk.of(ScenarioEntry.trigger)
                )
            )
        )
    fresh = list({t.key: t for t in fired if t.key not in seen}.values())
    for start in range(0, len(fresh), BATCH):  # lists of customers in IN (...): within SQLite's limits
        for grp, n in _fire_batch(session, scenario, fresh[start : start + BATCH], now, sending, global_seed).items():
            counts[grp] += n
    return counts


def _fire_batch(
    session: Session,
    scenario: Scenario,
    fresh: list[Trigger],
    now: datetime,
    sending: Sending,
    global_seed: tuple[str, float] | None,
) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(GROUPS, 0)
    ids = sorted({t.customer_id for t in fresh})
    found = reach(session, lambda c: c.in_(ids))
    capped = over_cap(session, ids, now, scenario.cap, scenario.cap_days) if scenario.cap else set()
    content = Content(scenario.variants, sending.locale, sending.currency)
    standing = loyalty.standings(session, lambda c: c.in_(ids), now, ZoneInfo(sending.timezone))
    recs = recommend(session, ids) if "products" in content.fields else {}
    entries: dict[str, list[Any]] = {
        k: [] for k in ("scenario_id", "customer_id", "trigger", "at", "grp", "channel", "reason")
    }
    messages: dict[str, list[Any]] = {
        k: [] for k in ("key", "channel", "to", "source", "customer_id", "data", "next_attempt_at")
    }
    targets = []
    for t in fresh:
        r = found.get(t.customer_id)
        d = decide(t.customer_id, r, scenario, global_seed, capped) if r is not None else None
        grp = d.grp if d is not None else "skipped"
        for name, value in (
            ("scenario_id", scenario.id),
            ("customer_id", t.customer_id),
            ("trigger", t.key),
            ("at", t.at),
            ("grp", grp),
            ("channel", d.channel if d else None),
            ("reason", d.reason if d else MERGED_AWAY),
        ):
            entries[name].append(value)
        counts[grp] += 1
        if d is not None and r is not None and d.grp == "target":
            targets.append((t, d, r))
    codes = loyalty.new_codes(len(targets)) if scenario.offer_id is not None and targets else []
    if codes and scenario.offer_id is not None:
        loyalty.store_codes(session, scenario.offer_id, codes, [t.customer_id for t, _d, _r in targets])
    source = f"scenario:{scenario.key}"
    for n, (t, d, r) in enumerate(targets):
        fields = content.frozen(
            person(
                r.first_name,
                r.last_name,
                r.full_name,
                standing.get(t.customer_id),
                promo_code=codes[n] if codes else None,
                products=recs.get(t.customer_id, []),
            )
        )
        due = max(t.at, now)
        if scenario.quiet_from is not None and scenario.quiet_until is not None:
            due = send_at(due, zone_of(r.timezone, sending.timezone), scenario.quiet_from, scenario.quiet_until)
        data = {
            "scenario": scenario.key,
            "trigger": t.key,  # what the message is about (an order to review: its survey links say so)
            "variant": d.variant,
            "locale": sending.locale,
            "currency": sending.currency,
            "fields": fields,
        }
        for name, value in (
            ("key", f"{source}:{t.key}"),
            ("channel", d.channel),
            ("to", d.address),
            ("source", source),
            ("customer_id", t.customer_id),
            ("data", json.dumps(data, ensure_ascii=False)),
            ("next_attempt_at", due),
        ):
            messages[name].append(value)
    insert_columns(session, ScenarioEntry, entries)
    if targets:
        enqueue_many(session, messages, now, ready=("data",))
    return counts
