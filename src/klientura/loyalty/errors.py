"""Loyalty: the codes of refused points, codes, gift cards, referrals and programme rules."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

MERGE_UNDO_AFTER_USE = code(
    "loyalty.merge.points_used",
    N_(
        "points of the merged card's lots have been used since the merge: undo is not possible without a manual "
        "adjustment"
    ),
)
MULTIPLIER_ENDS_FIRST = code("loyalty.multiplier.ends_first", N_("the campaign %(name)s must end after it starts"))
NO_TIERS = code("loyalty.tiers.none", N_("a programme needs at least one tier"))
FIRST_TIER_NOT_ZERO = code("loyalty.tiers.first_not_zero", N_("the first tier starts at a spend of 0"))
TIERS_NOT_INCREASING = code("loyalty.tiers.not_increasing", N_("tiers go in order of strictly increasing spend"))
TIER_NAMES_REPEAT = code("loyalty.tiers.same_names", N_("tier names must differ"))
UNKNOWN_TIERS = code("loyalty.multiplier.unknown_tiers", N_("the campaign %(name)s names unknown tiers: %(tiers)s"))
UNKNOWN_KIND = code("loyalty.operations.unknown_kind", N_("one of %(allowed)s"))
ONE_DISCOUNT_KIND = code("loyalty.offer.one_discount", N_("give either discount_percent or discount_amount"))
OFFER_ENDS_FIRST = code("loyalty.offer.ends_first", N_("valid_until must come after valid_from"))
CODE_TAKEN = code("loyalty.code.taken", N_("the code %(value)s is taken"))
NO_OFFER = code("loyalty.offer.not_found", N_("no offer %(id)s"))
NO_INVITATION = code("loyalty.referral.no_code_yet", N_("customer %(id)s has no invitation code yet: POST to make one"))
NO_REFERRAL_CODE = code("loyalty.referral.unknown_code", N_("no referral code %(value)s"))
SELF_REFERRAL = code("loyalty.referral.self", N_("a customer cannot refer themself"))
ALREADY_REFERRED = code("loyalty.referral.already", N_("the customer was already referred by someone else"))
NOT_NEW = code("loyalty.referral.not_new", N_("only a new customer can be referred: this one has bought before"))
NO_ACCOUNT = code("loyalty.account.not_found", N_("no loyalty account %(id)s"))
EARN_NOT_POSITIVE = code("loyalty.earn.not_positive", N_("an earn is a positive number of points"))
EXPIRES_BEFORE_USABLE = code("loyalty.earn.expires_early", N_("points must expire after they become usable"))
SPEND_NOT_POSITIVE = code("loyalty.spend.not_positive", N_("a spend is a positive number of points"))
NOT_ENOUGH_USABLE = code("loyalty.spend.not_enough", N_("not enough points: %(usable)s usable, %(asked)s asked"))
ADJUSTMENT_WITHOUT_REASON = code("loyalty.adjust.no_reason", N_("a manual adjustment needs a reason"))
ADJUSTMENT_OF_ZERO = code("loyalty.adjust.zero", N_("an adjustment of 0 points changes nothing"))
NOT_ENOUGH_HELD = code(
    "loyalty.adjust.not_enough", N_("not enough points: the account holds %(held)s, %(taken)s to take")
)
NO_ENTRY = code("loyalty.entry.not_found", N_("no ledger entry %(id)s"))
NOT_REVERSIBLE = code("loyalty.entry.not_reversible", N_("a %(kind)s cannot be reversed"))
REVERSAL_NOT_POSITIVE = code("loyalty.reversal.not_positive", N_("a reversal is a positive number of points"))
LINE_DISCOUNT_OVER_AMOUNT = code("loyalty.line.discount_over_amount", N_("a line's discount exceeds its amount"))
CUSTOMER_REF_NEEDED = code("loyalty.customer.ref_needed", N_("give a card, a phone or an e-mail"))
TOO_MANY_POINTS = code("loyalty.points.too_many", N_("at most %(max)s points can pay for this check, %(asked)s asked"))
GIFT_CARD_EXISTS = code("loyalty.gift_card.exists", N_("gift card %(value)s exists"))
GIFT_CARD_IN_PAST = code("loyalty.gift_card.expires_in_past", N_("a gift card must expire in the future"))
NO_GIFT_CARD = code("loyalty.gift_card.not_found", N_("no gift card %(value)s"))
GIFT_CARD_EXPIRED = code("loyalty.gift_card.expired", N_("gift card %(value)s expired on %(day)s"))
REFERRAL_NEEDS_CUSTOMER = code("loyalty.referral.needs_customer", N_("a referral needs an identified customer"))
NO_SUCH_ORDER = code("loyalty.order.not_found", N_("no order %(value)s from %(source)s"))
# why a promo code does not apply (offers.REASONS keys), each with the code in question
REFUSALS = {
    "unknown": code("loyalty.code.unknown", N_("code %(value)s: no such code")),
    "inactive": code("loyalty.code.inactive", N_("code %(value)s: the offer is switched off")),
    "not_started": code("loyalty.code.not_started", N_("code %(value)s: the offer has not started yet")),
    "expired": code("loyalty.code.expired", N_("code %(value)s: the offer has ended")),
    "min_total": code("loyalty.code.min_total", N_("code %(value)s: the check is below the offer's minimum")),
    "out_of_scope": code(
        "loyalty.code.out_of_scope", N_("code %(value)s: no line of the check is in the offer's categories")
    ),
    "used_up": code("loyalty.code.used_up", N_("code %(value)s: the code has been used up")),
    "customer_limit": code(
        "loyalty.code.customer_limit", N_("code %(value)s: the customer has used this offer as many times as allowed")
    ),
    "not_yours": code("loyalty.code.not_yours", N_("code %(value)s: the coupon was issued to another customer")),
    "needs_customer": code("loyalty.code.needs_customer", N_("code %(value)s: the code needs an identified customer")),
}
QR_FORMAT = code("loyalty.referral.qr_format", N_("QR images come as .svg or .png"))

# what the simulator assumes and what the effectiveness report notes (notices, not refusals)
KEPT_AT_FULL_PRICE = code(
    "loyalty.note.kept", N_("%(share)s of the orders that had a discount are still made at full price")
)
REDEEMED_AS_GIVEN = code(
    "loyalty.note.redeemed_given", N_("%(share)s of the points earned are ever redeemed (as given)")
)
REDEEMED_BY_DEFAULT = code(
    "loyalty.note.redeemed_default",
    N_("%(share)s of the points earned are ever redeemed (a default: no lot has expired yet)"),
)
REDEEMED_AS_EXPIRED = code(
    "loyalty.note.redeemed_expired",
    N_("%(share)s of the points earned are ever redeemed (as in this base's expired lots)"),
)
EVEN_REDEMPTION = code(
    "loyalty.note.even",
    N_("a lot's points are redeemed evenly over its life: what falls after the period is the liability"),
)
TIERS_BY_SPEND = code(
    "loyalty.note.tiers", N_("tiers by the spend over the tier window before each order; campaign multipliers left out")
)
ROI_EXPLAINED = code(
    "loyalty.note.roi",
    N_(
        "ROI: the joiners' matched effect a year, for every member who bought in the last year, at the margin rate, "
        "against the points redeemed in the year"
    ),
)
TOO_FEW_JOINERS = code(
    "loyalty.note.too_few_joiners", N_("too few joiners with a purchase history for a matched comparison")
)
AMOUNT_TOO_LARGE = code("cart.amount.too_large", N_("an amount over %(limit)s: the store keeps amounts up to that"))
NO_SUCH_CUSTOMERS = code("loyalty.coupons.no_customer", N_("no customer you can see with id %(ids)s"))
