"""Duplicate cards: the codes of refused scans, merges and undos."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

BAD_THRESHOLD = code("dedup.threshold", N_("threshold must be in [0.5, 1)"))
CARDS_INACTIVE = code("dedup.cards_inactive", N_("both cards must exist and be active"))
MERGE_INTO_ITSELF = code("merge.into_itself", N_("a card cannot be merged into itself"))
MERGE_NOT_FOUND = code("merge.not_found", N_("merge %(id)s not found"))
MERGE_UNDONE = code("merge.already_undone", N_("merge %(id)s was already undone"))
UNDO_LATER_FIRST = code("merge.undo_later_first",
                        N_("undo merge %(later)s first: the survivor was merged on into %(survivor)s"))  # fmt: skip
