"""Translations: the marker for a message translated where it is shown (N_), and the compiled catalogues."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES = ("ru", "en")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for Babel's extract (keyword ``N_``); it is returned as it is and translated where shown."""
    return message


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (``make messages``, or the wheel's build, compiles the .po files); a
    missing one is an error, not a page in the wrong language."""
    mo = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        raise RuntimeError(f"the {locale!r} translations are not compiled ({mo}): run `make messages`")
    with mo.open("rb") as fh:
        return Translations(fh)
