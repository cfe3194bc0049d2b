"""Campaign launch benchmark: plan and enqueue a campaign to a 1,000,000-customer segment in one transaction.

    python -m bench.campaign_bench [--customers 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--sqlite] [--codes]

A fresh database gets ``--customers`` cards written in bulk (90 % with an e-mail, half with a phone; e-mail consent
for 85 %, SMS for 40 %; one in ten in Vladivostok, one in five preferring SMS), a segment holding them all, 100,000
messages already sent this week (for the frequency cap) and a 5 % global control group. Then ``klientura``'s launch
— reach, groups, channel and consent, cap, holdout, variants, rendering two templates per recipient with the link
tracking and the unsubscribe link, the outbox and the recipients written — is timed to its commit, with the peak
memory of the process. ``--codes`` issues a personal promo code to each target as well. Beside it, the floor: the
same number of outbox rows written by one ``INSERT ... SELECT`` inside the database (no personalisation, no rules).
Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.common import fresh_database
from klientura.audit import SYSTEM
from klientura.campaigns import Campaign, Links, OutboxMessage, Sending, create_campaign, launch, set_global_control
from klientura.customers import Consent, Customer, Identity
from klientura.db import insert_columns, make_engine, make_session_factory, reserve_ids
from klientura.loyalty.offers import create_offer
from klientura.segments import Segment, SegmentMember

DB = "klientura_bench_campaign"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HTML = """<html><body><h1>{{ name }}, осенняя распродажа</h1><p>Ваш персональный код: <b>{{ promo_code }}</b>.</p>
<p><a href="https://shop.example.ru/sale?utm_source=email">Выбрать подарки</a> ·
<a href="https://shop.example.ru/stores">Магазины рядом</a></p>
<p style="font-size:small"><a href="{{ unsubscribe_url }}">Отписаться</a></p></body></html>"""


def fresh(admin_url: str | None, sqlite_path: str | None) -> str:
    from tests.conftest import upgrade

    if sqlite_path is not None:
        import os

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(sqlite_path + suffix):
                os.remove(sqlite_path + suffix)
        url = f"sqlite:///{sqlite_path}"
        upgrade(url)
        return url
    assert admin_url is not None
    return fresh_database(admin_url, DB)


def populate(url: str, n: int, codes: bool) -> tuple[int, int | None]:
    """The base, written in bulk; (segment id, offer id)."""
    rng = random.Random(7)
    factory = make_session_factory(url)
    with factory() as s:
        ids = reserve_ids(s, Customer, n)
        names = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Дмитрий"]
        insert_columns(
            s,
            Customer,
            {
                "id": ids,
                "first_name": [names[i % 8] for i in range(n)],
                "last_name": ["Петров"] * n,
                "timezone": ["Asia/Vladivostok" if i % 10 == 0 else None for i in range(n)],
                "preferred_channel": ["sms" if i % 5 == 0 else None for i in range(n)],
                "attributes": [{}] * n,
                "created_at": [NOW] * n,
                "updated_at": [NOW] * n,
            },
        )
        emails = [c for c in ids if rng.random() < 0.9]
        phones = [c for c in ids if rng.random() < 0.5]
        insert_columns(
            s,
            Identity,
            {
                "customer_id": emails + phones,
                "kind": ["email"] * len(emails) + ["phone"] * len(phones),
                "value": [f"c{c}@example.com" for c in emails] + [f"+79{c:09d}" for c in phones],
                "is_primary": [True] * (len(emails) + len(phones)),
                "created_at": [NOW] * (len(emails) + len(phones)),
            },
        )
        email_ok = [c for c in ids if rng.random() < 0.85]
        sms_ok = [c for c in ids if rng.random() < 0.4]
        insert_columns(
            s,
            Consent,
            {
                "customer_id": email_ok + sms_ok,
                "channel": ["email"] * len(email_ok) + ["sms"] * len(sms_ok),
                "granted": [True] * (len(email_ok) + len(sms_ok)),
                "changed_at": [NOW] * (len(email_ok) + len(sms_ok)),
            },
        )
        seg = Segment(name="Все", rule={"all": []}, kind="static", size=n, created_by="bench")
        s.add(seg)
        s.flush()
        insert_columns(s, SegmentMember, {"segment_id": [seg.id] * n, "customer_id": ids})
        busy = rng.sample(ids, min(100_000, n // 10))
        k = len(busy)
        insert_columns(
            s,
            OutboxMessage,
            {
                "id": reserve_ids(s, OutboxMessage, k),
                "key": [f"old:{c}" for c in busy],
                "customer_id": busy,
                "channel": ["email"] * k,
                "to": [f"c{c}@example.com" for c in busy],
                "subject": ["s"] * k,
                "text": ["t"] * k,
                "data": [{}] * k,
                "source": ["campaign:0"] * k,
                "status": ["sent"] * k,
                "attempts": [1] * k,
                "next_attempt_at": [NOW - timedelta(days=2)] * k,
                "created_at": [NOW - timedelta(days=rng.choice((1, 2, 3, 9))) for _ in busy],
            },
        )
        set_global_control(s, SYSTEM, {"share": 0.05, "days": 90}, NOW - timedelta(days=10))
        offer = create_offer(s, SYSTEM, {"name": "−15 %", "discount_percent": 15}).id if codes else None
        s.commit()
    if url.startswith("postgresql"):
        engine = make_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    return seg.id, offer


def run_launch(url: str, segment_id: int, offer_id: int | None) -> dict[str, Any]:
    factory = make_session_factory(url)
    sending = Sending(Links("https://crm.shop.example.ru", "bench-secret"), "Europe/Moscow", "ru", "RUB")
    with factory() as s:
        c = create_campaign(
            s,
            SYSTEM,
            {
                "name": "Осенняя распродажа",
                "segment_id": segment_id,
                "cap": 2,
                "offer_id": offer_id,
                "variants": [
                    {
                        "name": "A",
                        "subject": "{{ name }}, осенняя распродажа",
                        "text": "{{ name }}, ваш код {{ promo_code }}",
                        "html": HTML,
                    },
                    {
                        "name": "B",
                        "subject": "Только для вас, {{ name }}",
                        "text": "Код {{ promo_code }}: -15 %",
                        "html": HTML,
                    },
                ],
            },
        )
        s.commit()
        started = time.perf_counter()
        launch(s, SYSTEM, c.id, NOW, sending)
        s.commit()
        seconds = time.perf_counter() - started
        plan = s.get_one(Campaign, c.id).plan
    return {
        "seconds": round(seconds, 1),
        "plan": plan,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def floor(url: str) -> dict[str, Any]:
    """The same number of outbox rows from one INSERT ... SELECT in PostgreSQL: the database's own speed."""
    engine = make_engine(url)
    with engine.begin() as conn:
        started = time.perf_counter()
        n = conn.execute(
            text("""
            INSERT INTO outbox_messages (key, customer_id, channel, "to", subject, text, html, unsubscribe_url, data,
                                         source, status, attempts, next_attempt_at, created_at)
            SELECT 'floor:' || i.customer_id, i.customer_id, 'email', i.value, c.first_name || ', осенняя распродажа',
                   c.first_name || ', ваш код', :html, 'https://crm.shop.example.ru/u/' || md5(i.customer_id::text),
                   '{}', 'floor', 'queued', 0, now(), now()
            FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = 'email'
        """),
            {"html": HTML},
        ).rowcount
        seconds = time.perf_counter() - started
        conn.rollback()
    engine.dispose()
    return {"rows": n, "seconds": round(seconds, 1)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--sqlite", default=None, help="an SQLite file to use instead of PostgreSQL")
    p.add_argument("--codes", action="store_true", help="issue a personal promo code to every target")
    a = p.parse_args()
    url = fresh(None if a.sqlite else a.pg, a.sqlite)
    started = time.perf_counter()
    segment_id, offer_id = populate(url, a.customers, a.codes)
    print(
        json.dumps({"step": "populate", "customers": a.customers, "seconds": round(time.perf_counter() - started, 1)})
    )
    out = run_launch(url, segment_id, offer_id)
    print(json.dumps({"step": "launch", "store": url.split(":")[0], "codes": a.codes, **out}, ensure_ascii=False))
    if url.startswith("postgresql"):
        print(json.dumps({"step": "floor: INSERT ... SELECT", **floor(url)}))


if __name__ == "__main__":
    main()
