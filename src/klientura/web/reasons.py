"""Why a row was refused, in the page's language.

Domain code explains a refused row in English with the offending value ("phone: not a valid phone number:
'12-34'"); stored reports keep those words. The UI shows them translated: the field prefix and the
message are matched against the known shapes and rebuilt from the catalogue, the value kept as it was.
A reason of an unknown shape is shown as it is.
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
PARTS = {"subject": N_("subject"), "text": N_("text"), "html": N_("HTML")}  # a message's parts, in ``part`` groups
_V = r"^variant (?P<v>.+?), (?P<part>subject|text|html): template"

# (shape of the English text, message id with %(v)s for the value); the first match wins
SHAPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), m)
    for p, m in (
        (r"^not a valid phone number: (?P<v>.*)$", N_("not a valid phone number: %(v)s")),
        (r"^not a phone number: (?P<v>.*)$", N_("not a phone number: %(v)s")),
        (r"^empty phone number$", N_("empty phone number")),
        (r"^not a valid e-mail: (?P<v>'[^']*')", N_("not a valid e-mail: %(v)s")),
        (r"^empty e-mail$", N_("empty e-mail")),
        (r"^not a loyalty card number: (?P<v>.*)$", N_("not a loyalty card number: %(v)s")),
        (r"^not a Telegram user id or username: (?P<v>.*)$", N_("not a Telegram user id or username: %(v)s")),
        (r"^not a VK id: (?P<v>.*)$", N_("not a VK id: %(v)s")),
        (r"^external id must look like 'source:id': (?P<v>.*)$", N_("external id must look like 'source:id': %(v)s")),
        (r"^not an amount: (?P<v>.*)$", N_("not an amount: %(v)s")),
        (r"^negative amount: (?P<v>.*)$", N_("negative amount: %(v)s")),
        (r"^not a date: (?P<v>.*)$", N_("not a date: %(v)s")),
        (r"^bad purchase date: (?P<v>.*)$", N_("bad purchase date: %(v)s")),
        (r"^implausible birth date: (?P<v>.*)$", N_("implausible birth date: %(v)s")),
        (r"^unknown gender: (?P<v>'[^']*')", N_("unknown gender: %(v)s (use m/f, м/ж)")),
        (r"^expected yes/no, got (?P<v>.*)$", N_("expected yes/no, got %(v)s")),
        (
            r"^no phone, e-mail, card or external id",
            N_("no phone, e-mail, card or external id: the row cannot be matched to a card"),
        ),
        (r"^no receipt number$", N_("no receipt number")),
        (r"^no purchase date$", N_("no purchase date")),
        (r"^unknown status (?P<v>.*)$", N_("unknown status %(v)s")),
        (r"^no amount$", N_("no amount")),
        (r"^discount exceeds the amount$", N_("discount exceeds the amount")),
        (r"^discount exceeds the line amount$", N_("discount exceeds the line amount")),
        (r"^not a number: (?P<v>.*)$", N_("not a number: %(v)s")),
        (r"^qty must be a positive number, got (?P<v>.*)$", N_("quantity must be a positive number, got %(v)s")),
        (r"^a line needs a price or an amount$", N_("a line needs a price or an amount")),
        (r"^unknown customer: (?P<v>.*)$", N_("unknown customer: %(v)s")),
        (
            r"^receipt (?P<v>.*) appeared earlier in the file; keep its lines together$",
            N_("receipt %(v)s appeared earlier in the file; keep its lines together"),
        ),
        # segment rules and the warehouse
        (r"^a number is needed, got (?P<v>.*)$", N_("a number is needed, got %(v)s")),
        (r"^a date \(YYYY-MM-DD\) is needed, got (?P<v>.*)$", N_("a date (YYYY-MM-DD) is needed, got %(v)s")),
        (r"^text is needed, got (?P<v>.*)$", N_("text is needed, got %(v)s")),
        (r"^true or false is needed, got (?P<v>.*)$", N_("true or false is needed, got %(v)s")),
        (r"^(?P<v>'[^']*') needs a list of values$", N_("%(v)s needs a list of values")),
        (r"^(?P<v>'[^']*') needs a value$", N_("%(v)s needs a value")),
        (r"^(?P<v>'[^']*') needs at least one value$", N_("%(v)s needs at least one value")),
        (r"^'between' needs exactly two values: \[from, to\]$", N_("'between' needs exactly two values: [from, to]")),
        (r"^text does not compare with (?P<v>'[^']*')$", N_("text does not compare with %(v)s")),
        (r"^a yes/no field compares only with = or !=$", N_("a yes/no field compares only with = or !=")),
        (
            r"^an order aggregate does not compare with (?P<v>'[^']*')$",
            N_("an order aggregate does not compare with %(v)s"),
        ),
        (r"^a segment takes at most (?P<v>\d+) conditions$", N_("a segment takes at most %(v)s conditions")),
        (
            r"^the warehouse is empty: run `klientura analytics recompute` first$",
            N_("the warehouse is empty: run `klientura analytics recompute` first"),
        ),
        (
            r"^the warehouse is being updated; try again in a minute$",
            N_("the warehouse is being updated; try again in a minute"),
        ),
        (
            r"^conditions on scores need a recompute first: klientura analytics recompute$",
            N_("conditions on scores need a recompute first: klientura analytics recompute"),
        ),
        (r"^a segment named (?P<v>.*) exists already$", N_("a segment named %(v)s exists already")),
        (
            r"^a static segment is frozen: save the new rule as a new segment$",
            N_("a static segment is frozen: save the new rule as a new segment"),
        ),
        (r"^List should have at least 1 item after validation, not 0$", N_("add at least one condition")),
        (r"^lost_factor must be greater than active_factor$", N_("the lost threshold must be above the active one")),
        (
            r"^max_interval_days must not be below min_interval_days$",
            N_("the longest usual interval must not be below the shortest"),
        ),
        (
            r"^(?P<v>[a-z_]+): four strictly increasing thresholds are needed$",
            N_("%(v)s: four strictly increasing thresholds are needed"),
        ),
        # loyalty
        (
            r"^rates: one per tier, (?P<v>\d+) in all, separated by /$",
            N_("earn rates: one per tier, %(v)s in all, separated by /"),
        ),
        (r"^(?P<v>[a-z]+): a number is expected$", N_("%(v)s: a number is expected")),
        (r"^(?P<v>[a-z]+): between (?P<a>[\d.]+) and (?P<b>[\d.]+)$", N_("%(v)s: between %(a)s and %(b)s")),
        (r"^customer: the card's number$", N_("the card's number is expected")),
        (
            r"^(?P<v>since|until|valid_from|valid_until|expires): a date such as (?P<d>.*)$",
            N_("a date such as %(d)s is expected"),
        ),
        (
            r"^points: a whole number, negative to take points away$",
            N_("points: a whole number, negative to take points away"),
        ),
        (r"^a manual adjustment needs a reason$", N_("a manual adjustment needs a reason")),
        (r"^an adjustment of 0 points changes nothing$", N_("an adjustment of 0 points changes nothing")),
        (
            r"^not enough points: the account holds (?P<a>\d+), (?P<b>\d+) to take$",
            N_("not enough points: the account holds %(a)s, %(b)s to take"),
        ),
        (r"^Input should be less than or equal to (?P<v>.*)$", N_("must be at most %(v)s")),
        (r"^Input should be greater than or equal to (?P<v>.*)$", N_("must be at least %(v)s")),
        (r"^Input should be greater than (?P<v>.*)$", N_("must be above %(v)s")),
        (r"^Input should be a valid (number|integer|decimal).*$", N_("a number is expected")),
        (r"^Input should be a valid datetime.*$", N_("a date and time is expected")),
        (r"^String should have at least 1 character$", N_("must not be empty")),
        (r"^tiers go in order of strictly increasing spend$", N_("tiers go in order of strictly increasing spend")),
        (r"^the first tier starts at a spend of 0$", N_("the first tier starts at a spend of 0")),
        (r"^tier names must differ$", N_("tier names must differ")),
        (r"^a programme needs at least one tier$", N_("a programme needs at least one tier")),
        (r"^the campaign (?P<v>.*) must end after it starts$", N_("the campaign %(v)s must end after it starts")),
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
        (r"^give either discount_percent or discount_amount$", N_("give either discount_percent or discount_amount")),
        (r"^the code (?P<v>.*) is taken$", N_("the code %(v)s is taken")),
        (r"^gift card (?P<v>.*) exists$", N_("gift card %(v)s exists")),
        (r"^no gift card (?P<v>.*)$", N_("no gift card %(v)s")),
        # lifetime value
        (
            r"^not checked on a holdout of (?P<v>\d+) weeks: too little data before it$",
            N_("not checked on a holdout of %(v)s weeks: too little data before it"),
        ),
        (
            r"^too little data to fit: (?P<n>\d+) customers, (?P<r>\d+) with a repeat purchase \(at least (?P<a>\d+) and (?P<b>\d+) are needed\)$",
            N_(
                "too little data to fit: %(n)s customers, %(r)s with a repeat purchase (at least %(a)s and %(b)s are needed)"
            ),
        ),
        (
            r"^too little data to fit spend: (?P<v>\d+) customers with a repeat purchase \(10 needed\)$",
            N_("too little data to fit spend: %(v)s customers with a repeat purchase (10 needed)"),
        ),
        (
            r"^the spend model has no finite mean \(q = (?P<v>\S+) <= 1\): spends are too dispersed$",
            N_("the spend model has no finite mean (q = %(v)s <= 1): spends are too dispersed"),
        ),
        (r"^unknown model (?P<v>'[^']*');.*$", N_("unknown model %(v)s")),
        (r"^unknown time unit (?P<v>'[^']*');.*$", N_("unknown time unit %(v)s")),
        (r"^unknown basis (?P<v>'[^']*');.*$", N_("unknown basis %(v)s")),
        (
            r"^the holdout must end after the calibration period$",
            N_("the holdout must end after the calibration period"),
        ),
        (r"^the horizon is 1 to 120 months$", N_("the horizon is 1 to 120 months")),
        (r"^the holdout is 0 to 104 weeks$", N_("the holdout is 0 to 104 weeks")),
        (r"^the horizon and the holdout are whole numbers$", N_("the horizon and the holdout are whole numbers")),
        (
            r"^the discount rate is a number of percent a month, such as 1 or 0\.8$",
            N_("the discount rate is a number of percent a month, such as 1 or 0.8"),
        ),
        (r"^the discount rate is 0 to 100% a month$", N_("the discount rate is 0 to 100% a month")),
        (r"^no fitted model: run `klientura clv fit` first$", N_("no fitted model: run `klientura clv fit` first")),
        (
            r"^the fit uses purchases up to (?P<v>\S+): predict as of that day or later$",
            N_("the fit uses purchases up to %(v)s: predict as of that day or later"),
        ),
        (
            r"^no customer has bought anything yet: there is nothing to predict$",
            N_("no customer has bought anything yet: there is nothing to predict"),
        ),
        (
            r"^no product has a cost: value on revenue, or fill in product costs first$",
            N_("no product has a cost: value on revenue, or fill in product costs first"),
        ),
        (
            r"^the warehouse has no sales yet: run `klientura sync` first$",
            N_("the warehouse has no sales yet: run `klientura sync` first"),
        ),
        (
            r"^conditions on lifetime value need a prediction first: klientura clv predict$",
            N_("conditions on lifetime value need a prediction first: klientura clv predict"),
        ),
        (
            r"^the warehouse is busy \(a sync or a report is reading it\); try again in a minute$",
            N_("the warehouse is busy (a sync or a report is reading it); try again in a minute"),
        ),
        (
            r"^retention is already near 100%: one more point is not possible$",
            N_("retention is already near 100%: one more point is not possible"),
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
        # campaigns and scenarios
        (
            _V + r", line (?P<n>\d+): (?P<m>.*)$",
            N_("variant %(v)s, %(part)s: the template breaks off at line %(n)s (%(m)s)"),
        ),
        (
            _V + r": (?P<f>'[^']*') is undefined; the fields are (?P<m>.*)$",
            N_("variant %(v)s, %(part)s: there is no field %(f)s; the fields are %(m)s"),
        ),
        (_V + r": not allowed \((?P<m>.*)\)$", N_("variant %(v)s, %(part)s: not allowed in a template (%(m)s)")),
        (_V + r": (?P<m>.*)$", N_("variant %(v)s, %(part)s: the template fails (%(m)s)")),
        (r"^an e-mail needs a subject in every variant$", N_("an e-mail needs a subject in every variant")),
        (r"^variants need different names$", N_("variants need different names")),
        (r"^quiet hours need both ends, or neither$", N_("quiet hours need both ends, or neither")),
        (
            r"^quiet hours cannot start and end at the same time$",
            N_("quiet hours cannot start and end at the same time"),
        ),
        (r"^the holdout and the cap are numbers$", N_("the holdout and the cap are numbers")),
        (r"^choose when to send it$", N_("choose when to send it")),
        (r"^offer_id: no offer (?P<v>\d+)$", N_("there is no offer %(v)s")),
        (r"^the segment has no members: nobody to send to$", N_("the segment has no members: nobody to send to")),
        (
            r"^campaign (?P<v>\d+) is \w+: it cannot be launched$",
            N_("campaign %(v)s has already gone or been cancelled"),
        ),
        (r"^a test send needs an address$", N_("a test send needs an address")),
        # why a customer gets no message (reasons joined by "; ", each translated)
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
            if found.get("part") in PARTS:
                found["part"] = gettext(PARTS[found["part"]])
            return translated % {"v": "", **found}
    return None
