"""The till's hot path on PostgreSQL: ``calculate`` in one statement, ``confirm`` in two, on an async connection.

The everyday receipt — a known card or none, points asked or not, no promo code, gift card or referral — is priced
by the same functions as the ORM path (:mod:`.pricing`: :func:`line_amounts`, :func:`points_of`,
:func:`calculation`; :mod:`.ledger`: :func:`take`, :func:`pay_debts`; :func:`klientura.orders.money_of`) over the
state one statement reads: the account and its version, its lots with what remains of each, its debts, the spend
over the tier window, the products' categories, and whether the order, the Idempotency-Key, a pending referral,
the outlet and the channel are known. A second statement writes what :func:`.processing.confirm` writes — the
order with its lines and audit entry, the spend with its allocations, the earn with the debts it pays, the tier
move with its audit entry, the Idempotency-Key — as one chain of data-modifying CTEs, provided the account's
version is still the one read (every transaction that locks the account moves it): else nothing is written and the
state is read again.

Anything else raises :class:`Fallback` before a row is written and the endpoint takes the ORM path, which is the
reference: a code, a gift card or a referral; a card not yet in the base, or a first purchase (the account is
opened with the welcome bonus); a merged card; a manager's confined view; an outlet or a channel seen for the first
time; an order or a key seen before (the ORM path answers with the first result); an account that kept moving.
A concurrent confirm of the same order or key is refused by its unique index (``asyncdb.Duplicate``), and the ORM
path answers. ``tests/loyalty/test_till.py`` runs the same receipts through both paths and compares every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from psycopg.types.json import Jsonb

from klientura.asyncdb import Connection
from klientura.audit import Actor, jsonable
from klientura.auth import owner_scope, require
from klientura.kit.errors import Conflict, KlienturaError
from klientura.kit.identifiers import normalize_identity
from klientura.kit.memo import Memos
from klientura.kit.shop import Shop
from klientura.loyalty.errors import TOO_MANY_POINTS
from klientura.loyalty.holdings import Lot, pay_debts, soonest_first, take, usable_points
from klientura.loyalty.pricing import Calculation, Cart, calculation, line_amounts, points_of
from klientura.loyalty.processing import Confirmation, ConfirmIn
from klientura.loyalty.programme import Programme
from klientura.loyalty.till_sql import STATE, WRITE
from klientura.orders import LineIn, OrderIn, money_of


class Fallback(Exception):
    """This request needs the ORM path; nothing was written."""


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    digest: str  # of the request, as :mod:`klientura.api.idempotency` computes it
    encode: Callable[[Confirmation], dict[str, Any]]  # the body as the API answers it


# the tier window the last request's rules had, in the app's memos: the state statement reads the spend over it, and
# again in the rare request that finds the rules changed to another window
_WINDOW_DAYS = 365


@dataclass
class _State:
    customer_id: int | None
    account_id: int | None
    tier: str | None  # the account's
    version: int | None  # the account's, as read: the write is refused if it moved since
    programme: Programme
    categories: dict[str, int | None]
    product_ids: dict[str, int]
    lots: list[Lot]
    debts: list[tuple[int, int]]
    spend: Decimal
    outlet_id: int | None
    channel_id: int | None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def _programme(conn: Connection, stamp: datetime | None, memos: Memos) -> Programme:
    """The rules per database and stamp of the programme's row, parsed once per change and remembered by the app
    (the stamp is read in the request's transaction, so a change rolled back never reaches the memo)."""
    memo = memos.of("loyalty.till.programme")
    key = (f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}", stamp)
    found = memo.get(key)
    if found is None:
        cur = await conn.execute("SELECT settings FROM loyalty_config WHERE id = 1")
        row = await cur.fetchone()
        found = Programme.model_validate(row[0]) if row else Programme()
        memo.put(key, found)
    return cast(Programme, found)


def _identity(cart: Cart, region: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {"card": None, "phone": None, "email": None}
    if cart.customer_id is None and cart.customer is not None:
        for kind in out:
            raw = getattr(cart.customer, kind)
            if raw:
                try:
                    out[kind] = normalize_identity(kind, raw, region=region)
                except KlienturaError as exc:  # the ORM path words the error
                    raise Fallback from exc
        if not any(out.values()):
            raise Fallback
    return out


async def _state(
    conn: Connection,
    actor: Actor,
    cart: Cart,
    at: datetime,
    *,
    shop: Shop,
    memos: Memos,
    order: tuple[str, str] | None = None,
    idem: IdempotencyKey | None = None,
    outlet: str | None = None,
    channel: str | None = None,
) -> _State:
    """What pricing and confirming need, read in one statement."""
    require(actor, "loyalty:process")
    if cart.code or cart.gift_card or cart.referral_code or owner_scope(actor) is not None:
        raise Fallback
    known_customer = cart.customer_id is not None or cart.customer is not None
    if known_customer:
        require(actor, "customers:read")
    params: dict[str, Any] = {
        "customer": cart.customer_id,
        **_identity(cart, shop.region),
        "at": at,
        "skus": sorted({ln.sku for ln in cart.lines if ln.sku}),
        "source": order[0] if order else None,
        "ext": order[1] if order else None,
        "idem_actor": f"{actor.type}:{actor.id}" if idem else None,
        "idem_key": idem.key if idem else None,
        "outlet": outlet,
        "channel": channel,
    }
    window = memos.of("loyalty.till.window", limit=1)
    guess: int = window.get("days") or _WINDOW_DAYS
    row = await (await conn.execute(STATE, {**params, "since": at - timedelta(days=guess)})).fetchone()
    assert row is not None
    programme = await _programme(conn, row[0], memos)
    if programme.tier_window_days != guess:
        window.put("days", programme.tier_window_days)
        since = at - timedelta(days=programme.tier_window_days)
        row = await (await conn.execute(STATE, {**params, "since": since})).fetchone()
        assert row is not None
    (
        _s,
        products,
        known,
        replay,
        outlet_id,
        channel_id,
        customer_id,
        merged_into,
        account_id,
        tier,
        version,
        lots,
        debts,
        spend,
        referral,
    ) = row
    if known or replay or referral or merged_into is not None:
        raise Fallback
    if known_customer and account_id is None:  # a card not in the base, or its first purchase: the ORM path
        raise Fallback
    if (outlet and outlet_id is None) or (channel and channel_id is None):
        raise Fallback
    return _State(
        customer_id=customer_id,
        account_id=account_id,
        tier=tier,
        version=version,
        programme=programme,
        categories={sku: cat for sku, cat, _id in products or []},
        product_ids={sku: pid for sku, _cat, pid in products or []},
        lots=soonest_first(
            [Lot(i, p, r, datetime.fromisoformat(t), _when(av), _when(ex)) for i, p, r, t, av, ex in lots or []]
        ),
        debts=[(i, int(n)) for i, n in debts or []],
        spend=Decimal(spend),
        outlet_id=outlet_id,
        channel_id=channel_id,
    )


def _price(state: _State, cart: Cart, at: datetime) -> Calculation:
    programme, zero = state.programme, Decimal(0)
    tier, rate = None, zero
    if state.customer_id is not None:
        chosen = programme.tier_for(state.spend)
        tier, rate = chosen.name, chosen.earn_percent
    available = usable_points(state.lots, at) if state.account_id else 0
    cats, amounts, eligible = line_amounts(programme, cart, state.categories)
    promo = [zero] * len(amounts)
    pts = points_of(programme, cart, at, cats, amounts, eligible, promo, available, tier, rate)
    return calculation(cart, state.customer_id, False, tier, available, amounts, eligible, promo, pts)


async def calculate(
    conn: Connection, actor: Actor, cart: Cart, at: datetime, *, shop: Shop, memos: Memos
) -> Calculation:
    """:func:`.pricing.calculate` for the everyday cart, in one statement."""
    return _price(await _state(conn, actor, cart, at, shop=shop, memos=memos), cart, at)


async def confirm(
    conn: Connection, actor: Actor, data: ConfirmIn, idem: IdempotencyKey | None, *, shop: Shop, memos: Memos
) -> Confirmation:
    """:func:`.processing.confirm` for the everyday receipt: the state read in one statement, everything written in
    the next, provided the account has not moved in between (else read again, a few times, then the ORM path with
    its lock). Raises :class:`Fallback` (nothing written) for anything else."""
    require(actor, "orders:write")
    for _attempt in range(RETRIES):
        result = await _confirm_once(conn, actor, data, idem, shop, memos)
        if result is not None:
            return result
    raise Fallback


RETRIES = 3


async def _confirm_once(
    conn: Connection, actor: Actor, data: ConfirmIn, idem: IdempotencyKey | None, shop: Shop, memos: Memos
) -> Confirmation | None:
    at = data.placed_at
    state = await _state(
        conn,
        actor,
        data,
        at,
        shop=shop,
        memos=memos,
        order=(data.source, data.external_id),
        idem=idem,
        outlet=data.outlet.strip() if data.outlet else None,
        channel=data.channel.strip() if data.channel else None,
    )
    calc = _price(state, data, at)
    if data.points > calc.points:
        raise Conflict(TOO_MANY_POINTS, max=calc.max_points, asked=data.points)
    programme = state.programme
    lines = [
        LineIn(sku=ln.sku, qty=ln.qty, price=ln.price, discount=ln.discount + r.discount + r.points)
        for ln, r in zip(data.lines, calc.lines, strict=True)
    ]
    money = money_of(OrderIn(external_id=data.external_id, source=data.source, placed_at=at, lines=lines))
    paid = money.total - money.discount
    spent, earned = (calc.points, calc.earn) if state.account_id else (0, 0)
    takes = take(state.lots, spent, at=at) if spent else []
    paying = pay_debts(state.debts, earned) if earned else []
    usable = at + timedelta(days=programme.activation_days)
    moved_to = programme.tier_for(state.spend + paid).name if state.account_id else None
    result = Confirmation(
        order_id=0,
        external_id=data.external_id,
        customer_id=state.customer_id,
        points_spent=spent,
        points_earned=earned,
        discount=calc.discount,
        gift_card_paid=calc.gift_card_pays,
        to_pay=paid,
    )
    line = [list(column) for column in zip(*money.lines, strict=True)]
    params: dict[str, Any] = {
        "source": data.source,
        "ext": data.external_id,
        "customer": state.customer_id,
        "outlet": state.outlet_id,
        "channel": state.channel_id,
        "at": at,
        "total": money.total,
        "discount": money.discount,
        "paid": paid,
        "spent": spent,
        "earned": earned,
        "now": shop.now(),
        "l_no": line[0],
        "l_product": [state.product_ids.get(sku or "") for sku in line[1]],
        "l_sku": line[1],
        "l_qty": line[2],
        "l_price": line[3],
        "l_discount": line[4],
        "l_amount": line[5],
        "actor_type": actor.type,
        "actor_id": actor.id,
        "author": actor.name,
        "order_after": Jsonb(
            jsonable({"external_id": data.external_id, "customer_id": state.customer_id, "paid": paid})
        ),
        "account": state.account_id,
        "version": state.version,
        "s_lot": [lot for lot, _n in takes],
        "s_n": [n for _lot, n in takes],
        "usable": usable,
        "expires": usable + timedelta(days=programme.expiry_days),
        "d_rev": [r for r, _n in paying],
        "d_n": [n for _r, n in paying],
        "tier": moved_to,
        "tier_moved": moved_to is not None and moved_to != state.tier,
        "tier_before": Jsonb({"tier": state.tier}),
        "tier_after": Jsonb(
            jsonable({"tier": moved_to, "spend": str(state.spend + paid), "customer_id": state.customer_id})
        ),
        "idem_actor": f"{actor.type}:{actor.id}",
        "idem_key": idem.key if idem else None,
        "idem_hash": idem.digest if idem else None,
        "idem_body": Jsonb(idem.encode(result) if idem else {}),
    }
    # a concurrent confirm of the same order or key: its unique index makes this raise asyncdb.Duplicate
    row = await (await conn.execute(WRITE, params)).fetchone()
    if row is None:  # the account moved since it was read
        return None
    result.order_id = row[0]
    return result
