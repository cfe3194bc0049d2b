"""Loyalty: the points ledger (lots, spends, expiries, reversals, adjustments) and its proof."""

from klientura.loyalty.accounts import find_account
from klientura.loyalty.effectiveness import as_dict, effectiveness
from klientura.loyalty.errors import ADJUSTMENT_WITHOUT_REASON, NO_OFFER, QR_FORMAT
from klientura.loyalty.expiry import NightReport, nightly
from klientura.loyalty.ledger import (
    Balance,
    Lot,
    NotEnoughPoints,
    adjust,
    balance,
    earn,
    expire,
    lots,
    reverse,
    spend,
    usable_points,
)
from klientura.loyalty.merging import LoyaltyMerge
from klientura.loyalty.models import KINDS, Allocation, LedgerEntry, LoyaltyAccount, LoyaltyConfig
from klientura.loyalty.offers import create_offer, issue_coupons, new_codes, offer_exists, store_codes
from klientura.loyalty.pricing import Calculation, Cart, calculate
from klientura.loyalty.processing import Confirmation, ConfirmIn, cancel, confirm, refund
from klientura.loyalty.programme import Programme, load_programme, save_programme
from klientura.loyalty.proof import CheckReport, check, explain
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
    "LedgerEntry",
    "Lot",
    "LoyaltyAccount",
    "LoyaltyConfig",
    "LoyaltyMerge",
    "NightReport",
    "NotEnoughPoints",
    "Operation",
    "Programme",
    "SimulationIn",
    "Standing",
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
    "earn",
    "effectiveness",
    "enrol",
    "expire",
    "explain",
    "find_account",
    "issue_coupons",
    "load_programme",
    "lots",
    "new_codes",
    "nightly",
    "offer_exists",
    "referral_of",
    "refund",
    "reverse",
    "run_check",
    "save_programme",
    "search_operations",
    "simulate",
    "spend",
    "standings",
    "store_codes",
    "usable_points",
]
