"""Cyrillic and Latin spellings of a name reduced to one comparable key.

"Иванов Иван" and "Ivan Ivanov" must meet: Cyrillic is transliterated (a practical blend of ICAO and
the passport rules), then Latin spelling variants are folded (kh/h, ya/ia, yu/iu, ts/tz/c, w/v, y/i,
double letters), so passport, ICAO and ad-hoc spellings give the same key.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["name_key", "transliterate"]

_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
_TABLE = str.maketrans(_CYR)
_FOLDS = [
    (re.compile(r"shch|sch"), "sh"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"tz|ts|cz"), "c"),
    (re.compile(r"ya|ja"), "ia"),
    (re.compile(r"yu|ju"), "iu"),
    (re.compile(r"yo|jo"), "e"),
    (re.compile(r"ye|je"), "e"),
    (re.compile(r"w"), "v"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"[yj]"), "i"),
    (re.compile(r"ii\b"), "i"),
    (re.compile(r"iy\b"), "i"),
    (re.compile(r"(.)\1+"), r"\1"),
]
_NON_LETTER = re.compile(r"[^a-z ]+")


def transliterate(text: str) -> str:
    lowered = unicodedata.normalize("NFKC", text).lower().translate(_TABLE)
    return "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """A folded Latin key of one name or several words; word order kept."""
    value = _NON_LETTER.sub(" ", transliterate(text))
    for pattern, repl in _FOLDS:
        value = pattern.sub(repl, value)
    return " ".join(value.split())
