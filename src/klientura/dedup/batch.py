"""The comparisons of :mod:`klientura.dedup.comparisons` for many pairs at once: the same levels, computed with
numpy and rapidfuzz's pairwise kernels (``process.cpdist``: C++, on every core) instead of a Python call per pair.
The per-pair functions stay the definition; a test holds the two equal."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from klientura.dedup import comparisons
from klientura.dedup.comparisons import COMPARISONS, _email, _phone, _street
from klientura.dedup.fs_model import NULL, Patterns
from klientura.dedup.scoring import Person

Strings = npt.NDArray[np.object_]
Ints = npt.NDArray[np.int64]


def _column(values: list[str]) -> Strings:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _similarity(x: Strings, y: Strings) -> npt.NDArray[np.float64]:
    if not len(x):
        return np.zeros(0)
    got: npt.NDArray[np.float64] = process.cpdist(x, y, scorer=JaroWinkler.similarity, workers=-1, dtype=np.float64)
    return got


class Vocabulary:
    """Strings as numbers: each distinct string once (``words``), each value its index there; comparisons of two
    code arrays are made once per distinct pair of strings, not once per pair of cards."""

    def __init__(self, values: list[str]) -> None:
        index: dict[str, int] = {}
        self.codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
        self.words = _column(list(index))
        self.lengths = np.array([len(w) for w in index], dtype=np.int64)
        self.first = np.array([ord(w[0]) if w else 0 for w in index], dtype=np.int64)


def _distinct_pairs(x: Ints, y: Ints) -> tuple[Ints, Ints, Ints]:
    """The distinct (x, y) code pairs and, for each pair, the index of its distinct one."""
    found, inverse = np.unique(x << 32 | y, return_inverse=True)
    return found >> 32, found & 0xFFFFFFFF, inverse.ravel()


def _pair_similarity(words: Strings, x: Ints, y: Ints) -> npt.NDArray[np.float64]:
    """Jaro–Winkler of words[x] and words[y] (1 where the codes are equal, not compared)."""
    out = np.ones(len(x))
    apart = np.flatnonzero(x != y)
    out[apart] = _similarity(words[x[apart]], words[y[apart]])
    return out


class Names:
    """The name words of the cards — surnames at i, given names at m + i — as codes of (as written, folded) pairs:
    two words are compared once per distinct pair of codes, whichever cards and fields they come from."""

    def __init__(self, people: Sequence[Person]) -> None:
        written = [(p.last_name or "").casefold().strip(" .") for p in people]
        written += [(p.first_name or "").casefold().strip(" .") for p in people]
        folded = [p.last_key for p in people] + [p.first_key for p in people]
        index: dict[tuple[str, str], int] = {}
        self.codes = np.array([index.setdefault(w, len(index)) for w in zip(written, folded, strict=True)],
                              dtype=np.int64)  # fmt: skip
        both = list(index)
        raw, keys = Vocabulary([w for w, _ in both]), Vocabulary([k for _, k in both])
        self.raw, self.key = raw.codes, keys.codes  # of each code: its word as written, folded
        self.raw_words, self.key_words = raw.words[raw.codes], keys.words[keys.codes]
        self.lengths, self.first = raw.lengths[raw.codes], raw.first[raw.codes]
        self.empty = self.key_words == ""
        known = comparisons.known_names()
        self.known = np.array([k in known for k in self.key_words], dtype=bool)  # a common name (vocabulary)

    def levels(
        self, x: Ints, y: Ints, near: npt.NDArray[np.float64], rather: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int8]:
        """``comparisons._word`` of the codes x and y (both words present), with each pair's ``near`` and ``rather``
        (0: a given name's "initial" instead of "rather near")."""
        out = np.full(len(x), 4, dtype=np.int8)
        same_key, same = self.key[x] == self.key[y], self.raw[x] == self.raw[y]
        out[same_key] = 1
        out[same] = 0
        d = np.flatnonzero(~(same_key | same))
        found, inverse = np.unique(x[d] << 32 | y[d], return_inverse=True)
        ux, uy = found >> 32, found & 0xFFFFFFFF
        similarity = np.maximum(_similarity(self.key_words[ux], self.key_words[uy]),
                                _similarity(self.raw_words[ux], self.raw_words[uy]))  # fmt: skip
        short = np.minimum(self.lengths[ux], self.lengths[uy])
        typo = np.zeros(len(ux), dtype=bool)
        maybe = np.flatnonzero(short >= 4)
        if len(maybe):  # one typo apart: Jaro–Winkler finds "Ruth" and "Runh" far apart
            distance = process.cpdist(self.raw_words[ux[maybe]], self.raw_words[uy[maybe]],
                                      scorer=DamerauLevenshtein.distance, workers=-1)  # fmt: skip
            typo[maybe] = distance <= 1
        inverse = inverse.ravel()
        similarity, typo, xd, yd = similarity[inverse], typo[inverse], x[d], y[d]
        near, rather = near[d], rather[d]
        initial = ((self.lengths[xd] == 1) | (self.lengths[yd] == 1)) & (self.first[xd] == self.first[yd])
        got = np.full(len(d), 4, dtype=np.int8)
        got[np.where(rather > 0, similarity >= rather, initial)] = 3
        got[(similarity >= near) | typo] = 2
        got[self.known[xd] & self.known[yd]] = 4  # Инна and Нина: two names, not a typo
        out[d] = got
        return out


def patterns_for(people: Sequence[Person], left: Ints, right: Ints) -> Patterns:
    """The levels of the pairs (people[left[k]], people[right[k]]), one row a pair."""
    return Cards(people).patterns(left, right)


class Cards:
    """The cards as arrays, made once and compared in chunks of pairs (the intermediate arrays of a chunk are all
    the memory a comparison of millions of pairs takes beyond its result)."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.people = people

    def patterns(self, left: Ints, right: Ints, chunk: int = 1 << 19) -> Patterns:
        return self.packed_patterns(left << 32 | right, chunk)

    def packed_patterns(self, packed: Ints, chunk: int = 1 << 19) -> Patterns:
        """The levels of the pairs ``i << 32 | j``, one row a pair."""
        out = np.full((len(packed), len(COMPARISONS)), NULL, dtype=np.int8)
        for start in range(0, len(packed), chunk):
            part, a, b = (
                out[start : start + chunk],
                packed[start : start + chunk] >> 32,
                packed[start : start + chunk] & 0xFFFFFFFF,
            )
            _names(part, a, b, self.names, len(self.people))
            _middle(part, self, a, b)
            _birth(part, self, a, b)
            _rest(part, self, a, b)
        return out

    @cached_property
    def names(self) -> Names:
        return Names(self.people)

    @cached_property
    def middle(self) -> Vocabulary:
        return Vocabulary([p.middle_key for p in self.people])

    @cached_property
    def digits(self) -> npt.NDArray[np.int8]:
        return _digits(self.people)

    @cached_property
    def gender(self) -> Vocabulary:
        return Vocabulary([(p.gender or "").casefold() for p in self.people])

    @cached_property
    def phones(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.int8], Vocabulary]:
        """Whether a card has phones, whether just one of ten digits or more, its last ten digits, its codes."""
        people = self.people
        has = np.fromiter((bool(p.phones) for p in people), dtype=bool, count=len(people))
        simple = np.fromiter((len(p.phones) == 1 and len(p.phones[0]) > 10 and p.phones[0][-10:].isdigit()
                              for p in people), dtype=bool, count=len(people))  # fmt: skip
        digits = np.full((len(people), 10), -1, dtype=np.int8)
        for i in np.flatnonzero(simple).tolist():
            digits[i] = [int(c) for c in people[i].phones[0][-10:]]
        return has, simple, digits, Vocabulary([p.phones[0] if len(p.phones) == 1 else "" for p in people])

    @cached_property
    def emails(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], Vocabulary, Vocabulary, Vocabulary]:
        """Whether a card has e-mails, whether just one, and its address, mailbox name and domain as codes."""
        people = self.people
        has = np.fromiter((bool(p.emails) for p in people), dtype=bool, count=len(people))
        single = np.fromiter((len(p.emails) == 1 for p in people), dtype=bool, count=len(people))
        parts = [p.emails[0].partition("@") if len(p.emails) == 1 else ("", "", "") for p in people]
        whole = Vocabulary([p.emails[0] if len(p.emails) == 1 else "" for p in people])
        return has, single, whole, Vocabulary([x for x, _, _ in parts]), Vocabulary([d for _, _, d in parts])

    @cached_property
    def place(self) -> tuple[Vocabulary, npt.NDArray[np.bool_], Vocabulary, Vocabulary, Vocabulary]:
        """The street address, whether there is one, the postcode, its first three digits, the city."""
        people = self.people
        return (
            Vocabulary([_street(p.address) if p.address else "" for p in people]),
            np.fromiter((bool(p.address) for p in people), dtype=bool, count=len(people)),
            Vocabulary([p.postcode or "" for p in people]),
            Vocabulary([(p.postcode or "")[:3] for p in people]),
            Vocabulary([p.city.casefold() if p.city else "" for p in people]),
        )


SURNAME, GIVEN = (0.92, 0.8), (0.9, 0.0)  # near and rather near (0: "initial")


def _names(out: Patterns, left: Ints, right: Ints, names: Names, m: int) -> None:
    """Codes of card i: surname at i, given name at m + i. All the word pairs of a chunk are compared in one go."""
    last, first = names.codes[:m], names.codes[m:]
    has_last, has_first = ~names.empty[last], ~names.empty[first]
    both_last = has_last[left] & has_last[right]
    both_first = has_first[left] & has_first[right]
    full = both_last & both_first
    only_last, only_first, idx = (np.flatnonzero(both_last & ~full), np.flatnonzero(both_first & ~full),
                                  np.flatnonzero(full))  # fmt: skip
    a, b = left[idx], right[idx]
    # one of the words missing: compared as written, each on its own; both there: as written and swapped
    parts = [(last[left[only_last]], last[right[only_last]], SURNAME), (first[left[only_first]], first[right[only_first]], GIVEN),
             (last[a], last[b], SURNAME), (first[a], first[b], GIVEN), (last[a], first[b], SURNAME), (first[a], last[b], GIVEN)]  # fmt: skip
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    near = np.concatenate([np.full(len(p[0]), p[2][0]) for p in parts])
    rather = np.concatenate([np.full(len(p[0]), p[2][1]) for p in parts])
    got = np.split(names.levels(x, y, near, rather), np.cumsum([len(p[0]) for p in parts])[:-1])
    out[only_last, 0], out[only_first, 1] = got[0], got[1]
    s_last, s_first, w_last, w_first = got[2:]
    straight = s_last.astype(np.int64) + s_first
    swapped = w_last.astype(np.int64) + w_first
    take = (straight > 1) & (swapped < straight)
    out[idx, 0] = np.where(take, w_last, s_last)
    out[idx, 1] = np.where(take, w_first, s_first)


def _middle(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    keys = cards.middle
    has = keys.words[keys.codes] != ""
    idx = np.flatnonzero(has[left] & has[right])
    x, y = keys.codes[left[idx]], keys.codes[right[idx]]
    levels = np.where(_pair_similarity(keys.words, x, y) >= 0.9, 1, 2).astype(np.int8)
    levels[x == y] = 0
    out[idx, 2] = levels


def _digits(people: Sequence[Person]) -> npt.NDArray[np.int8]:
    """Each card's birth date as its eight digits YYYYMMDD (-1 without one)."""
    out = np.full((len(people), 8), -1, dtype=np.int8)
    for i, p in enumerate(people):
        if p.birth_date:
            out[i] = [int(c) for c in comparisons.date_digits(p.birth_date)]
    return out


def one_edit(x: npt.NDArray[np.int8], y: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Damerau–Levenshtein distance of at most one between rows of equal-length digit strings: one digit replaced,
    or two neighbours swapped (an insertion and a deletion make two)."""
    differ = x != y
    count = differ.sum(axis=1)
    swapped = np.zeros(len(x), dtype=bool)
    for i in range(x.shape[1] - 1):
        swapped |= differ[:, i] & differ[:, i + 1] & (x[:, i] == y[:, i + 1]) & (x[:, i + 1] == y[:, i])
    return (count <= 1) | ((count == 2) & swapped)  # type: ignore[no-any-return]


def _birth(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    digits = cards.digits
    has = digits[:, 0] >= 0
    idx = np.flatnonzero(has[left] & has[right])
    x, y = digits[left[idx]], digits[right[idx]]
    year = (x[:, :4] == y[:, :4]).all(axis=1)
    same = year & (x[:, 4:] == y[:, 4:]).all(axis=1)
    swapped = year & (x[:, 4:6] == y[:, 6:]).all(axis=1) & (x[:, 6:] == y[:, 4:6]).all(axis=1) & ~same
    levels = np.full(len(idx), 4, dtype=np.int8)
    levels[year] = 3
    levels[one_edit(x, y)] = 2
    levels[swapped] = 1
    levels[same] = 0
    out[idx, 3] = levels


def _rest(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    gender = cards.gender
    has = gender.words[gender.codes] != ""
    idx = np.flatnonzero(has[left] & has[right])
    out[idx, 4] = np.where(gender.codes[left[idx]] == gender.codes[right[idx]], 0, 1)
    _phones(out, cards, left, right)
    _emails(out, cards, left, right)
    _place(out, cards, left, right)


def _phones(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    """Cards of one phone (the most) as arrays of its last ten digits; the others pair by pair."""
    people = cards.people
    has, simple, digits, whole = cards.phones
    both = has[left] & has[right]
    fast = np.flatnonzero(both & simple[left] & simple[right])
    a, b = left[fast], right[fast]
    levels = np.where(one_edit(digits[a], digits[b]), 1, 2).astype(np.int8)
    levels[whole.codes[a] == whole.codes[b]] = 0
    out[fast, 5] = levels
    for k in np.flatnonzero(both & ~(simple[left] & simple[right])).tolist():
        out[k, 5] = _phone(people[left[k]], people[right[k]])


def _emails(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    """Cards of one e-mail as codes of the address, its mailbox name and its domain; only a pair at one domain with
    mailbox names of near lengths is looked at closer (a letter apart?), and cards of several e-mails pair by pair."""
    people = cards.people
    has, single, whole, local, domain = cards.emails
    both = has[left] & has[right]
    fast = np.flatnonzero(both & single[left] & single[right])
    a, b = left[fast], right[fast]
    la, lb = local.codes[a], local.codes[b]
    levels = np.full(len(fast), 3, dtype=np.int8)
    levels[(la == lb) & (local.lengths[la] >= 4)] = 2
    levels[whole.codes[a] == whole.codes[b]] = 0
    closer = (levels == 3) & (domain.codes[a] == domain.codes[b])
    closer &= np.abs(local.lengths[la] - local.lengths[lb]) <= 1
    out[fast, 6] = levels
    for k in np.concatenate([fast[closer], np.flatnonzero(both & ~(single[left] & single[right]))]).tolist():
        out[k, 6] = _email(people[left[k]], people[right[k]])


def _place(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    street, has_street, post, area, city = cards.place
    n = len(left)
    levels = np.full(n, NULL, dtype=np.int8)
    decided = np.zeros(n, dtype=bool)
    both_street = has_street[left] & has_street[right]
    idx = np.flatnonzero(both_street)
    if len(idx):
        x, y = street.codes[left[idx]], street.codes[right[idx]]
        ux, uy, inverse = _distinct_pairs(x, y)
        ratio = process.cpdist(street.words[ux], street.words[uy], scorer=fuzz.token_sort_ratio, workers=-1,
                               dtype=np.float64)  # fmt: skip
        near = ratio[inverse] >= 90
        same = x == y
        levels[idx[near]] = 1
        levels[idx[same]] = 0
        decided[idx[near | same]] = True
    has_post = post.words[post.codes] != ""
    px, py = post.codes[left], post.codes[right]
    both_post = has_post[left] & has_post[right]
    same_post = both_post & (px == py) & ~decided
    near_post = both_post & (area.codes[left] == area.codes[right]) & (px != py) & ~decided
    levels[same_post], levels[near_post] = 2, 3
    decided |= same_post | near_post
    has_city = city.words[city.codes] != ""
    cx, cy = city.codes[left], city.codes[right]
    both_city = has_city[left] & has_city[right] & ~decided
    levels[both_city] = np.where(cx[both_city] == cy[both_city], 4, 5)
    decided |= both_city
    rest = ~decided & (both_post | both_street)
    levels[rest] = 5
    out[:, 7] = levels
