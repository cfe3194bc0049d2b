"""The marker for a message that is translated where it is shown, not where it is written."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for Babel's extract (keyword ``N_``); it is returned as it is and translated where shown."""
    return message
