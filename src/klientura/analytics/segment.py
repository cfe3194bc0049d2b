"""A rule tree compiled to one Ibis expression: the surviving cards that satisfy it, on any engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
from ibis import _

from klientura.analytics.rules import (
    CLV_FIELDS,
    PROFILE_FIELDS,
    SCORE_FIELDS,
    AndRule,
    ConsentRule,
    EventRule,
    IdentityRule,
    NotRule,
    OrdersRule,
    OrRule,
    ProfileRule,
    Rule,
    ScoreRule,
    TagRule,
)
from klientura.analytics.scores import purchases

Expr = Any
_MONEY_SCORES = {
    "revenue": "revenue_k",
    "avg_check": "avg_check_k",
    "clv": "clv_k",
    "expected_spend": "expected_spend_k",
}


def _compare(col: Expr, op: str, value: Any) -> Expr:
    if op == "empty":
        return col.isnull()
    if op == "not empty":
        return col.notnull()
    if op == "in":
        return col.isin(value)
    if op == "not in":
        return col.notin(value)
    if op == "between":
        return col.between(value[0], value[1])
    return {
        "=": col == value,
        "!=": col != value,
        ">": col > value,
        ">=": col >= value,
        "<": col < value,
        "<=": col <= value,
    }[op]


class _Compiler:
    def __init__(self, tables: dict[str, Expr], as_of: date) -> None:
        self.t, self.as_of, self.day = tables, as_of, ibis.date(as_of)
        cards = tables["customers"]
        self.roots = cards.select(card_id=cards.id, cid=cards.root_id)
        self.joins: list[tuple[Expr, str]] = []
        self.scores_needed = False
        self.clv_needed = False

    def _per_root(self, card_ids: Expr, value: Expr | None = None) -> str:
        """Join a per-customer table (``cid`` plus one value) onto the base; the column's name comes back."""
        name = f"v{len(self.joins)}"
        self.joins.append((card_ids, name))
        return name

    def _cards(self, table: Expr, where: Expr) -> Expr:
        """Surviving cards among the cards of ``table`` rows matching ``where``, with a flag column."""
        hit = table.filter(where).join(self.roots, table.customer_id == self.roots.card_id)
        return hit.select("cid").distinct().mutate(value=ibis.literal(True))

    def compile(self, rule: Rule) -> Expr:
        """A boolean expression over the joined base (deferred: resolved when the base is built)."""
        if isinstance(rule, AndRule):
            parts = [self.compile(r) for r in rule.rules]
            out = parts[0]
            for p in parts[1:]:
                out = out & p
            return out
        if isinstance(rule, OrRule):
            parts = [self.compile(r) for r in rule.rules]
            out = parts[0]
            for p in parts[1:]:
                out = out | p
            return out
        if isinstance(rule, NotRule):
            return ~self.compile(rule.rule).fill_null(False)
        if isinstance(rule, ProfileRule):
            return self._profile(rule)
        if isinstance(rule, ScoreRule):
            prefix = "c" if rule.field in CLV_FIELDS else "s"
            self.clv_needed |= prefix == "c"
            self.scores_needed |= prefix == "s"
            kind = SCORE_FIELDS[rule.field]
            col = _[f"{prefix}_{_MONEY_SCORES.get(rule.field, rule.field)}"]
            value = rule.value
            if rule.field in _MONEY_SCORES and value is not None:
                value = [v * 100 for v in value] if isinstance(value, list) else value * 100
            cmp = _compare(col, rule.op, value)
            return cmp.fill_null(False) if kind != "flag" else cmp.fill_null(rule.op == "!=" and value is True)
        if isinstance(rule, TagRule):
            t = self.t["tags"]
            return _[self._per_root(self._cards(t, t.tag == rule.tag.strip().lower()))].notnull()
        if isinstance(rule, ConsentRule):
            t = self.t["consents"]
            return _[self._per_root(self._cards(t, (t.channel == rule.channel) & t.granted))].notnull()
        if isinstance(rule, IdentityRule):
            t = self.t["identities"]
            return _[self._per_root(self._cards(t, t.kind == rule.identity))].notnull()
        if isinstance(rule, OrdersRule):
            return self._orders(rule)
        if isinstance(rule, EventRule):
            return self._events(rule)
        raise TypeError(rule)

    def _profile(self, rule: ProfileRule) -> Expr:
        kind = PROFILE_FIELDS[rule.field]
        value = rule.value
        if kind == "date" and value is not None:
            value = [date.fromisoformat(v) for v in value] if isinstance(value, list) else date.fromisoformat(value)
        if rule.field == "age":
            bd = _.birth_date
            had_birthday = (bd.month() * 100 + bd.day()) <= (self.as_of.month * 100 + self.as_of.day)
            col = self.as_of.year - bd.year() - had_birthday.ifelse(0, 1)
        elif rule.field == "created":
            col = _.created_day
        elif rule.field in ("city", "gender", "acquisition_source"):
            col = _[rule.field].lower().strip()
            value = (
                [v.strip().lower() for v in value]
                if isinstance(value, list)
                else (value.strip().lower() if isinstance(value, str) else value)
            )
        else:
            col = _[rule.field]
        return _compare(col, rule.op, value).fill_null(False)

    def _orders(self, rule: OrdersRule) -> Expr:
        buys = purchases(self.t, self.as_of)
        if rule.window_days:
            buys = buys.filter(buys.day > self.day - ibis.interval(days=rule.window_days))
        o = self.t["orders"]
        if rule.outlets or rule.channels:
            where = o.outlet_id.isin(rule.outlets or [-1]) if rule.outlets else ibis.literal(True)
            if rule.channels:
                where = where & o.channel_id.isin(rule.channels)
            keep = o.filter(where).select(kept=o.id)
            buys = buys.semi_join(keep, buys.order_id == keep.kept)
        if rule.categories or rule.products:
            lines, products = self.t["order_lines"], self.t["products"]
            joined = lines.join(products, lines.product_id == products.id)
            where = ibis.literal(False)
            if rule.products:
                where = where | joined.product_id.isin(rule.products)
            if rule.categories:
                where = where | joined.category_id.isin(rule.categories)
            keep = joined.filter(where).select(kept=joined.order_id).distinct()
            buys = buys.semi_join(keep, buys.order_id == keep.kept)
        per = buys.group_by("cid").aggregate(n=_.count(), total=_.net_k.sum(), last=_.day.max())
        metric = {
            "count": per.n,
            "sum": per.total,
            "avg_check": per.total.cast("float64") / per.n.cast("float64"),
            "days_since_last": self.day.delta(per.last, unit="day"),
        }[rule.metric]
        name = self._per_root(per.select("cid", value=metric))
        value = rule.value * 100 if rule.metric in ("sum", "avg_check") else rule.value
        if isinstance(rule.value, list):
            value = [v * 100 for v in rule.value] if rule.metric in ("sum", "avg_check") else rule.value
        missing = {"count": 0, "sum": 0}.get(rule.metric)  # no orders: a count and a sum of 0, no check or date
        col = _[name].fill_null(missing) if missing is not None else _[name]
        return _compare(col, rule.op, value).fill_null(False)

    def _events(self, rule: EventRule) -> Expr:
        ev = self.t["events"]
        where = (ev.type == rule.type) & (ev.day <= self.day)
        if rule.window_days:
            where = where & (ev.day > self.day - ibis.interval(days=rule.window_days))
        hit = ev.filter(where).join(self.roots, ev.customer_id == self.roots.card_id)
        per = hit.group_by("cid").aggregate(value=_.count())
        name = self._per_root(per)
        return _compare(_[name].fill_null(0), rule.op, rule.value)

    def build(self, predicate: Expr) -> Expr:
        cards = self.t["customers"]
        base = cards.filter(cards.id == cards.root_id).select(
            customer_id=cards.id,
            gender=cards.gender,
            city=cards.city,
            birth_date=cards.birth_date,
            created_day=cards.created_day,
            acquisition_source=cards.acquisition_source,
            owner_id=cards.owner_id,
        )
        if self.scores_needed:
            s = self.t["scores"]
            s = s.select(s_customer_id=s.customer_id, **{f"s_{c}": s[c] for c in s.columns if c != "customer_id"})
            base = base.left_join(s, base.customer_id == s.s_customer_id).drop("s_customer_id")
        if self.clv_needed:  # customers who never bought have no prediction: no condition on it holds for them
            c = self.t["clv"]
            c = c.select(c_customer_id=c.customer_id, **{f"c_{n}": c[n] for n in c.columns if n != "customer_id"})
            base = base.left_join(c, base.customer_id == c.c_customer_id).drop("c_customer_id")
        for table, name in self.joins:
            joined = table.select(**{f"{name}_cid": table.cid, name: table.value})
            base = base.left_join(joined, base.customer_id == joined[f"{name}_cid"]).drop(f"{name}_cid")
        return base.filter(predicate).select("customer_id")


def members(tables: dict[str, Expr], rule: Rule, as_of: date) -> Expr:
    """The ids of the surviving cards that satisfy ``rule`` as of ``as_of`` (an Ibis table of ``customer_id``)."""
    compiler = _Compiler(tables, as_of)
    predicate = compiler.compile(rule)
    return compiler.build(predicate)
