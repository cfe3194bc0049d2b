"""Where the domains are wired to each other, once, for the app, the CLI and the worker: the hooks a lower domain
calls into a higher one (a merge of cards moves loyalty points). Never an import's side effect: what is not listed
here does not run."""

from __future__ import annotations

from klientura.customers import MergeHook
from klientura.events import EventsMerge
from klientura.loyalty import LoyaltyMerge
from klientura.orders import OrdersMerge
from klientura.sales import DealsMerge


def merge_hooks() -> tuple[MergeHook, ...]:
    """What a merge of two cards (and its undo) moves besides the customer domain's own rows, in order."""
    return (OrdersMerge(), EventsMerge(), LoyaltyMerge(), DealsMerge())
