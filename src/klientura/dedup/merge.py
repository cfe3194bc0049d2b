"""Merge two cards into one and undo it exactly: the cards' domain moves the rows (klientura.customers.merging,
other domains through their hooks); here the permission, and the duplicate suggestions of the merged card
forgotten."""

from __future__ import annotations

from collections.abc import Sequence

from klientura.audit import Actor
from klientura.auth import require
from klientura.customers import MergeHook, MergeRecord, merge_cards, unmerge_cards
from klientura.db import Session
from klientura.dedup.service import forget_pairs_of


def merge(
    session: Session, actor: Actor, survivor_id: int, merged_id: int, *, hooks: Sequence[MergeHook]
) -> MergeRecord:
    """Move everything of ``merged`` to ``survivor`` (:func:`klientura.customers.merge_cards`); the merged card's
    suggestions are forgotten."""
    require(actor, "dedup:write")
    rec = merge_cards(session, actor, survivor_id, merged_id, hooks=hooks)
    forget_pairs_of(session, merged_id)
    return rec


def unmerge(session: Session, actor: Actor, merge_id: int, *, hooks: Sequence[MergeHook]) -> MergeRecord:
    """Undo a merge exactly (:func:`klientura.customers.unmerge_cards`)."""
    require(actor, "dedup:write")
    return unmerge_cards(session, actor, merge_id, hooks=hooks)
