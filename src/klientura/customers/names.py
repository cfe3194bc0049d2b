"""Names and genders as people type them."""

from __future__ import annotations

from functools import lru_cache

from klientura.customers.errors import UNKNOWN_GENDER
from klientura.kit.errors import ValidationFailed

_PATRONYMIC_ENDINGS = (
    "ович",
    "евич",
    "ьич",
    "овна",
    "евна",
    "ична",
    "инична",
    "ovich",
    "evich",
    "ovna",
    "evna",
)
_GENDERS = {
    "m": "m",
    "м": "m",
    "муж": "m",
    "мужской": "m",
    "male": "m",
    "man": "m",
    "1": "m",
    "f": "f",
    "ж": "f",
    "жен": "f",
    "женский": "f",
    "female": "f",
    "woman": "f",
    "2": "f",
    "w": "f",
}


@lru_cache(maxsize=1 << 16)  # names repeat a great deal in any base: cache the cleaning
def clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split()).strip(" .,")
    if not text:
        return None
    return "-".join(part[:1].upper() + part[1:].lower() for part in text.split("-"))


@lru_cache(maxsize=1 << 16)
def split_full_name(full: str) -> tuple[str | None, str | None, str | None]:
    """ "Иванов Иван Иванович" -> (last, first, middle); Russian order, patronymic recognised."""
    parts = [clean_name(p) for p in full.replace(",", " ").split()]
    words = [p for p in parts if p]
    if not words:
        return None, None, None
    if len(words) == 1:
        return words[0], None, None
    if len(words) == 2:
        if words[1].lower().endswith(_PATRONYMIC_ENDINGS):
            return None, words[0], words[1]
        return words[0], words[1], None
    if words[0].lower().endswith(_PATRONYMIC_ENDINGS[:6]) is False and words[1].lower().endswith(_PATRONYMIC_ENDINGS):
        # "Иван Иванович Иванов"
        return words[2], words[0], words[1]
    return words[0], words[1], " ".join(words[2:])


def normalize_gender(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower().rstrip(".")
    if key not in _GENDERS:
        raise ValidationFailed(UNKNOWN_GENDER, value=value)
    return _GENDERS[key]
