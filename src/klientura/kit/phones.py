"""Phone numbers to E.164 with phonenumbers.

``normalize_phone`` is the one entry point. A fast path handles the plain digit strings that make up
almost all of a Russian base ("8 (912) 345-67-89", "+7 912 345 67 89", "9123456789") by checking the
national number against phonenumbers' own metadata patterns; everything else goes through
``phonenumbers.parse``. A property test proves both paths agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["InvalidPhone", "normalize_phone", "phone_digits"]

PHONE_EMPTY = code("phone.empty", N_("empty phone number"))
NOT_A_PHONE = code("phone.unparsable", N_("not a phone number: '%(value)s'"))
PHONE_INVALID = code("phone.invalid", N_("not a valid phone number: '%(value)s'"))
_NON_DIGIT = re.compile(r"[\s\-\(\)\.]")
_TYPES = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


class InvalidPhone(ValidationFailed):
    type_slug = "invalid-phone"


@lru_cache(maxsize=64)
def _fast_spec(region: str) -> tuple[str, str, re.Pattern[str], frozenset[int]] | None:
    """(country code, national prefix, pattern of valid national numbers, their lengths)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
    if meta is None or meta.national_prefix is None or not meta.national_prefix.isdigit():
        return None
    patterns = []
    for name in _TYPES:
        desc = getattr(meta, name, None)
        if desc is None or desc.national_number_pattern is None:
            continue
        patterns.append(f"(?:{desc.national_number_pattern})")
    main = meta.mobile.possible_length if meta.mobile is not None else None
    if not patterns or not main or len(main) != 1:
        return None
    return str(meta.country_code), meta.national_prefix, re.compile("|".join(patterns)), frozenset(main)


def _fast(raw: str, region: str) -> str | None:
    spec = _fast_spec(region)
    if spec is None:
        return None
    cc, prefix, pattern, lengths = spec
    s = _NON_DIGIT.sub("", raw)
    plus = s.startswith("+")
    if plus:
        s = s[1:]
    if not s.isdigit() or not s.isascii():
        return None
    (n,) = lengths
    if plus:
        if not s.startswith(cc) or len(s) != n + len(cc):
            return None
        national = s[len(cc) :]
    elif len(s) == n:
        national = s
    elif len(s) == n + len(prefix) and s.startswith(prefix):
        national = s[len(prefix) :]
    elif len(s) == n + len(cc) and s.startswith(cc):
        national = s[len(cc) :]
    else:
        return None
    if pattern.fullmatch(national) is None:
        return None
    return f"+{cc}{national}"


def normalize_phone(raw: str, region: str) -> str:
    """Return the E.164 form of ``raw`` or raise :class:`InvalidPhone`."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(PHONE_EMPTY)
    fast = _fast(text, region)
    if fast is not None:
        return fast
    return _slow(text, region)


def _slow(text: str, region: str) -> str:
    try:
        num = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(NOT_A_PHONE, value=text) from exc
    if not phonenumbers.is_valid_number(num):
        raise InvalidPhone(PHONE_INVALID, value=text)
    if phonenumbers.number_type(num) == PhoneNumberType.UNKNOWN:
        raise InvalidPhone(PHONE_INVALID, value=text)
    return str(phonenumbers.format_number(num, PhoneNumberFormat.E164))


def phone_digits(e164: str) -> str:
    return e164.lstrip("+")
