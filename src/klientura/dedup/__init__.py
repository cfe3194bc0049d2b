"""Duplicate cards: scored suggestions with reasons, merge and exact unmerge."""

from klientura.customers import MergeHook, merges_of, recent_merges
from klientura.dedup import fs_model as engine  # the Fellegi–Sunter engine, for other kinds of cards (companies)
from klientura.dedup.blocking import find_duplicates
from klientura.dedup.errors import BAD_THRESHOLD, NO_MODEL, NO_SCAN_REQUEST
from klientura.dedup.explained import describe
from klientura.dedup.merge import merge, unmerge
from klientura.dedup.models import DedupModel, DedupScanRequest, DismissedPair, DuplicateSuggestion
from klientura.dedup.requested import INLINE_CARDS, ask, inline, run_asked, scan_request, waiting
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
from klientura.dedup.trained import MIN_CARDS, THRESHOLDS, choose_threshold
from klientura.dedup.trained import current as current_model
from klientura.dedup.vocabulary import SURNAMES

__all__ = [
    "BAD_THRESHOLD",
    "INLINE_CARDS",
    "MIN_CARDS",
    "NO_MODEL",
    "NO_SCAN_REQUEST",
    "SURNAMES",
    "THRESHOLDS",
    "DedupModel",
    "DedupScanRequest",
    "DismissedPair",
    "DuplicateSuggestion",
    "MergeHook",
    "Person",
    "Scored",
    "ask",
    "choose_threshold",
    "current_model",
    "describe",
    "dismiss",
    "engine",
    "explain_pair",
    "find_duplicates",
    "forget_pairs_of",
    "inline",
    "iter_people",
    "list_suggestions",
    "load_people",
    "merge",
    "merges_of",
    "recent_merges",
    "run_asked",
    "scan",
    "scan_request",
    "score",
    "suggested",
    "unmerge",
    "waiting",
]
