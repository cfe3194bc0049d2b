"""Concurrent requests with one identity make one card: the unique index decides, not a check-then-insert."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import sessionmaker

from klientura.audit import SYSTEM, AuditEntry
from klientura.customers import Customer, CustomerIn, Identity, prepare, resolve
from tests.factories import SHOP


def test_twelve_concurrent_creates_of_one_phone_make_one_card(engine: Engine) -> None:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    phone = "+79169990011"
    barrier = threading.Barrier(12)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        session = factory()
        try:
            prepared = prepare(CustomerIn(phone=phone, email=f"c{i}@example.com", first_name="Гонка"), shop=SHOP)
            barrier.wait()
            for attempt in range(60):  # SQLite may answer "database is locked" to a writer: retry like a client
                try:
                    res = resolve(session, SYSTEM, prepared, source="race")
                    session.commit()
                    results.append(res.customer_id)
                    return
                except Exception as exc:
                    session.rollback()
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005 * min(attempt, 20))  # with backoff: a loaded machine needs it
            raise AssertionError("still locked after 60 attempts")
        except BaseException as exc:
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len(results) == 12 and len(set(results)) == 1
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Identity).where(Identity.value == phone)) == 1
            cid = results[0]
            emails = set(s.scalars(select(Identity.value).where(Identity.customer_id == cid, Identity.kind == "email")))
            assert emails == {f"c{i}@example.com" for i in range(12)}  # every request enriched the one card
    finally:
        with factory() as s:
            ids = list(s.scalars(select(Identity.customer_id).where(Identity.value == phone)))
            s.execute(delete(Identity).where(Identity.customer_id.in_(ids)))
            s.execute(
                delete(AuditEntry).where(
                    AuditEntry.entity == "customer", AuditEntry.entity_id.in_([str(i) for i in ids])
                )
            )
            s.execute(delete(Customer).where(Customer.id.in_(ids)))
            s.commit()
