"""A Russian organisation's requisites: INN (ИНН), KPP (КПП) and OGRN (ОГРН / ОГРНИП), checked by their check digits.

- INN: 10 digits for an organisation (one check digit), 12 for an individual entrepreneur or a person (two);
- KPP: 9 characters — a 4-digit tax office, a 2-character reason (digits or Latin capitals), a 3-digit number;
- OGRN: 13 digits (an organisation: the 12-digit number mod 11, its last digit), OGRNIP 15 (mod 13).

Each ``normalize_*`` takes what a person or a file wrote (spaces, dashes, a leading "ИНН") and returns the bare
digits, or raises :class:`InvalidRequisite` naming the value.
"""

from __future__ import annotations

import re

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["InvalidRequisite", "normalize_inn", "normalize_kpp", "normalize_ogrn"]

INN_INVALID = code("inn.invalid", N_("not a valid INN: '%(value)s' (10 digits for a company, 12 for a person)"))
INN_CHECKSUM = code("inn.checksum", N_("INN '%(value)s' fails its check digits: a typo?"))
KPP_INVALID = code("kpp.invalid", N_("not a valid KPP: '%(value)s' (9 characters)"))
OGRN_INVALID = code("ogrn.invalid", N_("not a valid OGRN: '%(value)s' (13 digits, or 15 for an OGRNIP)"))
OGRN_CHECKSUM = code("ogrn.checksum", N_("OGRN '%(value)s' fails its check digit: a typo?"))

_NOISE = re.compile(r"[\s\-.]|^(ИНН|КПП|ОГРНИП|ОГРН)[:№]?", re.IGNORECASE)
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")
_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


class InvalidRequisite(ValidationFailed):
    type_slug = "invalid-requisite"


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _clean(raw: str) -> str:
    return _NOISE.sub("", (raw or "").strip()).upper()


def normalize_inn(raw: str) -> str:
    value = _clean(raw)
    if not value.isdigit() or len(value) not in (10, 12):
        raise InvalidRequisite(INN_INVALID, value=(raw or "")[:40])
    if len(value) == 10:
        good = _check(value, _W10) == int(value[9])
    else:
        good = _check(value, _W11) == int(value[10]) and _check(value, _W12) == int(value[11])
    if not good:
        raise InvalidRequisite(INN_CHECKSUM, value=value)
    return value


def normalize_kpp(raw: str) -> str:
    value = _clean(raw)
    if not _KPP.fullmatch(value):
        raise InvalidRequisite(KPP_INVALID, value=(raw or "")[:40])
    return value


def normalize_ogrn(raw: str) -> str:
    value = _clean(raw)
    if not value.isdigit() or len(value) not in (13, 15):
        raise InvalidRequisite(OGRN_INVALID, value=(raw or "")[:40])
    modulus = 11 if len(value) == 13 else 13
    if int(value[:-1]) % modulus % 10 != int(value[-1]):
        raise InvalidRequisite(OGRN_CHECKSUM, value=value)
    return value
