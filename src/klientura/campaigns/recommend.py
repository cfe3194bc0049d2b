"""Products to suggest in a message, from the customer's own purchases: what customers who bought the same things
also bought (item-to-item co-occurrence, as in Amazon's 2003 paper), normalised by the products' popularity
(cosine: a bestseller bought by everyone is not "similar" to everything), without what the customer has already
bought; a customer with no purchases gets the most popular products.

The model — each product's most similar products, counted over distinct customers of every completed order — is a
sparse matrix built in SciPy (``B.T @ B`` of the customer-by-product purchase matrix) and kept by the process until
the orders change (a new, cancelled or returned order); a customer's score for a product is the sum of its
similarities to what the customer bought, the scores of many customers one sparse product at a time. Each product
keeps its :data:`NEIGHBOURS` most similar products (the usual item-kNN pruning: a catalogue of 50,000 products
stays a few megabytes).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from klientura.catalog import products_by_id
from klientura.db import Session, memos_of
from klientura.orders import Ints, all_purchases, purchases_of, purchases_stamp

if TYPE_CHECKING:
    from scipy import sparse

NEIGHBOURS = 100
CELLS = 4_000_000  # scores held at a time (customers x products): 32 MB
FEW = 5_000  # up to this many customers their baskets are looked up by id, beyond it read with everyone's
FRESH = 3600.0  # seconds a model that took a second or more to build serves while orders come in


@dataclass(frozen=True)
class Model:
    products: Ints  # column -> product id, ascending
    popular: Ints  # columns, most bought first (ties: the smaller id)
    similar: sparse.csr_matrix  # column x column: cosine of the customers who bought both; no diagonal


@dataclass(frozen=True)
class _Built:
    stamp: tuple[Any, ...]
    model: Model
    seconds: float
    at: float


def _fit(cids: Ints, pids: Ints) -> Model:
    from scipy import sparse  # on first use: scipy.sparse is ~45 MB that most processes never need

    products, col = np.unique(pids, return_inverse=True)
    _, row = np.unique(cids, return_inverse=True)
    bought = sparse.csr_matrix(
        (np.ones(len(col), np.float64), (row, col)), shape=(int(row.max(initial=-1)) + 1, len(products))
    )
    buyers = np.asarray(bought.sum(axis=0)).ravel()
    together = (bought.T @ bought).tocoo()
    off = together.row != together.col
    r, c, n = together.row[off], together.col[off], together.data[off]
    cosine = n / np.sqrt(buyers[r] * buyers[c])
    keep = _top(r, c, cosine, NEIGHBOURS)
    similar = sparse.csr_matrix((cosine[keep], (r[keep], c[keep])), shape=(len(products), len(products)))
    popular = np.lexsort((products, -buyers))
    return Model(products.astype(np.int64), popular.astype(np.int64), similar)


def _top(rows: npt.NDArray[Any], cols: npt.NDArray[Any], scores: npt.NDArray[np.float64], k: int) -> npt.NDArray[Any]:
    """Indices of each row's ``k`` best entries, best first, ties to the smaller column; rows ascending."""
    order = np.lexsort((cols, -scores, rows))
    ranked = rows[order]
    rank = np.arange(len(ranked)) - np.searchsorted(ranked, ranked, side="left")
    return order[rank < k]


def model(session: Session, pairs: tuple[Ints, Ints] | None = None) -> Model:
    """The model of this store, kept in the memos of the app or worker that made the session, rebuilt when orders
    have come in since — at most hourly when it takes a second or more to build (the co-purchases of a large base barely move in an hour; each customer's own basket is
    always read afresh). ``pairs``: everyone's purchases, when the caller has just read them."""
    stamp = purchases_stamp(session)
    where = str(session.get_bind().engine.url)
    memo = memos_of(session).of("campaigns.recommend", limit=8)
    known: _Built | None = memo.get(where)
    if known is not None and (known.stamp == stamp or (known.seconds >= 1 and time.monotonic() - known.at < FRESH)):
        return known.model
    started = time.perf_counter()
    built = _fit(*(pairs if pairs is not None else all_purchases(session)))
    memo.put(where, _Built(stamp, built, time.perf_counter() - started, time.monotonic()))
    return built


def recommend(session: Session, customer_ids: Sequence[int], k: int = 3) -> dict[int, list[dict[str, Any]]]:
    """Up to ``k`` products for each customer, best first: {customer: [{sku, name, price}]}."""
    asked = np.unique(np.asarray(customer_ids, dtype=np.int64))
    if len(asked) <= FEW:
        m = model(session)
        cids, pids = purchases_of(session, asked.tolist())
    else:
        cids, pids = all_purchases(session)
        m = model(session, (cids, pids))
    chosen = pick(m, cids, pids, asked, k)
    wanted = sorted({p for ranked in chosen for p in ranked})
    info = {
        p.id: {"sku": p.sku, "name": p.name, "price": None if p.price is None else str(p.price)}
        for p in products_by_id(session, wanted).values()
    }
    return {cid: [info[p] for p in ranked if p in info] for cid, ranked in zip(asked.tolist(), chosen, strict=True)}


def pick(m: Model, cids: Ints, pids: Ints, asked: Ints, k: int) -> list[list[int]]:
    """Up to ``k`` product ids for each of ``asked`` (ascending), whose purchases are the pairs (``cids``, ``pids``)."""
    from scipy import sparse

    known = np.isin(cids, asked) & np.isin(pids, m.products)
    row = np.searchsorted(asked, cids[known])
    own = sparse.csr_matrix(
        (np.ones(int(known.sum())), (row, np.searchsorted(m.products, pids[known]))),
        shape=(len(asked), len(m.products)),
    )
    picks: list[list[int]] = []
    step = max(1, CELLS // max(1, len(m.products)))
    similar = m.similar.toarray() if len(m.products) ** 2 <= CELLS else m.similar  # sparse @ dense is the faster
    for lo in range(0, len(asked), step):
        mine = own[lo : lo + step]
        product = mine @ similar
        scores = product if isinstance(product, np.ndarray) else product.toarray()
        scores[np.repeat(np.arange(mine.shape[0]), np.diff(mine.indptr)), mine.indices] = 0  # not what they have
        if scores.shape[1] > k:  # the k-th best score of each row: what is below it is out, what ties it is in
            kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
            rows, cols = np.nonzero((scores >= kth[:, None]) & (scores > 0))
        else:
            rows, cols = np.nonzero(scores > 0)
        best = _top(rows, cols, scores[rows, cols], k)
        rows = rows[best]
        bounds, chosen = np.searchsorted(rows, np.arange(mine.shape[0] + 1)).tolist(), cols[best].tolist()
        picks += [chosen[bounds[i] : bounds[i + 1]] for i in range(mine.shape[0])]
    top = m.popular[: k + NEIGHBOURS].tolist()
    for i, ranked in enumerate(picks):
        if len(ranked) < k:  # topped up with the most popular products they do not have
            have = set(own.indices[own.indptr[i] : own.indptr[i + 1]].tolist()) | set(ranked)
            source = top if len(have) <= NEIGHBOURS else m.popular.tolist()
            ranked += [p for p in source if p not in have][: k - len(ranked)]
    products = m.products.tolist()
    return [[products[c] for c in ranked] for ranked in picks]
