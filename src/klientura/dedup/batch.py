"""The comparisons of :mod:`klientura.dedup.comparisons` for many pairs at once: the same levels, computed with
numpy and rapidfuzz's pairwise kernels (``process.cpdist``: C++, on every core) instead of a Python call per pair.
The per-pair functions stay the definition; a test holds the two equal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from klientura.dedup.cards import Cards, Names, Strings
from klientura.dedup.comparisons import COMPARISONS, _email, _phone
from klientura.dedup.fs_model import NULL, Patterns
from klientura.dedup.scoring import Person

Ints = npt.NDArray[np.signedinteger[Any]]  # int64, or a column's int32 codes


def _similarity(x: Strings, y: Strings) -> npt.NDArray[np.float64]:
    if not len(x):
        return np.zeros(0)
    got: npt.NDArray[np.float64] = process.cpdist(x, y, scorer=JaroWinkler.similarity, workers=-1, dtype=np.float64)
    return got


def _distinct_pairs(x: Ints, y: Ints) -> tuple[Ints, Ints, Ints]:
    """The distinct (x, y) code pairs and, for each pair, the index of its distinct one."""
    if not len(x):
        return x, y, np.zeros(0, dtype=np.int64)
    found, inverse = np.unique(x.astype(np.int64) << 32 | y, return_inverse=True)
    return found >> 32, found & 0xFFFFFFFF, inverse.ravel()


def _pair_similarity(words: Strings, x: Ints, y: Ints) -> npt.NDArray[np.float64]:
    """Jaro–Winkler of words[x] and words[y] (1 where the codes are equal, not compared)."""
    out = np.ones(len(x))
    apart = np.flatnonzero(x != y)
    out[apart] = _similarity(words[x[apart]], words[y[apart]])
    return out


def word_levels(names: Names, x: Ints, y: Ints, near: npt.NDArray[np.float64], rather: npt.NDArray[np.float64]
                ) -> npt.NDArray[np.int8]:  # fmt: skip
    """``comparisons._word`` of the name codes x and y (both words present), with each pair's ``near`` and
    ``rather`` (0: a given name's "initial" instead of "rather near")."""
    out = np.full(len(x), 4, dtype=np.int8)
    same_key, same = names.key[x] == names.key[y], names.raw[x] == names.raw[y]
    out[same_key] = 1
    out[same] = 0
    # two different common names are "else" (Инна and Нина: two names, not a typo): compared no further
    d = np.flatnonzero(~(same_key | same | (names.known[x] & names.known[y])))
    found, inverse = np.unique(x[d].astype(np.int64) << 32 | y[d], return_inverse=True)
    ux, uy = found >> 32, found & 0xFFFFFFFF
    similarity = np.maximum(_similarity(names.key_words[ux], names.key_words[uy]),
                            _similarity(names.raw_words[ux], names.raw_words[uy]))  # fmt: skip
    short = np.minimum(names.lengths[ux], names.lengths[uy])
    typo = np.zeros(len(ux), dtype=bool)
    maybe = np.flatnonzero(short >= 4)
    if len(maybe):  # one typo apart: Jaro–Winkler finds "Ruth" and "Runh" far apart
        distance = process.cpdist(names.raw_words[ux[maybe]], names.raw_words[uy[maybe]],
                                  scorer=DamerauLevenshtein.distance, workers=-1)  # fmt: skip
        typo[maybe] = distance <= 1
    inverse = inverse.ravel()
    similarity, typo, xd, yd = similarity[inverse], typo[inverse], x[d], y[d]
    near, rather = near[d], rather[d]
    initial = ((names.lengths[xd] == 1) | (names.lengths[yd] == 1)) & (names.first[xd] == names.first[yd])
    got = np.full(len(d), 4, dtype=np.int8)
    got[np.where(rather > 0, similarity >= rather, initial)] = 3
    got[(similarity >= near) | typo] = 2
    out[d] = got
    return out


def patterns_for(people: Sequence[Person], left: Ints, right: Ints) -> Patterns:
    """The levels of the pairs (people[left[k]], people[right[k]]), one row a pair."""
    return patterns(Cards.of(people), left << 32 | right)


def patterns(cards: Cards, packed: Ints, chunk: int = 1 << 19) -> Patterns:
    """The levels of the pairs ``i << 32 | j`` of ``cards``, one row a pair, compared a chunk of pairs at a time (the
    intermediate arrays of a chunk are all the memory a comparison of millions of pairs takes beyond its result)."""
    out = np.full((len(packed), len(COMPARISONS)), NULL, dtype=np.int8)
    for start in range(0, len(packed), chunk):
        part = packed[start : start + chunk]
        chunk_patterns(cards, part >> 32, part & 0xFFFFFFFF, out[start : start + chunk])
    return out


def chunk_patterns(cards: Cards, a: Ints, b: Ints, out: Patterns) -> None:
    """The levels of the pairs (a[k], b[k]) into ``out``."""
    _names(out, a, b, cards.names, len(cards))
    _middle(out, cards, a, b)
    _birth(out, cards, a, b)
    _rest(out, cards, a, b)


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
    got = np.split(word_levels(names, x, y, near, rather), np.cumsum([len(p[0]) for p in parts])[:-1])
    out[only_last, 0], out[only_first, 1] = got[0], got[1]
    s_last, s_first, w_last, w_first = got[2:]
    straight = s_last.astype(np.int64) + s_first
    swapped = w_last.astype(np.int64) + w_first
    take = (straight > 1) & (swapped < straight)
    out[idx, 0] = np.where(take, w_last, s_last)
    out[idx, 1] = np.where(take, w_first, s_first)


def _middle(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    keys = cards.middle
    has = ~keys.empty
    idx = np.flatnonzero(has[left] & has[right])
    x, y = keys.codes[left[idx]], keys.codes[right[idx]]
    levels = np.where(_pair_similarity(keys.words, x, y) >= 0.9, 1, 2).astype(np.int8)
    levels[x == y] = 0
    out[idx, 2] = levels


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
    digits, day = cards.birth_digits, cards.birth_day
    has = day >= 0
    idx = np.flatnonzero(has[left] & has[right])
    x, y = digits[left[idx]], digits[right[idx]]
    dx, dy = day[left[idx]], day[right[idx]]
    year = dx // 10000 == dy // 10000
    same = dx == dy
    swapped = year & (dx % 100 == dy // 100 % 100) & (dx // 100 % 100 == dy % 100) & ~same
    levels = np.full(len(idx), 4, dtype=np.int8)
    levels[year] = 3
    levels[one_edit(x, y)] = 2
    levels[swapped] = 1
    levels[same] = 0
    out[idx, 3] = levels


def _rest(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    gender = cards.gender
    has = ~gender.empty
    idx = np.flatnonzero(has[left] & has[right])
    out[idx, 4] = np.where(gender.codes[left[idx]] == gender.codes[right[idx]], 0, 1)
    _phones(out, cards, left, right)
    _emails(out, cards, left, right)
    _place(out, cards, left, right)


def _phones(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    """Cards of one phone (the most) as arrays of its last ten digits; the others pair by pair."""
    has, single = cards.phones.has, cards.phones.single
    simple, digits = cards.phone_digits
    both = has[left] & has[right]
    fast = np.flatnonzero(both & simple[left] & simple[right])
    a, b = left[fast], right[fast]
    levels = np.where(one_edit(digits[a], digits[b]), 1, 2).astype(np.int8)
    levels[single[a] == single[b]] = 0
    out[fast, 5] = levels
    for k in np.flatnonzero(both & ~(simple[left] & simple[right])).tolist():
        out[k, 5] = _phone(cards.contacts_of(int(left[k])), cards.contacts_of(int(right[k])))


def _emails(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    """Cards of one e-mail as codes of the address, its mailbox name and its domain; only a pair at one domain with
    mailbox names of near lengths is looked at closer (a letter apart?), and cards of several e-mails pair by pair."""
    has, whole, single = cards.emails.has, cards.emails.single, cards.emails.one
    local, domain = cards.mail
    both = has[left] & has[right]
    fast = np.flatnonzero(both & single[left] & single[right])
    a, b = left[fast], right[fast]
    la, lb = local.codes[a], local.codes[b]
    levels = np.full(len(fast), 3, dtype=np.int8)
    levels[(la == lb) & (local.lengths[la] >= 4)] = 2
    levels[whole[a] == whole[b]] = 0
    closer = (levels == 3) & (domain.codes[a] == domain.codes[b])
    closer &= np.abs(local.lengths[la] - local.lengths[lb]) <= 1
    out[fast, 6] = levels
    near = fast[closer]  # one edit apart? (at one domain the addresses are as far apart as their mailbox names)
    ux, uy, inverse = _distinct_pairs(whole[left[near]], whole[right[near]])
    words = cards.emails.words
    apart = process.cpdist(words[ux], words[uy], scorer=DamerauLevenshtein.distance, workers=-1)[inverse]
    for k in np.concatenate([near[apart == 1], np.flatnonzero(both & ~(single[left] & single[right]))]).tolist():
        out[k, 6] = _email(cards.contacts_of(int(left[k])), cards.contacts_of(int(right[k])))


def _place(out: Patterns, cards: Cards, left: Ints, right: Ints) -> None:
    street, has_street, post, area, city = cards.street, cards.has_street, cards.post, cards.area, cards.city
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
    has_post = ~post.empty
    px, py = post.codes[left], post.codes[right]
    both_post = has_post[left] & has_post[right]
    same_post = both_post & (px == py) & ~decided
    near_post = both_post & (area.codes[left] == area.codes[right]) & (px != py) & ~decided
    levels[same_post], levels[near_post] = 2, 3
    decided |= same_post | near_post
    has_city = ~city.empty
    cx, cy = city.codes[left], city.codes[right]
    both_city = has_city[left] & has_city[right] & ~decided
    levels[both_city] = np.where(cx[both_city] == cy[both_city], 4, 5)
    decided |= both_city
    rest = ~decided & (both_post | both_street)
    levels[rest] = 5
    out[:, 7] = levels
