"""Sending benchmark: messages per second from the outbox into a local SMTP sink, as ``klientura send`` does it.

    python -m bench.outbox_bench [--messages 20000] [--senders 1 2] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A fresh database gets ``--messages`` customers and a launched campaign to all of them (two variants, HTML with
tracked links, a personal field per recipient): the outbox holds that many messages due now. A minimal SMTP sink in its
own process (bench/smtp_sink.py: aiosmtpd itself tops out near 220 messages a second here) accepts and counts them. Then ``klientura send --once`` runs as 1, then 2 processes
at once (the outbox reset between runs): claim, render, send over one kept SMTP connection per process, record each
status with its history. Beside it, the floor for the same messages: Python's smtplib sending them pre-rendered over
one connection with no outbox at all. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]


def prepare(admin_url: str, n: int) -> str:
    from bench.campaign_bench import NOW, fresh, populate
    from klientura.audit import SYSTEM
    from klientura.campaigns import Links, Sending, create_campaign, launch, stop_global_control
    from klientura.db import make_session_factory

    url = fresh(admin_url, None)
    segment_id, _offer = populate(url, n, codes=False)
    factory = make_session_factory(url)
    with factory() as s:
        stop_global_control(s, SYSTEM, NOW)
        c = create_campaign(
            s,
            SYSTEM,
            {
                "name": "Скорость",
                "segment_id": segment_id,
                "holdout_share": 0,
                "cap": None,
                "quiet_from": None,
                "quiet_until": None,
                "channel": "email",
                "variants": [
                    {
                        "name": "A",
                        "subject": "{{ name }}, новинки",
                        "text": "{{ name }}, у нас новинки",
                        "html": "<p>{{ name }}, <a href='https://shop.example.ru/new'>новинки</a></p>",
                    },
                    {
                        "name": "B",
                        "subject": "Для вас, {{ name }}",
                        "text": "Новинки недели",
                        "html": "<p>Новинки недели, {{ name }}</p>",
                    },
                ],
            },
        )
        launch(s, SYSTEM, c.id, NOW, Sending(Links("https://crm.example.ru", "bench"), "Europe/Moscow", "ru", "RUB"))
        s.commit()
    return url


def reset(url: str) -> int:
    from klientura.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox_events"))
        n = conn.execute(
            text(
                "UPDATE outbox_messages SET status = 'queued', attempts = 0, sent_at = NULL, "
                "next_attempt_at = now() - interval '1 minute' WHERE source LIKE 'campaign:%'"
            )
        ).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE outbox_messages"))
    engine.dispose()
    return n


def run_senders(url: str, port: int, senders: int, counter: Any, span: Any) -> dict[str, Any]:
    n = reset(url)
    before = counter.value
    env = {
        **os.environ,
        "KLIENTURA_DATABASE_URL": url,
        "KLIENTURA_SMTP_HOST": "127.0.0.1",
        "KLIENTURA_SMTP_PORT": str(port),
        "KLIENTURA_PUBLIC_URL": "https://crm.example.ru",
        "KLIENTURA_SECRET_KEY": "a-bench-key-long-enough-for-a-server-0123456789",
    }
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "klientura", "send", "--once", "--batch", "500"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(senders)
    ]
    for p in procs:
        p.wait()
    seconds = time.perf_counter() - started
    time.sleep(0.2)
    got = counter.value - before
    # steady state: from the first message of this run reaching the sink to the last (process start-up excluded)
    sending = span[1] - span[0]
    return {
        "step": f"klientura send x{senders}",
        "messages": n,
        "received": got,
        "seconds": round(seconds, 1),
        "per_second": round(got / seconds),
        "sending_seconds": round(sending, 1),
        "per_second_sending": round(got / sending),
    }


def floor(port: int, n: int, counter: Any) -> dict[str, Any]:
    before = counter.value
    conn = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for i in range(n):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "shop@example.ru", f"c{i}@example.com", "Анна, новинки"
        m["Message-ID"] = f"<campaign:1:{i}@example.ru>"
        m.set_content("Анна, у нас новинки")
        m.add_alternative("<p>Анна, <a href='https://crm.example.ru/t/c/x'>новинки</a></p>", subtype="html")
        conn.send_message(m)
    conn.quit()
    seconds = time.perf_counter() - started
    time.sleep(0.2)
    got = counter.value - before
    return {
        "step": "floor: smtplib, pre-rendered, no outbox",
        "received": got,
        "seconds": round(seconds, 1),
        "per_second": round(got / seconds),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=20_000)
    p.add_argument("--senders", type=int, nargs="+", default=[1, 2])
    p.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    a = p.parse_args()
    from tests.conftest import free_port

    from bench import campaign_bench, smtp_sink

    url = a.pg.rsplit("/", 1)[0] + f"/{campaign_bench.DB}" if a.reuse else prepare(a.pg, a.messages)
    port = free_port()
    counter, span = multiprocessing.Value("l", 0), multiprocessing.Array("d", 2)
    server = multiprocessing.Process(target=smtp_sink.run, args=(port, counter, span), daemon=True)
    server.start()
    time.sleep(1.0)
    try:
        for senders in a.senders:
            print(json.dumps(run_senders(url, port, senders, counter, span), ensure_ascii=False), flush=True)
        print(json.dumps(floor(port, min(a.messages, 20_000), counter), ensure_ascii=False), flush=True)
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
