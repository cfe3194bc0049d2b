"""The cards as columns of numbers, for a scan of millions (issue 21).

A card's fields repeat across a base — a few thousand names, a few dozen towns, one birth date in twenty thousand —
so each field is kept as a code into the field's distinct values, and whatever a comparison or a blocking key needs
of a value (its folded key, its digits, its first letter) is worked out once per distinct value and read through the
codes. No object per card is made: a million cards are a few dozen megabytes of arrays, read from the store a chunk
of rows at a time (:meth:`CardsBuilder.rows`) or from :class:`~klientura.dedup.scoring.Person` objects
(:meth:`Cards.of`, for the per-pair definitions' tests and the benches)."""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from klientura.dedup import comparisons
from klientura.dedup.comparisons import _street, date_digits
from klientura.dedup.scoring import Person, _key

Ints = npt.NDArray[np.int64]
Strings = npt.NDArray[np.object_]
Flags = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.int32]  # per card: a million of them are 4 MB a column


def column(values: Sequence[object]) -> Strings:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class Vocabulary:
    """Strings as numbers: each distinct string once (``words``), each value its index there (``codes``); comparisons
    of two code arrays are made once per distinct pair of strings, not once per pair of cards. ``sort``: the codes
    in the strings' order (so comparing codes compares the strings)."""

    def __init__(self, values: Iterable[str], *, sort: bool = False) -> None:
        index: dict[str, int] = {}
        codes = [index.setdefault(v, len(index)) for v in values]
        words = list(index)
        if sort:
            order = sorted(range(len(words)), key=words.__getitem__)
            rank = np.empty(len(words), dtype=np.int32)
            rank[order] = np.arange(len(words))
            words = [words[k] for k in order]
            self.codes: Codes = rank[np.array(codes, dtype=np.int64)] if codes else np.zeros(0, dtype=np.int32)
        else:
            self.codes = np.array(codes, dtype=np.int32)
        self.words = column(words)
        self.lengths = np.array([len(w) for w in words], dtype=np.int64)
        self.first = np.array([ord(w[0]) if w else 0 for w in words], dtype=np.int64)

    @property
    def empty(self) -> Flags:
        """Of each value: whether it is the empty string."""
        return self.lengths[self.codes] == 0  # type: ignore[no-any-return]


def _encode(index: dict[Any, int], values: Iterable[Any]) -> list[int]:
    return [index.setdefault(v, len(index)) for v in values]


TEXT = ("name", "middle", "birth", "gender", "city", "postcode", "address")  # the vocabularies of a card's fields


class CardsBuilder:
    """Collects cards a chunk of rows at a time, as codes; :meth:`cards` makes the columns."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.index: dict[str, dict[Any, int]] = {name: {} for name in TEXT}
        self.codes: dict[str, array[int]] = {name: array("i") for name in ("last", "first", *TEXT[1:])}
        self.contacts: dict[str, tuple[array[int], dict[str, int], array[int]]] = {
            kind: (array("q"), {}, array("q")) for kind in ("phone", "email")
        }
        self.by_index = False  # contacts given with the card's index, not its id

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Cards as (id, surname, given name, patronymic, birth date, gender, city, postcode, street address); the
        birth date a ``date`` or an ISO string."""
        if not rows:
            return
        ids, last, first, middle, birth, gender, city, postcode, address = zip(*rows, strict=True)
        self.ids.extend(ids)
        names = self.index["name"]
        self.codes["last"].extend(_encode(names, last))
        self.codes["first"].extend(_encode(names, first))
        for name, values in (("middle", middle), ("birth", birth), ("gender", gender), ("city", city),
                             ("postcode", postcode), ("address", address)):  # fmt: skip
            self.codes[name].extend(_encode(self.index[name], values))

    def contact_rows(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """(card id, kind, value): phones (E.164) and e-mails; other kinds are passed by. A phone is kept as its
        number (no string per phone), any other text in it as a negative code into a list of its own."""
        phone_owner, others, phone_codes = self.contacts["phone"]
        mail_owner, mails, mail_codes = self.contacts["email"]
        for owner, kind, value in rows:
            if kind == "phone":
                phone_owner.append(owner)
                digits = value[1:]
                if value[:1] == "+" and digits.isdigit() and digits[:1] != "0" and len(digits) <= 18:
                    phone_codes.append(int(digits))
                else:
                    phone_codes.append(-1 - others.setdefault(value, len(others)))
            elif kind == "email":
                mail_owner.append(owner)
                mail_codes.append(mails.setdefault(value, len(mails)))

    def cards(self) -> Cards:
        return Cards(self)


@dataclass
class Contacts:
    """One kind of contact of the cards: how many each has, the code of the one where there is one (see
    :meth:`text`), and the cards of several as lists."""

    count: Codes
    single: Ints  # the code of a card's contact, where it has one
    words: Strings  # the texts the codes stand for: an e-mail's code is its index here, a phone's (below)
    several: dict[int, list[str]]
    cards: Ints  # every (card, contact) as two arrays: the card's index and the contact's code
    codes: Ints
    numbers: bool = False  # a code is the phone's number (E.164 without the "+"), or -1 - its index in ``words``

    @property
    def has(self) -> Flags:
        return self.count > 0

    @property
    def one(self) -> Flags:
        return self.count == 1  # type: ignore[no-any-return]

    def text(self, code: int) -> str:
        if self.numbers:
            return f"+{code}" if code >= 0 else str(self.words[-1 - code])
        return str(self.words[code])

    def of(self, i: int) -> list[str]:
        if self.count[i] == 1:
            return [self.text(int(self.single[i]))]
        return self.several.get(i, [])


def _contacts(ids: Ints, built: tuple[array[int], dict[str, int], array[int]], by_index: bool, numbers: bool
              ) -> Contacts:  # fmt: skip
    owners, index, codes = built
    n = len(ids)
    owner = np.frombuffer(owners, dtype=np.int64) if len(owners) else np.zeros(0, dtype=np.int64)
    code = np.frombuffer(codes, dtype=np.int64) if len(codes) else np.zeros(0, dtype=np.int64)
    if by_index:
        at, known = owner, np.ones(len(owner), dtype=bool)
    else:  # ids sorted (the store's order): a card's index by searching its id; a merged card's contacts pass by
        at = np.minimum(np.searchsorted(ids, owner), max(n - 1, 0))
        known = ids[at] == owner if n else np.zeros(len(owner), dtype=bool)
    at, code = at[known], code[known]
    count = np.bincount(at, minlength=n).astype(np.int32)
    single = np.zeros(n, dtype=np.int64)
    one = count[at] == 1
    single[at[one]] = code[one]
    made = Contacts(count, single, column(list(index)), {}, at, code, numbers)
    for i, c in zip(at[~one].tolist(), code[~one].tolist(), strict=True):
        made.several.setdefault(i, []).append(made.text(c))
    return made


class Names:
    """The name words of the cards — surnames at i, given names at m + i — as codes of (as written, folded) pairs:
    two words are compared once per distinct pair of codes, whichever cards and fields they come from. ``keys``: the
    folded words in their order (a code's ``key`` compares as its word does)."""

    def __init__(self, raw: Sequence[str | None], last: Codes, first: Codes) -> None:
        pairs = [((r or "").casefold().strip(" ."), _key(r or "")) for r in raw]
        index: dict[tuple[str, str], int] = {}
        of_raw = np.array(_encode(index, pairs), dtype=np.int32)
        self.codes = np.concatenate([of_raw[last], of_raw[first]]) if len(raw) else np.zeros(0, dtype=np.int32)
        both = list(index)
        written, self.keys = Vocabulary([w for w, _ in both]), Vocabulary([k for _, k in both], sort=True)
        self.raw, self.key = written.codes, self.keys.codes  # of each code: its word as written, folded
        self.raw_words, self.key_words = written.words[written.codes], self.keys.words[self.keys.codes]
        self.lengths, self.first = written.lengths[written.codes], written.first[written.codes]
        self.empty = self.key_words == ""
        known = comparisons.known_names()
        self.known = np.array([k in known for k in self.key_words], dtype=bool)  # a common name (vocabulary)


class Cards:
    """The cards as columns (see the module's doc). ``ids``: each card's id, in the order the cards came."""

    def __init__(self, built: CardsBuilder) -> None:
        self.ids = np.frombuffer(built.ids, dtype=np.int64).copy() if len(built.ids) else np.zeros(0, dtype=np.int64)
        codes = {k: np.frombuffer(v, dtype=np.int32).copy() if len(v) else np.zeros(0, dtype=np.int32)
                 for k, v in built.codes.items()}  # fmt: skip
        self.raw_names: list[str | None] = list(built.index["name"])
        self.names = Names(self.raw_names, codes["last"], codes["first"])
        self.raw_last, self.raw_first = codes["last"], codes["first"]
        self.middle = Vocabulary(_key(v or "") for v in built.index["middle"])
        self.middle.codes = self.middle.codes[codes["middle"]]
        self.birth_digits, self.birth_day = _dates(list(built.index["birth"]), codes["birth"])
        self.gender = Vocabulary((v or "").casefold() for v in built.index["gender"])
        self.gender.codes = self.gender.codes[codes["gender"]]
        cities = list(built.index["city"])
        self.city = Vocabulary(v.casefold() if v else "" for v in cities)
        self.city.codes = self.city.codes[codes["city"]]
        posts = [p or "" for p in built.index["postcode"]]
        self.post, self.area = Vocabulary(posts), Vocabulary(p[:3] for p in posts)
        self.post.codes, self.area.codes = self.post.codes[codes["postcode"]], self.area.codes[codes["postcode"]]
        addresses = list(built.index["address"])
        self.street = Vocabulary(_street(a) if a else "" for a in addresses)
        self.street.codes = self.street.codes[codes["address"]]
        self.house = Vocabulary(_house_and_street(a) for a in addresses)  # the blocking key's part: "5|лен"
        self.house.codes = self.house.codes[codes["address"]]
        self.has_street = np.array([bool(a) for a in addresses], dtype=bool)[codes["address"]]
        self.phones = _contacts(self.ids, built.contacts["phone"], built.by_index, numbers=True)
        self.emails = _contacts(self.ids, built.contacts["email"], built.by_index, numbers=False)

    @classmethod
    def of(cls, people: Sequence[Person]) -> Cards:
        """From :class:`Person` objects (in their order)."""
        built = CardsBuilder()
        built.by_index = True
        for start in range(0, len(people), 20_000):
            part = people[start : start + 20_000]
            built.rows([(p.id, p.last_name, p.first_name, p.middle_name, p.birth_date, p.gender, p.city, p.postcode,
                         p.address) for p in part])  # fmt: skip
            built.contact_rows((start + k, kind, value) for k, p in enumerate(part)
                               for kind, values in (("phone", p.phones), ("email", p.emails)) for value in values)  # fmt: skip
        return built.cards()

    def __len__(self) -> int:
        return len(self.ids)

    def contacts_of(self, i: int) -> Person:
        """Card ``i`` with what the pairwise comparisons of contacts read: its names, phones and e-mails."""
        last, first = self.raw_names[self.raw_last[i]], self.raw_names[self.raw_first[i]]
        return Person(int(self.ids[i]), last, first, phones=self.phones.of(i), emails=self.emails.of(i))

    @cached_property
    def phone_digits(self) -> tuple[Flags, npt.NDArray[np.int8]]:
        """Whether a card has just one phone of ten digits or more, and its last ten digits (-1 without)."""
        one, code = self.phones.one, self.phones.single
        simple = one & (code >= 10**9)  # "+" and ten digits or more: the number has no leading zero
        for i in np.flatnonzero(one & (code < 0)).tolist():  # a phone not in E.164: its text's last ten digits
            text = self.phones.text(int(code[i]))
            simple[i] = len(text) > 10 and text[-10:].isdigit()
        digits = np.full((len(self), 10), -1, dtype=np.int8)
        numbers = np.flatnonzero(simple & (code >= 0))
        for k in range(10):  # a digit at a time: the ten as one int64 array took 80 MB at a million cards
            digits[numbers, k] = code[numbers] // 10 ** (9 - k) % 10
        for i in np.flatnonzero(simple & (code < 0)).tolist():
            digits[i] = [int(ch) for ch in self.phones.text(int(code[i]))[-10:]]
        return simple, digits

    @cached_property
    def mail(self) -> tuple[Vocabulary, Vocabulary]:
        """Of the cards with one e-mail: its mailbox name and its domain as codes ("" for the others)."""
        words = self.emails.words
        local = Vocabulary([str(w).partition("@")[0] for w in words] + [""])
        local.words = column([])  # the lengths and codes are what is read: the names themselves are the e-mails'
        domain = Vocabulary([str(w).partition("@")[2] for w in words] + [""])
        at = np.where(self.emails.one, self.emails.single, len(words))
        local.codes, domain.codes = local.codes[at], domain.codes[at]
        return local, domain

    def key_codes(self) -> tuple[Codes, Codes]:
        """Each card's surname and given name as codes of their folded keys (in the keys' order)."""
        m = len(self)
        return self.names.key[self.names.codes[:m]], self.names.key[self.names.codes[m:]]


def _dates(values: list[Any], codes: Codes) -> tuple[npt.NDArray[np.int8], Codes]:
    """Each card's birth date as its eight digits YYYYMMDD (-1 without one) and as the number YYYYMMDD (-1)."""
    table = np.full((len(values) + 1, 8), -1, dtype=np.int8)
    for k, v in enumerate(values):
        d = _date(v)
        if d is not None:
            table[k] = [int(c) for c in date_digits(d)]
    digits = table[codes] if len(codes) else np.zeros((0, 8), dtype=np.int8)
    number = digits.astype(np.int32) @ (10 ** np.arange(7, -1, -1, dtype=np.int32))
    return digits, np.where(digits[:, 0] >= 0, number, -1).astype(np.int32)


def _date(value: Hashable) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:  # a date the store could not have held: no evidence
        return None


def _house_and_street(address: str | None) -> str:
    """The street address's house number and the street's first three letters ("" without both)."""
    if not address:
        return ""
    words = address.casefold().replace(",", " ").replace(".", " ").split()
    number = next((w for w in words if any(ch.isdigit() for ch in w)), None)
    street = next((w for w in words if w.isalpha() and len(w) > 2), None)
    return "" if number is None or street is None else f"{number}|{street[:3]}"
