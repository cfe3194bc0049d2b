"""Duplicate cards: scored suggestions with reasons, merge and exact unmerge."""

from klientura.customers import MergeHook, merges_of, recent_merges
from klientura.dedup.blocking import find_duplicates
from klientura.dedup.merge import merge, unmerge
from klientura.dedup.models import DismissedPair, DuplicateSuggestion
from klientura.dedup.scoring import Person, Scored, score
from klientura.dedup.service import (
    dismiss,
    explain_pair,
    forget_pairs_of,
    iter_people,
    list_suggestions,
    load_people,
    scan,
    suggested,
)
from klientura.dedup.vocabulary import SURNAMES

__all__ = [
    "SURNAMES",
    "DismissedPair",
    "DuplicateSuggestion",
    "MergeHook",
    "Person",
    "Scored",
    "dismiss",
    "explain_pair",
    "find_duplicates",
    "forget_pairs_of",
    "iter_people",
    "list_suggestions",
    "load_people",
    "merge",
    "merges_of",
    "recent_merges",
    "scan",
    "score",
    "suggested",
    "unmerge",
]
