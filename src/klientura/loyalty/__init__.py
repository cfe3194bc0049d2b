"""Loyalty: the points ledger (lots, spends, expiries, reversals, adjustments) and its proof."""

from klientura.loyalty.accounts import find_account
from klientura.loyalty.effectiveness import as_dict, daily_effectiveness, effectiveness
from klientura.loyalty.errors import ADJUSTMENT_WITHOUT_REASON, NO_OFFER, QR_FORMAT
from klientura.loyalty.expiry import NightReport, nightly
from klientura.loyalty.giftcards import GiftCardIn, GiftCardRead
from klientura.loyalty.giftcards import get_card as get_gift_card
from klientura.loyalty.giftcards import issue as issue_gift_card
from klientura.loyalty.holdings import Balance, Lot, balance, lots, usable_points
from klientura.loyalty.ledger import NotEnoughPoints, adjust, earn, expire, reverse, spend
from klientura.loyalty.merging import LoyaltyMerge
from klientura.loyalty.models import KINDS, Allocation, LedgerEntry, LoyaltyAccount, LoyaltyConfig
from klientura.loyalty.offers import (
    OfferRead,
    create_offer,
    issue_coupons,
    list_offers,
    new_codes,
    offer_exists,
    store_codes,
)
from klientura.loyalty.offers import normalise as normalise_code
from klientura.loyalty.offers import set_active as set_offer_active
from klientura.loyalty.pricing import Calculation, Cart, calculate
from klientura.loyalty.processing import Confirmation, ConfirmIn, cancel, confirm, refund
from klientura.loyalty.programme import Programme, load_programme, save_programme
from klientura.loyalty.proof import CheckReport, check, explain
from klientura.loyalty.referrals import invitation, referrer_of
from klientura.loyalty.referrals import issue_code as issue_referral_code
from klientura.loyalty.referrals import qr_png as referral_qr_png
from klientura.loyalty.referrals import qr_svg as referral_qr_svg
from klientura.loyalty.referrals import register as register_referral
from klientura.loyalty.service import (
    AdjustIn,
    Operation,
    account_view,
    adjust_points,
    enrol,
    referral_of,
    run_check,
    search_operations,
)
from klientura.loyalty.simulator import SimulationIn, simulate
from klientura.loyalty.standing import Standing, standings
from klientura.loyalty.till import Fallback as TillFallback
from klientura.loyalty.till import IdempotencyKey
from klientura.loyalty.till import calculate as till_calculate
from klientura.loyalty.till import confirm as till_confirm

__all__ = [
    "ADJUSTMENT_WITHOUT_REASON",
    "KINDS",
    "NO_OFFER",
    "QR_FORMAT",
    "AdjustIn",
    "Allocation",
    "Balance",
    "Calculation",
    "Cart",
    "CheckReport",
    "ConfirmIn",
    "Confirmation",
    "GiftCardIn",
    "GiftCardRead",
    "IdempotencyKey",
    "LedgerEntry",
    "Lot",
    "LoyaltyAccount",
    "LoyaltyConfig",
    "LoyaltyMerge",
    "NightReport",
    "NotEnoughPoints",
    "OfferRead",
    "Operation",
    "Programme",
    "SimulationIn",
    "Standing",
    "TillFallback",
    "account_view",
    "adjust",
    "adjust_points",
    "as_dict",
    "balance",
    "calculate",
    "cancel",
    "check",
    "confirm",
    "create_offer",
    "daily_effectiveness",
    "earn",
    "effectiveness",
    "enrol",
    "expire",
    "explain",
    "find_account",
    "get_gift_card",
    "invitation",
    "issue_coupons",
    "issue_gift_card",
    "issue_referral_code",
    "list_offers",
    "load_programme",
    "lots",
    "new_codes",
    "nightly",
    "normalise_code",
    "offer_exists",
    "referral_of",
    "referral_qr_png",
    "referral_qr_svg",
    "referrer_of",
    "refund",
    "register_referral",
    "reverse",
    "run_check",
    "save_programme",
    "search_operations",
    "set_offer_active",
    "simulate",
    "spend",
    "standings",
    "store_codes",
    "till_calculate",
    "till_confirm",
    "usable_points",
]
