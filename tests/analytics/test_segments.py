"""Segment rules: every kind of condition and AND / OR / NOT on a hand-made warehouse; bad rules explained."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from klientura.analytics import AnalyticsSettings, Warehouse, parse_rule, segment_members, segment_size
from klientura.kit.errors import ValidationFailed
from tests.analytics.test_scores import AS_OF, Base


@pytest.fixture
def wh(tmp_path: Path) -> Any:
    b = Base()
    for cid in range(1, 9):
        b.card(cid)
    b.customers[0] = (1, 1, date(2020, 1, 1), "f", date(1990, 7, 1), "Москва", "eshop", None)  # 35 on AS_OF
    b.customers[1] = (2, 2, date(2026, 6, 1), "m", date(1990, 6, 30), " москва ", None, None)  # 36 that day
    b.card(9, root=1)  # merged into 1
    b.buy(1, 5, 3000)
    b.buy(1, 40, 2000)
    b.buy(9, 100, 1000)  # counts for card 1
    b.buy(2, 200, 500)
    oid = b.buy(3, 10, 900)
    b.returns.append((1, oid, AS_OF, 90_000))  # fully returned
    b.events += [
        (1, 4, "cart_abandoned", AS_OF - timedelta(days=2)),
        (2, 4, "cart_abandoned", AS_OF - timedelta(days=30)),
        (3, 5, "cart_abandoned", AS_OF - timedelta(days=1)),
    ]
    with Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as w:
        b.load(w)
        w.con.execute("INSERT INTO tags VALUES (1, 'vip'), (5, 'vip'), (2, 'opt')")
        w.con.execute("INSERT INTO consents VALUES (1, 'email', true), (2, 'email', false), (3, 'sms', true)")
        w.con.execute("INSERT INTO identities VALUES (1, 'phone'), (2, 'email'), (9, 'email')")
        w.con.execute("INSERT INTO products VALUES (1, 'SHOE-1', 7, 100000, 50000), (2, 'HAT-1', 8, 50000, 20000)")
        w.con.execute("INSERT INTO order_lines VALUES (1, 1, 1, 1, 300000, 0, 300000), (2, 4, 2, 1, 50000, 0, 50000)")
        yield w


def ids(wh: Warehouse, rule: dict[str, Any]) -> list[int]:
    return sorted(segment_members(wh, rule, AS_OF).to_pyarrow()["customer_id"].to_pylist())


def test_conditions_and_logic(wh: Warehouse) -> None:
    assert ids(wh, {"kind": "tag", "tag": "VIP "}) == [1, 5]
    assert ids(wh, {"kind": "consent", "channel": "email"}) == [1]  # 2 refused
    assert ids(wh, {"kind": "identity", "identity": "email"}) == [1, 2]  # card 9's e-mail belongs to 1 now
    assert ids(wh, {"kind": "profile", "field": "city", "op": "=", "value": "МОСКВА"}) == [1, 2]
    assert ids(wh, {"kind": "profile", "field": "age", "op": ">=", "value": 36}) == [2]
    assert ids(wh, {"kind": "profile", "field": "created", "op": ">", "value": "2026-01-01"}) == [2]
    assert ids(wh, {"kind": "profile", "field": "gender", "op": "empty"}) == [3, 4, 5, 6, 7, 8]
    # orders: completed, net of returns, merged cards included, windows and categories
    assert ids(wh, {"kind": "orders", "metric": "count", "op": ">=", "value": 3}) == [1]
    assert ids(wh, {"kind": "orders", "metric": "sum", "op": ">", "value": 0}) == [1, 2]  # 3's order was returned
    assert ids(wh, {"kind": "orders", "metric": "count", "op": ">=", "value": 1, "window_days": 30}) == [1, 3]
    assert ids(wh, {"kind": "orders", "metric": "count", "op": "=", "value": 0}) == [4, 5, 6, 7, 8]
    assert ids(wh, {"kind": "orders", "metric": "count", "value": 1, "categories": [7]}) == [1]
    assert ids(wh, {"kind": "orders", "metric": "count", "value": 1, "products": [2]}) == [2]
    assert ids(wh, {"kind": "orders", "metric": "days_since_last", "op": "<=", "value": 10}) == [1, 3]
    assert ids(wh, {"kind": "orders", "metric": "avg_check", "op": "between", "value": [1000, 3000]}) == [1]
    assert ids(wh, {"kind": "event", "type": "cart_abandoned", "window_days": 7}) == [4, 5]
    assert ids(wh, {"kind": "event", "type": "cart_abandoned", "op": ">=", "value": 2}) == [4]
    rule = {
        "kind": "and",
        "rules": [
            {"kind": "tag", "tag": "vip"},
            {"kind": "not", "rule": {"kind": "orders", "metric": "count", "op": ">=", "value": 1}},
        ],
    }
    assert ids(wh, rule) == [5]
    either = {"kind": "or", "rules": [{"kind": "tag", "tag": "opt"}, {"kind": "event", "type": "cart_abandoned"}]}
    assert ids(wh, either) == [2, 4, 5]
    assert ids(wh, {"kind": "not", "rule": either}) == [1, 3, 6, 7, 8]
    assert segment_size(wh, either, AS_OF) == 3


def test_conditions_on_scores_after_a_recompute(wh: Warehouse, app_session: Any) -> None:
    rule = {"kind": "score", "field": "temperature", "op": "=", "value": "hot"}
    with pytest.raises(ValidationFailed, match="recompute first"):
        ids(wh, rule)
    from klientura.analytics import compute
    from klientura.analytics.service import _keep_in_warehouse

    _keep_in_warehouse(wh, compute(wh, AnalyticsSettings(), AS_OF))
    assert ids(wh, rule) == [1, 2, 3]
    assert ids(wh, {"kind": "score", "field": "revenue", "op": ">=", "value": 6000}) == [1]
    assert ids(wh, {"kind": "score", "field": "lifecycle", "op": "in", "value": ["new", "active"]}) == [1, 3]
    assert ids(wh, {"kind": "score", "field": "discount_lover", "op": "=", "value": False}) == list(range(1, 9))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "tag"}, "tag: is required"),
        ({"kind": "color", "value": 1}, "does not match any of the expected tags"),
        ({"kind": "profile", "field": "shoe_size", "op": "=", "value": 42}, "unknown profile field 'shoe_size'"),
        ({"kind": "profile", "field": "age", "op": "=", "value": "old"}, "a number is needed, got 'old'"),
        ({"kind": "profile", "field": "created", "op": "between", "value": ["2026-01-01"]}, "exactly two values"),
        ({"kind": "profile", "field": "city", "op": ">", "value": "A"}, "text does not compare with '>'"),
        ({"kind": "score", "field": "rfm_segment", "op": "in", "value": "champions"}, "needs a list of values"),
        ({"kind": "score", "field": "promo_hunter", "op": ">", "value": True}, "compares only with = or !="),
        ({"kind": "and", "rules": []}, "rules: at least 1 needed"),
        (
            {
                "kind": "and",
                "rules": [{"kind": "not", "rule": {"kind": "orders", "metric": "sum", "op": "in", "value": [1]}}],
            },
            "does not compare with 'in'",
        ),
        ({"kind": "or", "rules": [{"kind": "tag", "tag": "x"}] * 51}, "at most 50 conditions"),
    ],
)
def test_a_bad_rule_is_a_readable_error(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_rule(rule)
    assert message in err.value.detail
