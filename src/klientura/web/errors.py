"""What the pages refuse in a form before any service sees it: the codes (translated like the domains')."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

RATES_PER_TIER = code("form.loyalty.rates", N_("earn rates: one per tier, %(tiers)s in all, separated by /"))
DATE_EXPECTED = code("form.date", N_("a date such as %(example)s is expected"), placed=True)
CARD_NUMBER_EXPECTED = code("form.loyalty.customer", N_("the card's number is expected"))
WHOLE_POINTS = code("form.loyalty.points", N_("points: a whole number, negative to take points away"))
WHOLE_NUMBERS = code("form.clv.whole", N_("the horizon and the holdout are whole numbers"))
DISCOUNT_AS_PERCENT = code(
    "form.clv.discount", N_("the discount rate is a number of percent a month, such as 1 or 0.8")
)
DISCOUNT_RANGE = code("form.clv.discount_range", N_("the discount rate is 0 to 100%% a month"))
HOLDOUT_AND_CAP = code("form.campaign.numbers", N_("the holdout and the cap are numbers"))
WHEN_TO_SEND = code("form.campaign.when", N_("choose when to send it"))
UNKNOWN_UPLOAD = code("form.import.unknown_upload", N_("unknown upload; choose the file again"))
UPLOAD_EXPIRED = code("form.import.upload_expired", N_("the uploaded file has expired; choose it again"))
NOT_JSON_RULE = code("form.segment.json", N_("the rule is not valid JSON: %(why)s (line %(line)s)"))
SEGMENT_NAME = code("form.segment.name", N_("Give the segment a name."))
