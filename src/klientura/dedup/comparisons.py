"""The comparisons the learned model (:mod:`klientura.dedup.fs_model`) weighs: each puts a pair of cards on one of its
levels, or on none (``NULL``) when a card lacks the field.

Names are compared on their folded transliteration keys (``kit.translit``: Cyrillic and Latin spellings meet):
the same as typed, the same key (a transliteration, a case), near by Jaro–Winkler, an initial against a name — in
the alignment that fits better, as written or with one card's surname and given name swapped. The birth date: the same, day and month swapped,
one digit off, the same year. Phones and e-mails: shared, one character off (a typo), the same mailbox name. The
place: the same street address, a near one (a typo, the words in another order), the same postcode, its first three
digits, else the same city. Gender: the same or not.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from klientura.dedup.fs_model import NULL, Comparison
from klientura.dedup.scoring import Person
from klientura.dedup.vocabulary import given_keys, surname_keys
from klientura.kit.translit import transliterate

GENDERED = 4  # the names' u is read among pairs whose genders do not differ (Фролова, Тамара, Петровна: all "she")
SURNAME = Comparison("surname", ("exact", "same key", "near", "rather near", "else"), GENDERED)
GIVEN = Comparison("given name", ("exact", "same key", "near", "initial", "else"), GENDERED)
PATRONYMIC = Comparison("patronymic", ("same key", "near", "else"), GENDERED)
BIRTH = Comparison("birth date", ("exact", "day and month swapped", "one digit off", "same year", "else"))
GENDER = Comparison("gender", ("same", "else"))
PHONE = Comparison("phone", ("shared", "one digit off", "else"))
EMAIL = Comparison("e-mail", ("shared", "one character off", "same mailbox name", "else"))
# one comparison for where a person lives: a postcode agreeing implies the city does, and the model takes its
# comparisons as independent given the pair — two of them would count one fact twice (and, in EM, pull the "same
# person" class towards "same town")
PLACE = Comparison(
    "place",
    ("same address", "near address", "same postcode", "postcode's first three digits", "same city", "else"),
)
COMPARISONS = (SURNAME, GIVEN, PATRONYMIC, BIRTH, GENDER, PHONE, EMAIL, PLACE)
RARE_CAP = 3.0  # bits a rare name adds at most (see Frequencies.adjustment)
NAMES = (0, 1)  # the comparisons whose exact levels are adjusted for the name's frequency


def _word(x_name: str | None, x_key: str, y_name: str | None, y_key: str, near: float, rather: float) -> int:
    """exact / same key / near / rather near / else (a surname's levels; a given name's have "initial" for
    "rather near")."""
    x, y = (x_name or "").casefold().strip(" ."), (y_name or "").casefold().strip(" .")
    if x == y:
        return 0
    if x_key == y_key:
        return 1
    if x_key in known_names() and y_key in known_names():  # Инна and Нина, Федотова and Федорова: two names
        return 4
    # near as typed or as folded (the folding makes "John" and "Jonh" further apart than their letters are)
    similarity = max(JaroWinkler.similarity(x_key, y_key), JaroWinkler.similarity(x, y))
    if similarity >= near or (min(len(x), len(y)) >= 4 and DamerauLevenshtein.distance(x, y) <= 1):
        return 2  # a typo: Jaro–Winkler finds "Ruth" and "Runh" far apart
    if rather > 0:
        return 3 if similarity >= rather else 4
    short, long_ = sorted((x, y), key=len)
    return 3 if len(short) == 1 and long_.startswith(short) else 4


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """The keys of common Russian given names and surnames (:mod:`klientura.dedup.vocabulary`): two different ones
    are two names, however few letters apart."""
    return given_keys() | surname_keys()


def _names(a: Person, b: Person) -> tuple[int, int]:
    """The surname's and the given name's levels, in the alignment that fits better: as written, or with one card's
    words swapped (a surname typed into the given name's field)."""
    if not (a.last_key and b.last_key and a.first_key and b.first_key):
        surname = (
            _word(a.last_name, a.last_key, b.last_name, b.last_key, 0.92, 0.8) if a.last_key and b.last_key else NULL
        )
        given = (
            _word(a.first_name, a.first_key, b.first_name, b.first_key, 0.9, 0) if a.first_key and b.first_key else NULL
        )
        return surname, given
    straight = (_word(a.last_name, a.last_key, b.last_name, b.last_key, 0.92, 0.8),
                _word(a.first_name, a.first_key, b.first_name, b.first_key, 0.9, 0))  # fmt: skip
    if sum(straight) <= 1:
        return straight
    swapped = (_word(a.last_name, a.last_key, b.first_name, b.first_key, 0.92, 0.8),
               _word(a.first_name, a.first_key, b.last_name, b.last_key, 0.9, 0))  # fmt: skip
    return swapped if sum(swapped) < sum(straight) else straight


def _patronymic(a: Person, b: Person) -> int:
    if not (a.middle_key and b.middle_key):
        return NULL
    if a.middle_key == b.middle_key:
        return 0
    return 1 if JaroWinkler.similarity(a.middle_key, b.middle_key) >= 0.9 else 2


def _birth(a: date | None, b: date | None) -> int:
    if a is None or b is None:
        return NULL
    if a == b:
        return 0
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 1
    if DamerauLevenshtein.distance(date_digits(a), date_digits(b)) <= 1:
        return 2
    return 3 if a.year == b.year else 4


def date_digits(d: date) -> str:
    """YYYYMMDD, the year zero-padded (strftime leaves a typed year 991 three digits long)."""
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _phone(a: Person, b: Person) -> int:
    if not (a.phones and b.phones):
        return NULL
    if set(a.phones) & set(b.phones):
        return 0
    near = any(DamerauLevenshtein.distance(p[-10:], q[-10:]) <= 1 for p in a.phones for q in b.phones)
    return 1 if near else 2


def _email(a: Person, b: Person) -> int:
    if not (a.emails and b.emails):
        return NULL
    if set(a.emails) & set(b.emails):
        return 0
    best = 3
    for x in a.emails:
        lx, _, dx = x.partition("@")
        for y in b.emails:
            ly, _, dy = y.partition("@")
            if dx == dy and _letter_apart(lx, ly) and not _mirrors_names(lx, ly, a, b):
                best = min(best, 1)
            elif lx == ly and len(lx) >= 4:
                best = min(best, 2)
    return best


def _mirrors_names(x: str, y: str, a: Person, b: Person) -> bool:
    """Whether two mailbox names differ just where the cards' names do (ifedorova90 and ifedotova90 of Фёдорова and
    Федотова): two people's addresses made of their own names, not one person's typo."""
    for one, other in ((a.last_name, b.last_name), (a.first_name, b.first_name)):
        if one and other:
            p, q = _latin(one), _latin(other)
            if p == q:
                continue
            if p in x and q in y and x.replace(p, "", 1) == y.replace(q, "", 1):
                return True
            # or just where their initials do: vmorozova91 and nmorozova91 of Варвара and Наталья Морозова
            if p[:1] != q[:1] and x[:1] == p[:1] and y[:1] == q[:1] and x[1:] == y[1:]:
                return True
    return False


@lru_cache(maxsize=1 << 16)
def _latin(name: str) -> str:
    return "".join(ch for ch in transliterate(name) if ch.isalpha())


def _letter_apart(x: str, y: str) -> bool:
    """One edit apart, and not merely in digits: anna1990 and anna1991 are usually two people (the digits are a
    birth year), petrov.ivan12 and petrov.ivan122 too (a counter the mail service added), anna1990 and anan1990 one
    person who mistyped."""
    if DamerauLevenshtein.distance(x, y) != 1:
        return False
    strip = str.maketrans("", "", "0123456789")
    return x.translate(strip) != y.translate(strip)


def _same(x: str | None, y: str | None) -> int:
    if not x or not y:
        return NULL
    return 0 if x.casefold() == y.casefold() else 1


def _street(address: str) -> str:
    return " ".join(address.casefold().replace(",", " ").replace(".", " ").split())


def _place(a: Person, b: Person) -> int:
    """Where they live, the closest that both cards say: the street address, the postcode, the city."""
    if a.address and b.address:
        x, y = _street(a.address), _street(b.address)
        if x == y:
            return 0
        if fuzz.token_sort_ratio(x, y) >= 90:
            return 1
    if a.postcode and b.postcode:
        if a.postcode == b.postcode:
            return 2
        if a.postcode[:3] == b.postcode[:3]:
            return 3
    if a.city and b.city:
        return 4 if a.city.casefold() == b.city.casefold() else 5
    return 5 if (a.postcode and b.postcode) or (a.address and b.address) else NULL


def levels(a: Person, b: Person) -> tuple[int, ...]:
    """The pair's level on each of :data:`COMPARISONS`."""
    surname, given = _names(a, b)
    return (
        surname,
        given,
        _patronymic(a, b),
        _birth(a.birth_date, b.birth_date),
        _same(a.gender, b.gender),
        _phone(a, b),
        _email(a, b),
        _place(a, b),
    )


class Frequencies:
    """How common each surname and given name (by key) is among the cards: an agreeing common name says less."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.cards = max(len(people), 1)
        self.surnames = Counter(p.last_key for p in people if p.last_key)
        self.given = Counter(p.first_key for p in people if p.first_key)

    @classmethod
    def counted(cls, cards: int, surnames: dict[str, int], given: dict[str, int]) -> Frequencies:
        """From counts made elsewhere (the store's, for one pair)."""
        made = cls([])
        made.cards, made.surnames, made.given = max(cards, 1), Counter(surnames), Counter(given)
        return made

    def adjustment(
        self,
        a: Person,
        b: Person,
        u: Sequence[npt.NDArray[np.float64]],
        found: Sequence[int] | npt.NDArray[np.int8],
        scale: Sequence[float] = (1.0, 1.0),
    ) -> float:
        """Bits to add to the pair's match weight for the names it agrees on: the level's u replaced by the share of
        cards carrying that very name (a rare name agreeing weighs more than the average, a common one less). A word
        counts as often as it is found in either field (a card with its words swapped must not make "Павел" a rare
        surname), and a rare name adds at most :data:`RARE_CAP` bits: the names of a base are not independent of
        its other fields. ``scale``: the model's :attr:`~klientura.dedup.fs_model.Model.scale` of the surname and
        the given name (their u is read among pairs of one gender, so is the name's share)."""
        bits = 0.0
        for j, key in ((0, a.last_key), (1, a.first_key)):
            level = int(found[j])
            if level in (0, 1) and key:
                seen = max(self.surnames.get(key, 1), self.given.get(key, 1))
                share = max(seen / self.cards, 1 / self.cards) * scale[j]
                bits += min(math.log2(float(u[j][level]) / share), RARE_CAP)
        return bits
