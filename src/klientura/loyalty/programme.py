"""The programme's rules: tiers by rolling spend with their earn rates, excluded categories, the share of a check
payable with points, activation and expiry of earned points, bonuses. Validated, stored as JSON, audited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, cast

from annotated_types import MaxLen
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, memos_of
from klientura.kit.bounds import Amount, Id
from klientura.kit.errors import invalid, refused
from klientura.loyalty.errors import (
    FIRST_TIER_NOT_ZERO,
    MULTIPLIER_ENDS_FIRST,
    NO_TIERS,
    TIER_NAMES_REPEAT,
    TIERS_NOT_INCREASING,
    UNKNOWN_TIERS,
)
from klientura.loyalty.models import LoyaltyConfig


class Tier(BaseModel):
    name: str = Field(min_length=1, max_length=32)
    min_spend: Amount = Field(default=Decimal(0), description="spend over the tier window to reach the tier")
    earn_percent: Decimal = Field(ge=0, le=100, description="points earned, % of what was paid in money")


class Multiplier(BaseModel):
    """A campaign: points earned times ``factor`` between two dates, on some categories or tiers (empty: all)."""

    name: str = Field(min_length=1, max_length=100)
    factor: Decimal = Field(gt=1, le=10)
    starts: datetime
    ends: datetime
    category_ids: list[Id] = Field(default_factory=list, max_length=1000)
    tiers: list[Annotated[str, MaxLen(32)]] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates(self) -> Multiplier:
        self.starts, self.ends = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (self.starts, self.ends))
        if self.ends <= self.starts:
            raise refused(MULTIPLIER_ENDS_FIRST, name=self.name)
        return self

    def applies(self, at: datetime, category_id: int | None, tier: str) -> bool:
        return (
            self.starts <= at < self.ends
            and (not self.category_ids or category_id in self.category_ids)
            and (not self.tiers or tier in self.tiers)
        )


class Programme(BaseModel):
    tiers: list[Tier] = Field(
        max_length=20,
        default_factory=lambda: [
            Tier(name="base", min_spend=Decimal(0), earn_percent=Decimal(3)),
            Tier(name="silver", min_spend=Decimal(30000), earn_percent=Decimal(5)),
            Tier(name="gold", min_spend=Decimal(100000), earn_percent=Decimal(7)),
        ],
    )
    tier_window_days: int = Field(default=365, ge=1, le=3650, description="days of spend that decide the tier")
    excluded_categories: list[Id] = Field(
        default_factory=list, max_length=1000, description="no points earned or spent on these"
    )
    max_redeem_share: Decimal = Field(
        default=Decimal("0.3"), ge=0, le=1, description="share of a check payable with points"
    )
    activation_days: int = Field(default=14, ge=0, le=365, description="earned points usable after (the return window)")
    expiry_days: int = Field(default=365, ge=1, le=3650, description="earned points expire this long after activation")
    reminder_days: int = Field(default=14, ge=0, le=365, description="remind this many days before points expire")
    welcome_bonus: int = Field(default=0, ge=0, le=1_000_000, description="points on joining")
    birthday_bonus: int = Field(default=0, ge=0, le=1_000_000, description="points on the birthday, once a year")
    bonus_days: int = Field(default=30, ge=1, le=3650, description="welcome and birthday points expire after")
    referrer_bonus: int = Field(default=0, ge=0, le=1_000_000, description="points for bringing a friend")
    friend_bonus: int = Field(default=0, ge=0, le=1_000_000, description="points for the friend brought")
    multipliers: list[Multiplier] = Field(default_factory=list, max_length=100)
    referral_link: str = Field(
        default="",
        max_length=300,
        pattern=r"^$|\{code\}",
        description="the invitation link with {code}; empty: this server's /r/{code}",
    )

    @model_validator(mode="after")
    def _tiers(self) -> Programme:
        if not self.tiers:
            raise refused(NO_TIERS)
        if self.tiers[0].min_spend != 0:
            raise refused(FIRST_TIER_NOT_ZERO)
        spends = [t.min_spend for t in self.tiers]
        if spends != sorted(spends) or len(set(spends)) != len(spends):
            raise refused(TIERS_NOT_INCREASING)
        if len({t.name for t in self.tiers}) != len(self.tiers):
            raise refused(TIER_NAMES_REPEAT)
        for m in self.multipliers:
            if unknown := set(m.tiers) - {t.name for t in self.tiers}:
                raise refused(UNKNOWN_TIERS, name=m.name, tiers=", ".join(sorted(unknown)))
        return self

    def tier_for(self, spend: Decimal) -> Tier:
        chosen = self.tiers[0]
        for tier in self.tiers:
            if spend >= tier.min_spend:
                chosen = tier
        return chosen

    def factor(self, at: datetime, category_id: int | None, tier: str) -> Decimal:
        """The campaign multiplier for a line: the largest that applies (campaigns do not stack)."""
        return max((m.factor for m in self.multipliers if m.applies(at, category_id, tier)), default=Decimal(1))


def load_programme(session: Session) -> Programme:
    """The rules in force: parsed once per change and remembered by the app or worker that made the session (the
    stamp is one cheap query, read in the request's transaction, so a change rolled back never reaches the memo)."""
    stamp = session.scalar(select(LoyaltyConfig.updated_at).where(LoyaltyConfig.id == 1))
    memo = memos_of(session).of("loyalty.programme")
    key = (str(session.get_bind().engine.url), stamp)
    found = memo.get(key)
    if found is None:
        row = session.get(LoyaltyConfig, 1)
        found = Programme.model_validate(row.settings) if row else Programme()
        memo.put(key, found)
    return cast(Programme, found).model_copy(deep=True)


def save_programme(session: Session, actor: Actor, data: dict[str, Any]) -> Programme:
    require(actor, "loyalty:write")
    try:
        new = Programme.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc
    row = session.get(LoyaltyConfig, 1)
    before = row.settings if row else None
    if row is None:
        row = LoyaltyConfig(id=1)
        session.add(row)
    row.settings, row.updated_by = new.model_dump(mode="json"), actor.name
    session.flush()
    record(session, actor, "loyalty.programme", "loyalty_config", 1, before, row.settings)
    return new
