"""The builder's form and the rule tree convert into each other without loss."""

from __future__ import annotations

from klientura.analytics import parse_rule
from klientura.web import segment_form as sf


def test_form_to_rule_and_back() -> None:
    data = {
        "root_op": "or",
        "c0_type": "orders",
        "c0_field": "sum",
        "c0_op": "between",
        "c0_value": "1000, 5000",
        "c0_window": "90",
        "c0_cats": ["3"],
        "c0_outlets": ["1", "2"],
        "c0_channels": [],
        "c1_type": "score",
        "c1_field": "rfm_segment",
        "c1_op": "in",
        "c1_value": "champions, loyal",
        "c1_not": "1",
        "g1_op": "and",
        "g1_not": "1",
        "g1_c0_type": "tag",
        "g1_c0_field": "",
        "g1_c0_value": "vip",
        "g1_c1_type": "score",
        "g1_c1_field": "promo_hunter",
        "g1_c1_op": "=",
        "g1_c1_value": "да",
        "g1_c2_type": "event",
        "g1_c2_field": "cart_abandoned",
        "g1_c2_op": ">=",
        "g1_c2_value": "2",
        "g1_c2_window": "7",
    }
    rule = sf.to_rule(sf.parse_form(data))
    parse_rule(rule)  # valid
    assert rule["kind"] == "or" and rule["rules"][0] == {
        "kind": "orders",
        "metric": "sum",
        "op": "between",
        "value": [1000, 5000],
        "window_days": 90,
        "categories": [3],
        "outlets": [1, 2],
        "channels": [],
    }
    assert rule["rules"][1] == {
        "kind": "not",
        "rule": {"kind": "score", "field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]},
    }
    group = rule["rules"][2]["rule"]
    assert group["kind"] == "and" and group["rules"][1]["value"] is True and group["rules"][2]["window_days"] == 7
    form = sf.from_rule(rule)
    assert form is not None and sf.to_rule(form) == rule
    deeper = {
        "kind": "and",
        "rules": [{"kind": "or", "rules": [{"kind": "and", "rules": [{"kind": "tag", "tag": "x"}]}]}],
    }
    assert sf.from_rule(deeper) is None  # shown as JSON


def test_actions_add_remove_and_reset_fields() -> None:
    form = sf.parse_form({"root_op": "and", "c0_type": "consent", "c0_field": "rfm_segment", "c0_op": "in"})
    form = sf.apply_action(form, "add:0")
    assert form.rows[0].field == "email" and len(form.rows) == 2  # a field of another type reset to the default
    form = sf.apply_action(form, "group")
    form = sf.apply_action(form, "add:1")
    assert len(form.groups[0].rows) == 2
    form = sf.apply_action(form, "remove:1:0")
    form = sf.apply_action(form, "remove:0:1")
    assert len(form.rows) == 1 and len(form.groups[0].rows) == 1
    form = sf.apply_action(form, "ungroup:1")
    assert form.groups == []
