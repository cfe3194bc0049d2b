"""Scoring pairs of cards that share no identity but may be one person.

A Fellegi-Sunter style sum of evidence weights (log-odds), turned into a probability and explained
in words. Names are compared on folded transliteration keys (``kit.translit``), so Cyrillic and
Latin spellings, typos and swapped word order meet; phones and e-mails count when they differ by one
character (a typo) or share the mailbox name; the birth date confirms or vetoes.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from klientura.dedup.errors import (
    BIRTH_DATE_TYPO,
    BIRTH_DATES_DIFFER,
    CITIES_DIFFER,
    COMMON_NAME,
    EMAIL_CHARACTER,
    GENDERS_DIFFER,
    NAMES_MATCH,
    NAMES_SIMILAR,
    PATRONYMICS_DIFFER,
    PHONE_DIGIT,
    SAME_BIRTH_DATE,
    SAME_MAILBOX,
)
from klientura.dedup.vocabulary import distinct_known, given_keys, surname_keys
from klientura.kit.errors import Notice, notice
from klientura.kit.translit import name_key

PRIOR = -6.0
NAME_REF = 3  # cards per name (surname + given name) in the base the weights were tuned on (demo, 20,000 cards)
TF_SLOPE, TF_CAP = 0.75, 3.5  # how much a common name's agreement is discounted, at most


@lru_cache(maxsize=1 << 16)
def _key(name: str) -> str:
    return sys.intern(name_key(name))


@dataclass(slots=True)
class Person:
    id: int
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    city: str | None = None
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)
    postcode: str | None = None
    address: str | None = None  # the street address: street, house, flat
    last_key: str = ""
    first_key: str = ""
    middle_key: str = ""

    def __post_init__(self) -> None:
        # names, their keys and cities repeat across a base: one shared string each keeps a million cards small
        self.last_name, self.first_name, self.middle_name, self.city = (
            None if v is None else sys.intern(v) for v in (self.last_name, self.first_name, self.middle_name, self.city)
        )
        self.last_key = _key(self.last_name or "")
        self.first_key = _key(self.first_name or "")
        self.middle_key = _key(self.middle_name or "")

    @property
    def display(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass
class Scored:
    low_id: int
    high_id: int
    probability: float
    reasons: list[Notice]  # kit.errors.notice: code, params, English text


def _name_similarity(a: Person, b: Person) -> float:
    if not (a.last_key or a.first_key) or not (b.last_key or b.first_key):
        return 0.0
    straight = _aligned(a.last_key, a.first_key, b.last_key, b.first_key)
    swapped = _aligned(a.last_key, a.first_key, b.first_key, b.last_key)
    return max(straight, swapped)


def _aligned(last_a: str, first_a: str, last_b: str, first_b: str) -> float:
    """Similarity of two (surname, given name) alignments; two different known names are not a typo."""
    if distinct_known(first_a, first_b, given_keys()) or distinct_known(last_a, last_b, surname_keys()):
        return 0.5
    if not (last_a and last_b):
        return JaroWinkler.similarity(first_a, first_b) * 0.97 if first_a and first_b else 0.0
    if not (first_a and first_b):
        return JaroWinkler.similarity(last_a, last_b) * 0.97
    return (JaroWinkler.similarity(last_a, last_b) + JaroWinkler.similarity(first_a, first_b)) / 2


def _date_close(a: date, b: date) -> bool:
    sa, sb = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return DamerauLevenshtein.distance(sa, sb) <= 1 or (a.day == b.month and a.month == b.day and a.year == b.year)


def name_key_of(p: Person) -> str:
    """The card's name as a blocking and counting key: folded, word order ignored ("" without both words)."""
    return " ".join(sorted((p.last_key, p.first_key))) if p.last_key and p.first_key else ""


def score(a: Person, b: Person, namesakes: int = 1) -> Scored:
    """``namesakes``: how many cards of the base carry the commoner of the two names. Agreeing names say less
    the commoner the name (term-frequency adjustment): in a base of a million cards, two "Иванова Анна" born
    on the same day are as likely two women as one."""
    total, reasons = PRIOR, list[Notice]()
    sim = _name_similarity(a, b)
    weight = _name_weight(sim)
    if weight > 0 and namesakes > NAME_REF:
        weight = max(0.0, weight - min(TF_CAP, TF_SLOPE * math.log(namesakes / NAME_REF)))
        reasons.append(notice(COMMON_NAME, cards=namesakes))
    total += weight
    if sim >= 0.97:
        reasons.insert(0, notice(NAMES_MATCH, a=a.display, b=b.display))
    elif weight > 0:
        reasons.insert(0, notice(NAMES_SIMILAR, share=f"{sim:.0%}", a=a.display, b=b.display))
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            total += 5.0
            reasons.append(notice(SAME_BIRTH_DATE, day=a.birth_date.isoformat()))
        elif _date_close(a.birth_date, b.birth_date):
            total += 1.0
            reasons.append(notice(BIRTH_DATE_TYPO))
        else:
            total -= 5.0
            reasons.append(notice(BIRTH_DATES_DIFFER))
    near_phone = any(DamerauLevenshtein.distance(p[-10:], q[-10:]) <= 1 for p in a.phones for q in b.phones)
    if near_phone:
        total += 7.0
        reasons.append(notice(PHONE_DIGIT))
    elif a.phones and b.phones:
        total -= 0.5
    mail = _email_evidence(a.emails, b.emails)
    if mail:
        total += mail[0]
        reasons.append(mail[1])
    if a.gender and b.gender and a.gender != b.gender:
        total -= 4.0
        reasons.append(notice(GENDERS_DIFFER))
    if a.middle_key and b.middle_key:
        if JaroWinkler.similarity(a.middle_key, b.middle_key) >= 0.9:
            total += 1.0
        else:
            total -= 2.0
            reasons.append(notice(PATRONYMICS_DIFFER))
    if a.city and b.city:
        if a.city.casefold() == b.city.casefold():
            total += 1.5
        else:
            total -= 1.5
            reasons.append(notice(CITIES_DIFFER, a=a.city, b=b.city))
    prob = 1.0 / (1.0 + math.exp(-total))
    lo, hi = sorted((a.id, b.id))
    return Scored(lo, hi, prob, reasons)


def _name_weight(sim: float) -> float:
    """Log-odds from name similarity: near-certain at one typo, against at clearly different names."""
    if sim >= 0.97:
        return 5.0
    if sim >= 0.85:
        return 1.5 + (sim - 0.85) / 0.12 * 3.5
    if sim >= 0.75:
        return -1.0 + (sim - 0.75) * 25
    return -4.0


def _one_letter_apart(x: str, y: str) -> bool:
    """One edit apart, and not merely in digits (ivan1990 and ivan1991 are usually two people)."""
    if DamerauLevenshtein.distance(x, y) != 1:
        return False
    strip = str.maketrans("", "", "0123456789")
    return x.translate(strip) != y.translate(strip)


def _email_evidence(xs: list[str], ys: list[str]) -> tuple[float, Notice] | None:
    best: tuple[float, Notice] | None = None
    for x in xs:
        lx, _, dx = x.partition("@")
        for y in ys:
            ly, _, dy = y.partition("@")
            if lx == ly and len(lx) >= 4:
                cand = (6.0, notice(SAME_MAILBOX, name=lx, a=dx, b=dy))
            elif dx == dy and len(lx) >= 4 and _one_letter_apart(lx, ly):
                cand = (6.75, notice(EMAIL_CHARACTER, a=x, b=y))
            else:
                continue
            if best is None or cand[0] > best[0]:
                best = cand
    return best
