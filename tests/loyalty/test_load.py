"""Under concurrent load on PostgreSQL — 32 clients confirming, retrying and refunding on the same accounts — no
point is created or lost, every order is confirmed once, and a SIGKILL of the server in the middle loses nothing
that was acknowledged (the clients retry with their Idempotency-Keys). The server runs in its own processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from klientura import loyalty
from klientura.audit import SYSTEM
from klientura.auth import SCOPES
from klientura.auth.service import create_api_key
from klientura.catalog import Product
from klientura.db import make_session_factory
from klientura.loyalty.accounts import account_of, find_account
from klientura.orders import Order
from tests import factories
from tests.conftest import free_port, fresh_store
from tests.loyalty.load import Server, Tally, run_load

START = 600  # small: spends compete for the last points of each account (the locks matter)


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, list[int]]]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("concurrent tills are a PostgreSQL matter (SQLite has one writer)")
    with fresh_store("postgresql", tmp_path) as url:
        factory = make_session_factory(url)
        t0 = datetime.now(UTC) - timedelta(days=30)
        with factory() as session:
            session.add_all(
                [
                    Product(sku="SHOE", name="Туфли", price=Decimal(1000)),
                    Product(sku="BAG", name="Сумка", price=Decimal(350)),
                ]
            )
            customers = [factories.customer(session) for _ in range(6)]
            for c in customers:
                loyalty.earn(
                    session, account_of(session, c).id, START, at=t0, author="seed", expires_at=t0 + timedelta(days=400)
                )
            _k, token = create_api_key(session, SYSTEM, "till", list(SCOPES))
            session.commit()
        factory.kw["bind"].dispose()
        yield url, token, customers


def verify(url: str, customers: list[int], tally: Tally) -> None:
    factory = make_session_factory(url)
    with factory() as session:
        report = loyalty.check(session)
        assert report.ok, report.breaks[:5]
        for c in customers:
            acc = find_account(session, c)
            assert acc is not None
            total = loyalty.balance(session, acc.id, datetime.now(UTC)).total
            assert total == START + tally.net[c], f"customer {c}: ledger {total}, acknowledged {START + tally.net[c]}"
        orders = session.scalar(select(func.count()).select_from(Order).where(Order.external_id.like("L%")))
        assert orders == len(tally.confirmed)  # every acknowledged order once, nothing unacknowledged left over
    factory.kw["bind"].dispose()


def test_32_clients_confirm_retry_and_refund_without_losing_a_point(store: tuple[str, str, list[int]]) -> None:
    url, token, customers = store
    server = Server(url, free_port(), workers=2)
    server.start()
    tally = Tally()
    try:
        run_load(f"http://127.0.0.1:{server.port}", token, customers, clients=32, ops=12, tally=tally)
    finally:
        server.stop()
    assert len(tally.confirmed) > 200 and tally.replays > 30 and tally.refused > 0
    verify(url, customers, tally)


def test_kill_9_in_the_middle_loses_nothing_acknowledged(store: tuple[str, str, list[int]]) -> None:
    url, token, customers = store
    server = Server(url, free_port())
    server.start()
    tally = Tally()

    def crash() -> None:  # once a few receipts are through (not after a fixed time: a fast machine finishes first)
        until = time.monotonic() + 30
        while len(tally.confirmed) < 24 and time.monotonic() < until:
            time.sleep(0.005)
        server.kill()
        time.sleep(0.5)
        server.start()

    try:
        run_load(f"http://127.0.0.1:{server.port}", token, customers, clients=32, ops=8, tally=tally, during=crash)
    finally:
        server.stop()
    assert tally.retries > 0  # the clients did find the server gone
    verify(url, customers, tally)


def test_code_limits_and_gift_card_balances_hold_under_concurrent_tills(store: tuple[str, str, list[int]]) -> None:
    import threading
    import uuid

    import httpx2 as httpx

    from klientura.loyalty import giftcards, offers
    from klientura.loyalty.offer_models import Redemption

    url, token, customers = store
    factory = make_session_factory(url)
    with factory() as session:
        offers.create_offer(
            session, SYSTEM, {"name": "Twenty", "discount_amount": 100, "code": "LIMIT20", "max_uses": 20}
        )
        card = giftcards.issue(session, SYSTEM, giftcards.GiftCardIn(amount=Decimal(5000)), datetime.now(UTC))
        session.commit()
    server = Server(url, free_port(), workers=2)
    server.start()
    results: list[tuple[str, int, dict[str, object]]] = []
    lock = threading.Lock()

    def till(i: int) -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}", headers={"Authorization": f"Bearer {token}"}
        ) as c:
            for n in range(4):
                what = "code" if (i + n) % 2 else "card"
                body = {
                    "customer_id": customers[(i + n) % len(customers)],
                    "external_id": f"C{i}-{n}-{uuid.uuid4().hex[:4]}",
                    "placed_at": datetime.now(UTC).isoformat(),
                    "lines": [{"sku": "SHOE", "price": "700"}],
                    **({"code": "LIMIT20"} if what == "code" else {"gift_card": card.number}),
                }
                r = c.post("/api/v1/loyalty/confirm", json=body, timeout=60)
                with lock:
                    results.append((what, r.status_code, r.json()))

    try:
        threads = [threading.Thread(target=till, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    codes = [r for r in results if r[0] == "code"]
    assert sum(1 for r in codes if r[1] == 201) == 20 and len(codes) == 64
    assert all(r[1] == 409 and "used up" in str(r[2]["detail"]) for r in codes if r[1] != 201)
    paid = sum(Decimal(str(r[2]["gift_card_paid"])) for r in results if r[0] == "card" and r[1] == 201)
    assert paid == 5000  # the card paid exactly its balance: 7 checks in full, one in part, the rest in money
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 20
        assert giftcards.get_card(session, SYSTEM, card.number).balance == 0
    factory.kw["bind"].dispose()
