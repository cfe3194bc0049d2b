"""A segment's rule: a JSON tree of AND / OR / NOT over conditions on the customer, validated by Pydantic.

Example — champions and loyal customers with an e-mail consent who bought shoes in the last 90 days and did
not open the app last week::

    {"kind": "and", "rules": [
        {"kind": "score", "field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]},
        {"kind": "consent", "channel": "email"},
        {"kind": "orders", "metric": "count", "op": ">=", "value": 1, "window_days": 90, "categories": [7]},
        {"kind": "not", "rule": {"kind": "event", "type": "app_open", "window_days": 7}}]}
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from klientura.analytics.errors import (
    AGGREGATE_COMPARE,
    BETWEEN_TWO,
    FLAG_EQUALITY,
    NEEDS_BOOL,
    NEEDS_DATE,
    NEEDS_LIST,
    NEEDS_NUMBER,
    NEEDS_ONE,
    NEEDS_TEXT,
    NEEDS_VALUE,
    TAKES_NO_VALUE,
    TEXT_COMPARE,
    TOO_MANY_CONDITIONS,
    UNKNOWN_PROFILE_FIELD,
    UNKNOWN_SCORE_FIELD,
)
from klientura.kit.channels import ConsentChannel
from klientura.kit.errors import ValidationFailed, invalid, refused

Op = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not in", "between", "empty", "not empty"]
ORDERING = {"=", "!=", ">", ">=", "<", "<=", "between"}

PROFILE_FIELDS = {  # field -> value type
    "gender": "text",
    "city": "text",
    "acquisition_source": "text",
    "owner_id": "number",
    "age": "number",
    "birth_date": "date",
    "created": "date",
}
SCORE_FIELDS = {
    "temperature": "text",
    "lifecycle": "text",
    "rfm_segment": "text",
    "rfm_cell": "text",
    "behaviour": "text",
    "r": "number",
    "f": "number",
    "m": "number",
    "recency_days": "number",
    "frequency": "number",
    "orders": "number",
    "revenue": "number",
    "avg_check": "number",
    "mean_interval_days": "number",
    "discount_lover": "flag",
    "promo_hunter": "flag",
    "irregular": "flag",
    "frequent_thrifty": "flag",
    "p_alive": "number",
    "clv": "number",
    "expected_purchases": "number",
    "expected_spend": "number",
}
CLV_FIELDS = {"p_alive", "clv", "expected_purchases", "expected_spend"}  # from the last lifetime-value prediction
MAX_CONDITIONS = 50


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_value(kind: str, op: str, value: Any) -> None:
    """The value a comparison needs: a list for in / not in, two for between, none for empty; of the field's
    type (numbers, ISO dates, text; flags only compare with true / false)."""
    if op in ("empty", "not empty"):
        if value is not None:
            raise refused(TAKES_NO_VALUE, op=op)
        return
    if value is None:
        raise refused(NEEDS_VALUE, op=op)
    values = value if op in ("in", "not in", "between") else [value]
    if op in ("in", "not in", "between") and not isinstance(value, list):
        raise refused(NEEDS_LIST, op=op)
    if op == "between" and len(value) != 2:
        raise refused(BETWEEN_TWO)
    if op in ("in", "not in") and not value:
        raise refused(NEEDS_ONE, op=op)
    for v in values:
        if kind == "number" and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise refused(NEEDS_NUMBER, value=v)
        if kind == "date":
            try:
                date.fromisoformat(str(v))
            except ValueError:
                raise refused(NEEDS_DATE, value=v) from None
        if kind == "text" and not isinstance(v, str):
            raise refused(NEEDS_TEXT, value=v)
        if kind == "flag" and not isinstance(v, bool):
            raise refused(NEEDS_BOOL, value=v)
    if kind == "flag" and op not in ("=", "!="):
        raise refused(FLAG_EQUALITY)
    if kind == "text" and op in ORDERING - {"=", "!="}:
        raise refused(TEXT_COMPARE, op=op)


class ProfileRule(_Rule):
    kind: Literal["profile"]
    field: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _valid(self) -> ProfileRule:
        if self.field not in PROFILE_FIELDS:
            raise refused(UNKNOWN_PROFILE_FIELD, value=self.field, allowed=", ".join(sorted(PROFILE_FIELDS)))
        _check_value(PROFILE_FIELDS[self.field], self.op, self.value)
        return self


class ScoreRule(_Rule):
    kind: Literal["score"]
    field: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _valid(self) -> ScoreRule:
        if self.field not in SCORE_FIELDS:
            raise refused(UNKNOWN_SCORE_FIELD, value=self.field, allowed=", ".join(sorted(SCORE_FIELDS)))
        _check_value(SCORE_FIELDS[self.field], self.op, self.value)
        return self


class TagRule(_Rule):
    kind: Literal["tag"]
    tag: str = Field(min_length=1, max_length=64)


class ConsentRule(_Rule):
    kind: Literal["consent"]
    channel: ConsentChannel


class IdentityRule(_Rule):
    kind: Literal["identity"]
    identity: Literal["phone", "email", "card", "telegram", "vk", "external"]


class OrdersRule(_Rule):
    """An aggregate of the customer's completed orders (net of returns) in a window, optionally only orders with
    lines of these categories or products, at these outlets or through these channels."""

    kind: Literal["orders"]
    metric: Literal["count", "sum", "avg_check", "days_since_last"]
    op: Op = ">="
    value: Any = 1
    window_days: int | None = Field(default=None, ge=1, le=3650)
    categories: list[int] = Field(default_factory=list)
    products: list[int] = Field(default_factory=list)
    outlets: list[int] = Field(default_factory=list)
    channels: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid(self) -> OrdersRule:
        _check_value("number", self.op, self.value)
        if self.op in ("empty", "not empty", "in", "not in"):
            raise refused(AGGREGATE_COMPARE, op=self.op)
        return self


class EventRule(_Rule):
    kind: Literal["event"]
    type: str = Field(min_length=1, max_length=64)
    window_days: int | None = Field(default=None, ge=1, le=3650)
    op: Literal[">=", "<=", "=", ">", "<"] = ">="
    value: int = Field(default=1, ge=0)


class AndRule(_Rule):
    kind: Literal["and"]
    rules: list[Rule] = Field(min_length=1)


class OrRule(_Rule):
    kind: Literal["or"]
    rules: list[Rule] = Field(min_length=1)


class NotRule(_Rule):
    kind: Literal["not"]
    rule: Rule


Rule = Annotated[
    ProfileRule
    | ScoreRule
    | TagRule
    | ConsentRule
    | IdentityRule
    | OrdersRule
    | EventRule
    | AndRule
    | OrRule
    | NotRule,
    Field(discriminator="kind"),
]


class RuleTree(BaseModel):
    root: Rule


def leaves(rule: Any) -> list[Any]:
    """The conditions of a tree, without its AND / OR / NOT."""
    if isinstance(rule, AndRule | OrRule):
        return [leaf for r in rule.rules for leaf in leaves(r)]
    if isinstance(rule, NotRule):
        return leaves(rule.rule)
    return [rule]


def kinds(rule: Any) -> set[str]:
    return {leaf.kind for leaf in leaves(rule)}


def needs(rule: Any) -> set[str]:
    """The computed tables a tree reads: 'scores' (families) and 'clv' (lifetime value)."""
    out = set()
    for leaf in leaves(rule):
        if isinstance(leaf, ScoreRule):
            out.add("clv" if leaf.field in CLV_FIELDS else "scores")
    return out


def parse_rule(data: Any) -> Rule:
    """A validated rule tree, or :class:`ValidationFailed` naming the first problem and where it is."""
    try:
        rule = RuleTree.model_validate({"root": data}).root
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:] if not str(p).endswith("Rule")) or "rule"
        raise invalid(exc, where) from exc
    if len(leaves(rule)) > MAX_CONDITIONS:
        raise ValidationFailed(TOO_MANY_CONDITIONS, max=MAX_CONDITIONS)
    return rule
