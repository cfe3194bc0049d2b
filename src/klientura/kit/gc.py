"""Pausing Python's cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection while a bulk step builds millions of long-lived objects (rows, dicts) that hold no cycles:
    each full collection walks all of them, a third of a million-recipient launch's time. Reference counting still
    frees everything; the collector runs again afterwards (and was already paused, it stays so)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
