"""Blocking keys as 64-bit numbers made from the cards' columns (:mod:`klientura.dedup.cards`) with numpy: no string
per card and key. Each key mixes its parts (a rule's number first) into one number; two different keys sharing a
number can only add a candidate pair, which the model then judges like any other. The rules themselves are described
in :mod:`klientura.dedup.learning`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from klientura.dedup.cards import Cards, Strings, Vocabulary

Ints = npt.NDArray[np.signedinteger[Any]]  # int64, or a column's int32 codes
Keys = tuple[Ints, Ints]  # (key, card index) rows
Parts = list[Keys] | Iterator[Keys]  # a rule's keys in parts no key spans
MAX_BLOCK = 20
WINDOW = 8  # in a block larger than MAX_BLOCK, each card meets its next WINDOW neighbours by name and birth date
_MUL = np.uint64(0x9E3779B97F4A7C15)
_BASE = 1_000_003  # the mailbox names' polynomial hash
_LONG = 40  # mailbox names longer than this (hardly a person's) are keyed whole only


def mix(*parts: Ints | int) -> Ints:
    """One 64-bit number of the parts (arrays of one length, or numbers)."""
    size = max(len(p) for p in parts if isinstance(p, np.ndarray))
    h = np.full(size, 0x632BE59BD9B4E019, dtype=np.uint64)
    for part in parts:
        value = part.astype(np.uint64) if isinstance(part, np.ndarray) else np.uint64(part % (1 << 64))
        h ^= value
        h *= _MUL
        h ^= h >> np.uint64(29)
    return h.view(np.int64)


class Columns:
    """What the keys read of each card, once: its names' key codes (in the keys' order), their first letters and
    first two letters, and its birth date's year, month and day."""

    def __init__(self, cards: Cards) -> None:
        self.last, self.first = cards.key_codes()
        keys = cards.names.keys
        self.has_last, self.has_first = keys.lengths[self.last] > 0, keys.lengths[self.first] > 0
        self.both = self.has_last & self.has_first
        self.initial_last, self.initial_first = keys.first[self.last], keys.first[self.first]
        prefix = Vocabulary(str(w)[:2] for w in keys.words).codes
        self.two_last, self.two_first = prefix[self.last], prefix[self.first]
        self.low, self.high = np.minimum(self.last, self.first), np.maximum(self.last, self.first)
        day = cards.birth_day
        self.born = day >= 0
        self.year, self.month, self.day = day // 10000, day // 100 % 100, day % 100


def _rows(*parts: tuple[npt.NDArray[np.bool_], Ints]) -> Parts:
    """(key, card) rows of the cards each mask keeps, as one part."""
    keys = [key[mask] for mask, key in parts]
    ids = [np.flatnonzero(mask) for mask, _key in parts]
    return [
        (np.concatenate(keys or [np.zeros(0, dtype=np.int64)]), np.concatenate(ids or [np.zeros(0, dtype=np.int64)]))
    ]


def birth(cards: Cards, c: Columns) -> Parts:
    """The birth date, its day and month in either order (a swap still meets), with the initial of either name word
    (a base of a million holds fifty cards a day: the date alone would pair them all)."""
    low, high = np.minimum(c.month, c.day), np.maximum(c.month, c.day)
    return _rows((c.born & c.has_last, mix(1, c.year, low, high, c.initial_last)),
                 (c.born & c.has_first, mix(1, c.year, low, high, c.initial_first)),
                 (c.born & ~c.has_last & ~c.has_first, mix(1, c.year, low, high, 0)))  # fmt: skip


def word_and_initial(cards: Cards, c: Columns) -> Parts:
    """Each name word with the other's initial — as written and swapped, so a surname typed as the given name
    still meets."""
    return _rows((c.both, mix(2, c.last, c.initial_first)), (c.both, mix(2, c.first, c.initial_last)))


def names_and_place(cards: Cards, c: Columns) -> Parts:
    """Both name words (in either order) and the place — the postcode, else the city: a common name's namesakes
    split by where they live."""
    post, city = ~cards.post.empty, ~cards.city.empty
    return _rows((c.both & post, mix(3, c.low, c.high, 0, cards.post.codes)),
                 (c.both & ~post & city, mix(3, c.low, c.high, 1, cards.city.codes)))  # fmt: skip


def postcode(cards: Cards, c: Columns) -> Parts:
    post = c.both & ~cards.post.empty
    return _rows((post, mix(4, cards.post.codes, c.initial_last)), (post, mix(4, cards.post.codes, c.initial_first)))


def address(cards: Cards, c: Columns) -> Parts:
    """The street address's house number and the street's first letters, with a name's initial."""
    house = c.both & ~cards.house.empty
    return _rows((house, mix(5, cards.house.codes, c.initial_last)),
                 (house, mix(5, cards.house.codes, c.initial_first)))  # fmt: skip


def month(cards: Cards, c: Columns) -> Parts:
    """The birth year and month with a name word's first two letters and the other's initial (a typo in the day
    still meets)."""
    known = c.both & c.born
    ym = c.year * 100 + c.month
    return _rows((known, mix(6, ym, c.two_last, c.initial_first)), (known, mix(6, ym, c.two_first, c.initial_last)))


def phones(cards: Cards, c: Columns) -> Parts:
    """The phone's last ten digits with each digit in turn masked (ten keys a card): two phones one digit apart share
    exactly one of them, and different people's phones almost never do. A part per masked digit (their keys differ
    in the last digit): ten million keys are never held at once."""
    simple, digits = cards.phone_digits
    ids = np.flatnonzero(simple)
    powers = 10 ** np.arange(9, -1, -1, dtype=np.int64)
    number = digits[ids].astype(np.int64) @ powers
    return (((number - digits[ids, i].astype(np.int64) * powers[i]) * 10 + i, ids) for i in range(10))


def mailbox(cards: Cards, c: Columns) -> Parts:
    """The e-mail's mailbox name (the same one on another domain) and, from six letters, the name with each letter
    left out in turn: two names a letter apart (one dropped, doubled or mistyped) share one of them."""
    words = cards.emails.words
    email, key = _mailbox_keys(words)
    owner, code = cards.emails.cards, cards.emails.codes
    if len(np.unique(code)) == len(code):  # an e-mail is one card's (the store's identities): its owner by its code
        owner_of = np.full(len(words), -1, dtype=np.int32)
        owner_of[code] = owner
        ids = owner_of[email]
        del email
        kept = ids >= 0
        return [(key, ids) if kept.all() else (key[kept], ids[kept])]
    order = np.argsort(email, kind="stable")
    email, key = email[order], key[order]
    count = np.bincount(email, minlength=len(words))
    start = np.cumsum(count) - count
    per = count[code]
    before = np.cumsum(per) - per
    at = np.repeat(start[code] - before, per) + np.arange(int(per.sum()))
    return [(key[at], np.repeat(owner, per))]


def _mailbox_keys(emails: Strings, chunk: int = 65_536) -> Keys:
    """(the e-mail's index, key) for each mailbox name of four letters or more and, from six, each of its one-letter
    deletions: a polynomial hash of the letters, Σ c_t·B^t, so the deletion at i is the prefix's sum plus the rest's
    shifted down a power — every deletion of every name from a few array operations, written into arrays made once
    (ten million keys at a million e-mails: never held twice). The e-mails' indices as int32."""
    lengths = np.fromiter((str(w).find("@") % (len(str(w)) + 1) for w in emails), dtype=np.int64, count=len(emails))
    short = np.flatnonzero((lengths >= 4) & (lengths <= _LONG))
    long_ = np.flatnonzero(lengths > _LONG)
    size = len(short) + len(long_) + int(np.where(lengths[short] >= 6, lengths[short], 0).sum())
    email, key = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int64)
    email[: len(long_)] = long_
    names = [str(emails[k]).partition("@")[0] for k in long_.tolist()]
    key[: len(long_)] = mix(7, np.array([hash(w) for w in names], dtype=np.int64), lengths[long_] + 1000)
    filled = len(long_)
    width = int(lengths[short].max()) if len(short) else 0
    powers = np.array([pow(_BASE, t, 1 << 64) for t in range(width + 1)], dtype=np.uint64)
    for begin in range(0, len(short), chunk):
        rows = short[begin : begin + chunk]
        letters = np.array([str(emails[k]).partition("@")[0] for k in rows.tolist()], dtype=f"U{width}").view(np.uint32)
        letters = letters.reshape(len(rows), width).astype(np.uint64)
        prefix = np.zeros((len(rows), width + 1), dtype=np.uint64)  # prefix[:, i]: Σ_{t<i} c_t B^t
        np.cumsum(letters * powers[:width], axis=1, out=prefix[:, 1:])
        shifted = np.zeros((len(rows), width + 1), dtype=np.uint64)  # shifted[:, k]: Σ_{t≥k} c_t B^(t-1)
        if width > 1:
            tail = letters[:, 1:] * powers[: width - 1]
            shifted[:, 1:width] = np.cumsum(tail[:, ::-1], axis=1)[:, ::-1]
        n = lengths[rows]
        parts = [(rows, mix(7, prefix[np.arange(len(rows)), n].view(np.int64), n))]
        for i in range(width):
            keep = (n >= 6) & (i < n)
            if keep.any():
                parts.append((rows[keep], mix(7, (prefix[keep, i] + shifted[keep, i + 1]).view(np.int64), n[keep] - 1)))
        for which, made in parts:
            email[filled : filled + len(which)], key[filled : filled + len(which)] = which, made
            filled += len(which)
    return email, key


def same_birth_date(cards: Cards, c: Columns) -> Parts:
    return _rows(
        (c.born, mix(8, cards.birth_day)),
    )


def same_name(cards: Cards, c: Columns) -> Parts:
    return _rows(
        (c.both, mix(9, c.low, c.high)),
    )


Rule = Callable[[Cards, Columns], Parts]


def pairs(made: Parts, rank: Ints | None = None) -> Ints:
    """:func:`paired` of each part of a rule's keys, merged."""
    every = np.zeros(0, dtype=np.int64)
    for keys, ids in made:
        every = merge(every, paired(keys, ids, rank=rank))
    return every


class Rows:
    """Sorted packed pairs (``i << 32 | j``) kept as each first card's row of partners: ``partners[starts[i] :
    starts[i + 1]]`` are the ``j`` card ``i`` meets, ascending — four bytes a pair instead of eight (a million demo
    cards' rules hold 24M pairs: 0.19 GB packed)."""

    def __init__(self, packed: Ints, cards: int) -> None:
        self.starts = np.searchsorted(packed, np.arange(cards + 1, dtype=np.int64) << 32)
        self.starts = self.starts.astype(np.int32 if len(packed) < 1 << 31 else np.int64)
        self.partners = np.empty(len(packed), dtype=np.uint32)
        for begin in range(0, len(packed), PART):  # no int64 copy of them all
            self.partners[begin : begin + PART] = packed[begin : begin + PART] & 0xFFFFFFFF

    def __len__(self) -> int:
        return len(self.partners)

    def between(self, low: int, high: int) -> Ints:
        """The pairs whose first card is in ``[low, high)``, packed and sorted."""
        counts = np.diff(self.starts[low : high + 1])
        first = np.repeat(np.arange(low, high, dtype=np.int64), counts)
        partners = self.partners[int(self.starts[low]) : int(self.starts[high])]
        return first << 32 | partners.astype(np.int64)


def rank_by_name(cards: Cards, c: Columns) -> Ints:
    """Each card's place when the cards are sorted by their name words (in either order) and their birth date: a
    crowded block's neighbours."""
    single = np.where(c.has_last, c.last, np.where(c.has_first, c.first, -1))
    low, high = np.where(c.both, c.low, single), np.where(c.both, c.high, -1)
    order = np.lexsort((cards.birth_day, high, low))
    rank = np.empty(len(cards), dtype=np.int64)
    rank[order] = np.arange(len(cards))
    return rank


PART = 1 << 19  # keys paired at a time: more are split by their value (a block never spans two parts)


def paired(keys: Ints, ids: Ints, max_block: int = MAX_BLOCK, rank: Ints | None = None, window: int = WINDOW) -> Ints:
    """:func:`paired_part` of the keys, a part of at most about :data:`PART` of them at a time (by the key's value:
    a block is never split), the parts' pairs merged: the sorting of ten million keys at once took a gigabyte."""
    parts = -(-len(keys) // PART)
    if parts <= 1:
        return paired_part(keys, ids, max_block, rank, window)
    which = np.empty(len(keys), dtype=np.uint16)
    for begin in range(0, len(keys), PART):  # a part's number for each key, a slice at a time (no copy of the keys)
        which[begin : begin + PART] = keys[begin : begin + PART].view(np.uint64) % np.uint64(parts)
    every = np.zeros(0, dtype=np.int64)
    for part in range(parts):
        at = np.flatnonzero(which == part)
        every = merge(every, paired_part(keys[at], ids[at], max_block, rank, window))
    return every


def merge(every: Ints, more: Ints) -> Ints:
    """Two sorted arrays of distinct pairs as one: the new pairs appended and the two sorted runs merged."""
    if not len(every):
        return more
    at = np.searchsorted(every, more)
    fresh = every[np.minimum(at, len(every) - 1)] != more
    at += np.arange(len(more))  # each new pair's place among both: before it, its own pairs and the old ones
    place = at[fresh] - np.cumsum(~fresh)[fresh]
    out = np.empty(len(every) + len(place), dtype=np.int64)
    old = np.ones(len(out), dtype=bool)
    old[place] = False
    out[place] = more[fresh]
    out[old] = every
    return out


def paired_part(
    keys: Ints, ids: Ints, max_block: int = MAX_BLOCK, rank: Ints | None = None, window: int = WINDOW
) -> Ints:
    """The pairs of cards sharing a key, each once, packed ``i << 32 | j`` (indices, i < j) and sorted: ``keys[k]``
    is a key of card ``ids[k]``. The keys are sorted and each run of equal ones — a block of at most ``max_block``
    cards — paired as arrays, all blocks of one size at a time. A larger block (a common name, a crowded postcode) is
    not paired whole: its cards, in the order of ``rank`` (their names and birth dates sorted, or drawn at random),
    are paired with their next ``window`` neighbours only — or, without ``rank``, left out."""
    order = np.lexsort((ids, ids if rank is None else rank[ids], keys))
    keys, ids = keys[order], ids[order].astype(np.int64)  # (the cards' indices may come as int32)
    if len(keys):  # a card keyed twice alike (both initials the same letter) counts once
        fresh = np.r_[True, (keys[1:] != keys[:-1]) | (ids[1:] != ids[:-1])]
        keys, ids = keys[fresh], ids[fresh]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    found = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes[(sizes > 1) & (sizes <= max_block)]).tolist():
        x, y = np.triu_indices(size, 1)
        every = starts[sizes == size]
        step = max(1, (1 << 20) // len(x))  # blocks expanded at a time: a million pairs' index arrays
        for begin in range(0, len(every), step):
            first = every[begin : begin + step, None]
            a, b = ids[first + x].ravel(), ids[first + y].ravel()
            found.append(np.minimum(a, b) << 32 | np.maximum(a, b))
    if rank is not None and (sizes > max_block).any():  # the sorted neighbourhood of each large block
        block = np.repeat(np.arange(len(starts)), sizes)
        large = np.repeat(sizes > max_block, sizes)
        for step in range(1, window + 1):
            at = np.flatnonzero(large[:-step] & (block[:-step] == block[step:]))
            a, b = ids[at], ids[at + step]
            found.append(np.minimum(a, b) << 32 | np.maximum(a, b))
    packed = np.concatenate(found)
    del found
    packed.sort()
    keep = np.r_[True, packed[1:] != packed[:-1]] if len(packed) else np.zeros(0, dtype=bool)
    keep &= (packed >> 32) != (packed & 0xFFFFFFFF)
    apart: Ints = packed[keep]
    return apart
