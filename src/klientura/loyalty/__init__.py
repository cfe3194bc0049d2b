"""Loyalty: the points ledger (lots, spends, expiries, reversals, adjustments) and its proof."""

from klientura.loyalty.accounts import find_account
from klientura.loyalty.errors import QR_FORMAT
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
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount
from klientura.loyalty.offers import issue_coupons, new_codes, offer_exists, store_codes
from klientura.loyalty.programme import Programme, load_programme, save_programme
from klientura.loyalty.proof import CheckReport, check, explain
from klientura.loyalty.standing import Standing, standings

__all__ = [
    "QR_FORMAT",
    "Allocation",
    "Balance",
    "CheckReport",
    "LedgerEntry",
    "Lot",
    "LoyaltyAccount",
    "LoyaltyMerge",
    "NightReport",
    "NotEnoughPoints",
    "Programme",
    "Standing",
    "adjust",
    "balance",
    "check",
    "earn",
    "expire",
    "explain",
    "find_account",
    "issue_coupons",
    "load_programme",
    "lots",
    "new_codes",
    "nightly",
    "offer_exists",
    "reverse",
    "save_programme",
    "spend",
    "standings",
    "store_codes",
    "usable_points",
]
