"""Caches owned by whoever assembled the process's parts — the app, a command, the worker — not module globals.

A :class:`Memos` travels with the session factory the app (or command, or worker) built (``Session.info``), so the
services that remember something between requests — the loyalty programme's parsed rules, the API keys checked
lately — keep it in the object of the process that made them, and a session made without one (a test's, a
script's) simply remembers nothing.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

MEMOS = "klientura.memos"  # the key of Session.info


class Memo:
    """A bounded dictionary: emptied whole when it outgrows ``limit`` (its keys are few and cheap to rebuild)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if len(self._data) >= self.limit:
            self._data.clear()
        self._data[key] = value

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class Memos:
    """The named caches of one process part (an app, a worker, a command)."""

    def __init__(self) -> None:
        self._memos: dict[str, Memo] = {}

    def of(self, name: str, limit: int = 100) -> Memo:
        memo = self._memos.get(name)
        if memo is None:
            memo = self._memos[name] = Memo(limit)
        return memo


def memos_in(info: dict[str, Any]) -> Memos:
    """The memos a session (its ``info``) carries; a fresh, forgotten one when it carries none."""
    found = info.get(MEMOS)
    return found if isinstance(found, Memos) else Memos()
