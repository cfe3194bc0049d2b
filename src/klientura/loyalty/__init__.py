"""Loyalty: the points ledger (lots, spends, expiries, reversals, adjustments) and its proof."""

from klientura.loyalty.ledger import Balance, Lot, NotEnoughPoints, adjust, balance, earn, expire, lots, reverse, spend
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount
from klientura.loyalty.proof import CheckReport, check, explain

__all__ = [
    "Allocation",
    "Balance",
    "CheckReport",
    "LedgerEntry",
    "Lot",
    "LoyaltyAccount",
    "NotEnoughPoints",
    "adjust",
    "balance",
    "check",
    "earn",
    "expire",
    "explain",
    "lots",
    "reverse",
    "spend",
]
