"""The English sentences that still reach the pages without a code, in the page's language.

Errors carry codes now (klientura.kit.errors: the pages translate the code, not the words). What is left here are
texts the domains still store or return in English - why a campaign skipped a customer, the loyalty simulator's
assumptions, the lifetime-value fit's notes - and pydantic's own words in a refusal without a code of ours. Each is
matched against its shape and rebuilt from the catalogue, the value kept as it was; an unknown shape is shown as it
is. (Issue 16: these get codes too, and this module goes.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from klientura.kit.i18n import N_

FIELDS = {
    "phone": N_("phone"), "email": N_("email"), "card": N_("card"), "telegram": N_("telegram"),
    "external": N_("external"), "vk": N_("vk"), "price": N_("price"), "qty": N_("quantity"), "total": N_("amount"),
    "discount": N_("discount"), "line_discount": N_("line discount"), "consent_email": N_("e-mail consent"),
    "consent_sms": N_("SMS consent"), "spend": N_("spend"), "name": N_("name"), "holdout_share": N_("holdout"),
    "cap": N_("cap"), "cap_days": N_("cap period"), "attribution_days": N_("attribution window"),
    "delay_hours": N_("delay"),
}  # fmt: skip

# (shape of the English text, message id with %(v)s for the value); the first match wins
SHAPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), m)
    for p, m in (
        (r"^List should have at least 1 item after validation, not 0$", N_("add at least one condition")),
        (r"^Input should be less than or equal to (?P<v>.*)$", N_("must be at most %(v)s")),
        (r"^Input should be greater than or equal to (?P<v>.*)$", N_("must be at least %(v)s")),
        (r"^Input should be greater than (?P<v>.*)$", N_("must be above %(v)s")),
        (r"^Input should be a valid (number|integer|decimal).*$", N_("a number is expected")),
        (r"^Input should be a valid datetime.*$", N_("a date and time is expected")),
        (r"^String should have at least 1 character$", N_("must not be empty")),
        (
            r"^(?P<v>\d+%) of the orders that had a discount are still made at full price$",
            N_("%(v)s of the orders that had a discount are still made at full price"),
        ),
        (
            r"^(?P<v>\d+%) of the points earned are ever redeemed \(given\)$",
            N_("%(v)s of the points earned are ever redeemed (as given)"),
        ),
        (
            r"^(?P<v>\d+%) of the points earned are ever redeemed \(default\)$",
            N_("%(v)s of the points earned are ever redeemed (a default: no lot has expired yet)"),
        ),
        (
            r"^(?P<v>\d+%) of the points earned are ever redeemed \(this base's expired lots\)$",
            N_("%(v)s of the points earned are ever redeemed (as in this base's expired lots)"),
        ),
        (
            r"^a lot's points are redeemed evenly over its life: what falls after the period is the liability$",
            N_("a lot's points are redeemed evenly over its life: what falls after the period is the liability"),
        ),
        (
            r"^tiers by the spend over the tier window before each order; campaign multipliers left out$",
            N_("tiers by the spend over the tier window before each order; campaign multipliers left out"),
        ),
        (
            r"^not checked on a holdout of (?P<v>\d+) weeks: too little data before it$",
            N_("not checked on a holdout of %(v)s weeks: too little data before it"),
        ),
        (
            r"^the likelihood is flat in some direction: standard errors are undefined$",
            N_("the likelihood is flat in some direction: standard errors are undefined"),
        ),
        (
            r"^(?P<v>\w+) = (?P<x>\S+) ran to the edge of its range: the data do not determine it$",
            N_("%(v)s = %(x)s ran to the edge of its range: the data do not determine it"),
        ),
        (
            r"^(?P<v>\w+) is poorly determined \(standard error (?P<se>\S+) for (?P<x>\S+)\)$",
            N_("%(v)s is poorly determined (standard error %(se)s for %(x)s)"),
        ),
        (r"^the optimiser did not converge: (?P<v>.*)$", N_("the optimiser did not converge: %(v)s")),
        (
            r"^over the holdout the model predicted (?P<p>\S+) purchases against (?P<a>\S+) actual \((?P<e>\S+)\): treat its figures with care$",
            N_(
                "over the holdout the model predicted %(p)s purchases against %(a)s actual (%(e)s): treat its figures with care"
            ),
        ),
        (
            r"^purchase frequency and spend are correlated \((?P<v>\S+)\): the spend model assumes they are not$",
            N_("purchase frequency and spend are correlated (%(v)s): the spend model assumes they are not"),
        ),
        (
            r"^(?P<v>[\d,]+) order lines have no product cost and count at full margin$",
            N_("%(v)s order lines have no product cost and count at full margin"),
        ),
        (r"^Input should be a valid (number|integer).*$", N_("a number is needed")),
        (r"^a test send needs an address$", N_("a test send needs an address")),
        (r"^no (?P<v>email|sms|telegram|webhook) address$", N_("no %(v)s address")),
        (r"^no consent to (?P<v>email|sms|telegram|webhook)$", N_("no consent to %(v)s")),
        (r"^the (?P<v>email|sms|telegram) address bounced$", N_("the %(v)s address bounced")),
        (r"^frequency cap$", N_("frequency cap")),
        (r"^global control group$", N_("global control group")),
        (r"^held out \(control group\)$", N_("held out (control group)")),
        (r"^the card was merged into another$", N_("the card was merged into another")),
        (
            r"^no customer (?P<v>\d+) \(or the card was merged into another\)$",
            N_("no customer %(v)s (or the card was merged into another)"),
        ),
    )
]
_WHERE = re.compile(r"^(?P<where>[a-z_]+(\.[a-z0-9_]+)*): (?P<rest>.*)$")
_PREFIX = re.compile(r"^(?P<bad>bad )?(?P<field>[a-z_]+): (?P<rest>.*)$")


def translate(reason: str, gettext: Callable[[str], str]) -> str:
    """``reason`` in the language of ``gettext``; unknown shapes come back unchanged."""
    text = _message(reason, gettext)
    if text is not None:
        return text
    m = _PREFIX.match(reason)
    if m and m["field"] in FIELDS:
        inner = _message(m["rest"], gettext)
        if inner is not None:
            return f"{gettext(FIELDS[m['field']])}: {inner}"
    if "; " in reason:  # several reasons, each in its own words
        parts = [translate(part, gettext) for part in reason.split("; ")]
        if parts != reason.split("; "):
            return "; ".join(parts)
    w = _WHERE.match(reason)  # a place in a segment's rule tree ("rules.1.value: ..."): the builder shows the rule
    if w:
        inner = _message(w["rest"], gettext)
        if inner is not None:
            return inner
    return reason


def _message(text: str, gettext: Callable[[str], str]) -> str | None:
    for shape, msgid in SHAPES:
        m = shape.match(text)
        if m:
            translated = gettext(msgid)
            if translated == msgid:  # the domain's own language: its words, details included, stand
                return None
            found = m.groupdict()
            return translated % {"v": "", **found}
    return None
