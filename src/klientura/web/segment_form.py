"""The segment builder's form, to and from the rule tree: no SQL, no JSON for the marketer.

The form holds a top group (all / any of its conditions) with conditions and sub-groups, each sub-group with its
own all / any and conditions; a condition or a sub-group can be negated. Deeper trees (from the API) are
edited as JSON in the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from klientura.analytics import PROFILE_FIELDS, SCORE_FIELDS
from klientura.kit.channels import CONSENT_CHANNELS
from klientura.kit.i18n import N_

TYPES = ("score", "orders", "profile", "tag", "consent", "identity", "event")
NUMERIC = {name for name, kind in {**PROFILE_FIELDS, **SCORE_FIELDS}.items() if kind == "number"}
FLAGS = {name for name, kind in SCORE_FIELDS.items() if kind == "flag"}
DEFAULT_FIELD = {
    "score": "rfm_segment",
    "orders": "count",
    "profile": "city",
    "tag": "",
    "consent": "email",
    "identity": "phone",
    "event": "cart_abandoned",
}
DEFAULT_OP = {"score": "in", "orders": ">=", "profile": "=", "event": ">="}
FIELDS: dict[str, tuple[str, ...]] = {
    "score": tuple(SCORE_FIELDS),
    "profile": tuple(PROFILE_FIELDS),
    "orders": ("count", "sum", "avg_check", "days_since_last"),
    "consent": CONSENT_CHANNELS,
    "identity": ("phone", "email", "card", "telegram", "vk", "external"),
}
OPS = {
    "text": ("=", "!=", "in", "not in", "empty", "not empty"),
    "number": ("=", "!=", ">", ">=", "<", "<=", "between", "empty", "not empty"),
    "date": ("=", ">", ">=", "<", "<=", "between", "empty", "not empty"),
    "flag": ("=", "!="),
    "orders": ("=", "!=", ">", ">=", "<", "<=", "between"),
    "event": (">=", "<=", "=", ">", "<"),
}


def ops_for(row: Row) -> tuple[str, ...]:
    if row.type in ("orders", "event"):
        return OPS[row.type]
    kind = {**PROFILE_FIELDS, **SCORE_FIELDS}.get(row.field, "text")
    return OPS[kind]


@dataclass
class Row:
    type: str = "score"
    field: str = "rfm_segment"
    op: str = "in"
    value: str = ""
    window: str = ""
    negate: bool = False
    categories: list[str] = dc_field(default_factory=list)
    outlets: list[str] = dc_field(default_factory=list)
    channels: list[str] = dc_field(default_factory=list)


@dataclass
class Group:
    op: str = "and"
    negate: bool = False
    rows: list[Row] = dc_field(default_factory=list)


@dataclass
class Form:
    op: str = "and"
    rows: list[Row] = dc_field(default_factory=list)
    groups: list[Group] = dc_field(default_factory=list)


def _rows(data: dict[str, Any], prefix: str) -> list[Row]:
    rows = []
    i = 0
    while f"{prefix}{i}_type" in data:
        p = f"{prefix}{i}_"
        t = str(data[p + "type"]) if data[p + "type"] in TYPES else "score"
        rows.append(
            Row(
                type=t,
                field=str(data.get(p + "field", "")),
                op=str(data.get(p + "op", "")),
                value=str(data.get(p + "value", "")),
                window=str(data.get(p + "window", "")),
                negate=bool(data.get(p + "not")),
                categories=list(data.get(p + "cats", [])),
                outlets=list(data.get(p + "outlets", [])),
                channels=list(data.get(p + "channels", [])),
            )
        )
        i += 1
    return rows


def parse_form(data: dict[str, Any]) -> Form:
    """The builder's state from posted fields (``c0_type``, ``g1_c0_value``, ``g1_op`` ...)."""
    form = Form(op="or" if data.get("root_op") == "or" else "and", rows=_rows(data, "c"))
    g = 1
    while f"g{g}_op" in data:
        form.groups.append(
            Group(
                op="or" if data[f"g{g}_op"] == "or" else "and",
                negate=bool(data.get(f"g{g}_not")),
                rows=_rows(data, f"g{g}_c"),
            )
        )
        g += 1
    return form


def apply_action(form: Form, action: str) -> Form:
    """``add:0`` (a condition in the top group), ``add:2``, ``remove:1:0``, ``group``, ``ungroup:1``; a changed
    condition type gets that type's defaults."""
    for rows in [form.rows, *(g.rows for g in form.groups)]:
        for row in rows:
            choices = FIELDS.get(row.type)
            if (choices is not None and row.field not in choices) or (row.type == "event" and not row.field.strip()):
                row.field, row.op = DEFAULT_FIELD[row.type], DEFAULT_OP.get(row.type, "=")
    verb, _, rest = action.partition(":")
    if verb == "add":
        target = form.rows if rest in ("", "0") else form.groups[int(rest) - 1].rows
        target.append(Row())
    elif verb == "remove":
        g, i = (int(x) for x in rest.split(":"))
        target = form.rows if g == 0 else form.groups[g - 1].rows
        if 0 <= i < len(target):
            target.pop(i)
    elif verb == "group":
        form.groups.append(Group(op="or", rows=[Row()]))
    elif verb == "ungroup":
        form.groups.pop(int(rest) - 1)
    return form


def _value(row: Row) -> Any:
    if row.op in ("empty", "not empty"):
        return None
    parts = [p.strip() for p in row.value.split(",") if p.strip()] if row.op in ("in", "not in", "between") else None

    def one(text: str) -> Any:
        if row.type == "orders" or row.type == "event" or row.field in NUMERIC:
            try:
                return float(text.replace(",", ".")) if "." in text or "," in text else int(text)
            except ValueError:
                return text  # the rule's validation names the problem
        if row.field in FLAGS:
            return {"true": True, "да": True, "yes": True, "false": False, "нет": False, "no": False}.get(
                text.lower(), text
            )
        return text

    return [one(p) for p in parts] if parts is not None else one(row.value.strip())


def _rule(row: Row) -> dict[str, Any]:
    window = int(row.window) if row.window.strip().isdigit() else None
    if row.type in ("profile", "score"):
        rule: dict[str, Any] = {"kind": row.type, "field": row.field, "op": row.op, "value": _value(row)}
    elif row.type == "tag":
        rule = {"kind": "tag", "tag": row.value.strip()}
    elif row.type == "consent":
        rule = {"kind": "consent", "channel": row.field}
    elif row.type == "identity":
        rule = {"kind": "identity", "identity": row.field}
    elif row.type == "orders":
        rule = {
            "kind": "orders",
            "metric": row.field,
            "op": row.op,
            "value": _value(row),
            "window_days": window,
            "categories": [int(c) for c in row.categories if str(c).isdigit()],
            "outlets": [int(c) for c in row.outlets if str(c).isdigit()],
            "channels": [int(c) for c in row.channels if str(c).isdigit()],
        }
    else:
        count = _value(row)
        rule = {"kind": "event", "type": row.field.strip(), "op": row.op, "value": count, "window_days": window}
    return {"kind": "not", "rule": rule} if row.negate else rule


def to_rule(form: Form) -> dict[str, Any]:
    rules = [_rule(r) for r in form.rows]
    for g in form.groups:
        if g.rows:
            inner = {"kind": g.op, "rules": [_rule(r) for r in g.rows]}
            rules.append({"kind": "not", "rule": inner} if g.negate else inner)
    return {"kind": form.op, "rules": rules}


def _row(rule: dict[str, Any]) -> Row | None:
    negate = rule.get("kind") == "not"
    if negate:
        rule = rule["rule"]
    kind = rule.get("kind")

    def text(v: Any) -> str:
        if v is None:
            return ""
        return (
            ", ".join(str(x) for x in v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
        )

    if kind in ("profile", "score"):
        return Row(kind, rule["field"], rule["op"], text(rule.get("value")), negate=negate)
    if kind == "tag":
        return Row("tag", "", "", rule["tag"], negate=negate)
    if kind == "consent":
        return Row("consent", rule["channel"], "", negate=negate)
    if kind == "identity":
        return Row("identity", rule["identity"], "", negate=negate)
    if kind == "orders":
        if rule.get("products"):
            return None  # products are picked in the JSON view
        return Row(
            "orders",
            rule["metric"],
            rule.get("op", ">="),
            text(rule.get("value", 1)),
            text(rule.get("window_days")),
            negate,
            [str(c) for c in rule.get("categories", [])],
            [str(c) for c in rule.get("outlets", [])],
            [str(c) for c in rule.get("channels", [])],
        )
    if kind == "event":
        return Row(
            "event",
            rule["type"],
            rule.get("op", ">="),
            text(rule.get("value", 1)),
            text(rule.get("window_days")),
            negate,
        )
    return None


def from_rule(rule: dict[str, Any]) -> Form | None:
    """The builder's form for a saved rule, or None when the tree is deeper than the builder shows."""
    if rule.get("kind") not in ("and", "or"):
        rule = {"kind": "and", "rules": [rule]}
    form = Form(op=rule["kind"])
    for r in rule["rules"]:
        inner, negate = (
            (r["rule"], True) if r.get("kind") == "not" and r["rule"].get("kind") in ("and", "or") else (r, False)
        )
        if inner.get("kind") in ("and", "or"):
            rows = [_row(x) for x in inner["rules"]]
            if any(x is None for x in rows):
                return None
            form.groups.append(Group(inner["kind"], negate, [x for x in rows if x is not None]))
            continue
        row = _row(r)
        if row is None:
            return None
        form.rows.append(row)
    return form


TYPE_LABELS = {
    "score": N_("Segment family or score"),
    "orders": N_("Purchases"),
    "profile": N_("Profile"),
    "tag": N_("Tag"),
    "consent": N_("Consent"),
    "identity": N_("Has a contact"),
    "event": N_("Event"),
}
FIELD_LABELS = {
    "temperature": N_("Temperature"),
    "lifecycle": N_("Lifecycle"),
    "rfm_segment": N_("RFM segment"),
    "rfm_cell": N_("RFM cell"),
    "behaviour": N_("Behaviour"),
    "r": N_("R score"),
    "f": N_("F score"),
    "m": N_("M score"),
    "recency_days": N_("Days since last purchase"),
    "frequency": N_("Orders in the RFM window"),
    "orders": N_("Orders, all time"),
    "revenue": N_("Revenue, all time"),
    "avg_check": N_("Average check"),
    "mean_interval_days": N_("Usual interval, days"),
    "discount_lover": N_("Discount lover"),
    "promo_hunter": N_("Promo hunter"),
    "irregular": N_("Irregular buyer"),
    "frequent_thrifty": N_("Frequent thrifty"),
    "p_alive": N_("P(alive), 0 to 1"),
    "clv": N_("Lifetime value, ₽"),
    "expected_purchases": N_("Purchases expected"),
    "expected_spend": N_("Expected spend per purchase, ₽"),
    "gender": N_("Gender"),
    "city": N_("City"),
    "acquisition_source": N_("Acquisition source"),
    "owner_id": N_("Manager (user id)"),
    "age": N_("Age"),
    "birth_date": N_("Birth date"),
    "created": N_("Card created"),
    "count": N_("Number of orders"),
    "sum": N_("Amount spent"),
    "days_since_last": N_("Days since last purchase"),
    "email": N_("E-mail"),
    "sms": N_("SMS"),
    "telegram": N_("Telegram"),
    "push": N_("push"),
    "phone": N_("phone"),
    "card": N_("card"),
    "vk": N_("vk"),
    "external": N_("external"),
}
OP_LABELS = {
    "=": N_("is"),
    "!=": N_("is not"),
    ">": N_("more than"),
    ">=": N_("at least"),
    "<": N_("less than"),
    "<=": N_("at most"),
    "in": N_("is one of"),
    "not in": N_("is none of"),
    "between": N_("between"),
    "empty": N_("is empty"),
    "not empty": N_("is filled"),
}
