"""The comparisons of :mod:`klientura.dedup.comparisons` for many pairs at once: the same levels, computed with
numpy and rapidfuzz's pairwise kernels (``process.cpdist``: C++, on every core) instead of a Python call per pair.
The per-pair functions stay the definition; a test holds the two equal."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

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


def _word_levels(
    x_raw: Strings, x_key: Strings, y_raw: Strings, y_key: Strings, near: float, rather: float
) -> npt.NDArray[np.int8]:
    """``comparisons._word`` for arrays (both sides present)."""
    similarity = np.maximum(_similarity(x_key, y_key), _similarity(x_raw, y_raw))
    out = np.full(len(x_raw), 4, dtype=np.int8)
    if rather > 0:
        out[similarity >= rather] = 3
    else:
        lengths_x = np.fromiter((len(v) for v in x_raw), dtype=np.int64, count=len(x_raw))
        lengths_y = np.fromiter((len(v) for v in y_raw), dtype=np.int64, count=len(y_raw))
        initial = np.fromiter(
            ((a.startswith(b) if len(b) == 1 else b.startswith(a) if len(a) == 1 else False)
             for a, b in zip(x_raw, y_raw, strict=True)), dtype=bool, count=len(x_raw)
        )  # fmt: skip
        out[initial & ((lengths_x == 1) | (lengths_y == 1))] = 3
    out[similarity >= near] = 2
    out[x_key == y_key] = 1
    out[x_raw == y_raw] = 0
    return out


def patterns_for(people: Sequence[Person], left: Ints, right: Ints) -> Patterns:
    """The levels of the pairs (people[left[k]], people[right[k]]), one row a pair."""
    n = len(left)
    out = np.full((n, len(COMPARISONS)), NULL, dtype=np.int8)
    if n == 0:
        return out
    raw_last = _column([(p.last_name or "").casefold().strip(" .") for p in people])
    raw_first = _column([(p.first_name or "").casefold().strip(" .") for p in people])
    key_last = _column([p.last_key for p in people])
    key_first = _column([p.first_key for p in people])
    _names(out, left, right, raw_last, raw_first, key_last, key_first)
    _middle(out, people, left, right)
    _birth(out, people, left, right)
    _rest(out, people, left, right)
    return out


def _names(out: Patterns, left: Ints, right: Ints, raw_last: Strings, raw_first: Strings, key_last: Strings,
           key_first: Strings) -> None:  # fmt: skip
    has_last = key_last != ""
    has_first = key_first != ""
    both_last = has_last[left] & has_last[right]
    both_first = has_first[left] & has_first[right]
    full = both_last & both_first & has_first[left] & has_last[left] & has_first[right] & has_last[right]
    # one of the words missing: compared as written, each on its own
    idx = np.flatnonzero(both_last & ~full)
    out[idx, 0] = _word_levels(raw_last[left[idx]], key_last[left[idx]], raw_last[right[idx]], key_last[right[idx]],
                               0.92, 0.8)  # fmt: skip
    idx = np.flatnonzero(both_first & ~full)
    out[idx, 1] = _word_levels(raw_first[left[idx]], key_first[left[idx]], raw_first[right[idx]],
                               key_first[right[idx]], 0.9, 0)  # fmt: skip
    idx = np.flatnonzero(full)
    a, b = left[idx], right[idx]
    s_last = _word_levels(raw_last[a], key_last[a], raw_last[b], key_last[b], 0.92, 0.8)
    s_first = _word_levels(raw_first[a], key_first[a], raw_first[b], key_first[b], 0.9, 0)
    w_last = _word_levels(raw_last[a], key_last[a], raw_first[b], key_first[b], 0.92, 0.8)
    w_first = _word_levels(raw_first[a], key_first[a], raw_last[b], key_last[b], 0.9, 0)
    straight = s_last.astype(np.int64) + s_first
    swapped = w_last.astype(np.int64) + w_first
    take = (straight > 1) & (swapped < straight)
    out[idx, 0] = np.where(take, w_last, s_last)
    out[idx, 1] = np.where(take, w_first, s_first)


def _middle(out: Patterns, people: Sequence[Person], left: Ints, right: Ints) -> None:
    keys = _column([p.middle_key for p in people])
    has = keys != ""
    idx = np.flatnonzero(has[left] & has[right])
    x, y = keys[left[idx]], keys[right[idx]]
    levels = np.where(_similarity(x, y) >= 0.9, 1, 2).astype(np.int8)
    levels[x == y] = 0
    out[idx, 2] = levels


def _birth(out: Patterns, people: Sequence[Person], left: Ints, right: Ints) -> None:
    texts = _column([p.birth_date.strftime("%Y%m%d") if p.birth_date else "" for p in people])
    has = texts != ""
    idx = np.flatnonzero(has[left] & has[right])
    x, y = texts[left[idx]], texts[right[idx]]
    levels = np.full(len(idx), 4, dtype=np.int8)
    year = np.fromiter((a[:4] == b[:4] for a, b in zip(x, y, strict=True)), dtype=bool, count=len(idx))
    levels[year] = 3
    if len(idx):
        close = process.cpdist(x, y, scorer=DamerauLevenshtein.distance, workers=-1) <= 1
        levels[close] = 2
    swapped = np.fromiter((a[:4] == b[:4] and a[4:6] == b[6:] and a[6:] == b[4:6] and a != b
                           for a, b in zip(x, y, strict=True)), dtype=bool, count=len(idx))  # fmt: skip
    levels[swapped] = 1
    levels[x == y] = 0
    out[idx, 3] = levels


def _rest(out: Patterns, people: Sequence[Person], left: Ints, right: Ints) -> None:
    gender = _column([(p.gender or "").casefold() for p in people])
    has = gender != ""
    idx = np.flatnonzero(has[left] & has[right])
    out[idx, 4] = np.where(gender[left[idx]] == gender[right[idx]], 0, 1)
    contacts = np.fromiter((bool(p.phones or p.emails) for p in people), dtype=bool, count=len(people))
    for k in np.flatnonzero(contacts[left] & contacts[right]):  # few cards have contacts in common: per pair
        a, b = people[left[k]], people[right[k]]
        out[k, 5], out[k, 6] = _phone(a, b), _email(a, b)
    _place(out, people, left, right)


def _place(out: Patterns, people: Sequence[Person], left: Ints, right: Ints) -> None:
    street = _column([_street(p.address) if p.address else "" for p in people])
    has_street = np.fromiter((bool(p.address) for p in people), dtype=bool, count=len(people))
    post = _column([p.postcode or "" for p in people])
    city = _column([p.city.casefold() if p.city else "" for p in people])
    n = len(left)
    levels = np.full(n, NULL, dtype=np.int8)
    decided = np.zeros(n, dtype=bool)
    both_street = has_street[left] & has_street[right]
    idx = np.flatnonzero(both_street)
    if len(idx):
        x, y = street[left[idx]], street[right[idx]]
        near = process.cpdist(x, y, scorer=fuzz.token_sort_ratio, workers=-1, dtype=np.float64) >= 90
        same = x == y
        levels[idx[near]] = 1
        levels[idx[same]] = 0
        decided[idx[near | same]] = True
    both_post = (post[left] != "") & (post[right] != "")
    px, py = post[left], post[right]
    first3 = np.fromiter((a[:3] == b[:3] for a, b in zip(px, py, strict=True)), dtype=bool, count=n)
    same_post = both_post & (px == py) & ~decided
    near_post = both_post & first3 & (px != py) & ~decided
    levels[same_post], levels[near_post] = 2, 3
    decided |= same_post | near_post
    both_city = (city[left] != "") & (city[right] != "") & ~decided
    levels[both_city] = np.where(city[left][both_city] == city[right][both_city], 4, 5)
    decided |= both_city
    rest = ~decided & (both_post | both_street)
    levels[rest] = 5
    out[:, 7] = levels
