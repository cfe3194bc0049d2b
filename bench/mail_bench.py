"""How fast a shop's mailbox is read (issue 19): ``--messages`` mails appended to a real Dovecot on loopback — seven
in ten a new person's request, two a reply in its thread, one an automatic answer — then one ``read_round`` of
``klientura mail-poll`` (fetch by UID, parse, land each in its own transaction with the place reading got to) on a
fresh store, beside the floor: the same IMAP fetch of the same messages with nothing done with them. Prints JSON.

    python -m bench.mail_bench --messages 2000 [--store sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

PG = os.environ.get("KLIENTURA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _mails(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        mail = EmailMessage()
        person = i if i % 10 < 7 else i - (i % 10)  # replies and auto-answers come from the thread's first sender
        mail["From"] = f"Покупатель {person} <buyer{person}@example.ru>"
        mail["To"] = "shop@example.test"
        mail["Message-ID"] = f"<m{i}@example.ru>"
        if i % 10 in (7, 8):
            mail["Subject"] = f"Re: Вопрос {person}"
            mail["In-Reply-To"] = f"<m{person}@example.ru>"
            mail["References"] = f"<m{person}@example.ru>"
            mail.set_content("Спасибо, а доставка когда?\n\nOn Mon, shop wrote:\n> Есть в наличии")
        elif i % 10 == 9:
            mail["Subject"] = "Автоответ: Re: Вопрос"
            mail["Auto-Submitted"] = "auto-replied"
            mail.set_content("Я в отпуске до понедельника")
        else:
            mail["Subject"] = f"Вопрос {person}"
            mail.set_content(f"Здравствуйте! Есть ли в наличии товар {i}? Нужен счёт на юрлицо.")
        out.append(mail.as_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    from imapclient import IMAPClient
    from tests.conftest import upgrade
    from tests.conversations.dovecot import PASSWORD, USER, running_dovecot

    from bench.common import fresh_database
    from klientura import worker
    from klientura.db import make_session_factory, utcnow
    from klientura.kit.shop import Shop
    from klientura.kit.storage import DiskStore

    with running_dovecot() as dovecot, tempfile.TemporaryDirectory() as tmp:
        folder = dovecot.folder()
        started = time.perf_counter()
        with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
            client.login(USER, PASSWORD)
            for raw in _mails(args.messages):
                client.append(folder, raw)
        appended = time.perf_counter() - started
        started = time.perf_counter()
        with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:  # the floor: only the fetch
            client.login(USER, PASSWORD)
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = sum(len(v[b"BODY[]"]) for start in range(0, len(uids), 20)
                          for v in client.fetch(uids[start : start + 20], ["BODY.PEEK[]"]).values())  # fmt: skip
        floor = time.perf_counter() - started
        if args.store == "postgresql":
            url = fresh_database(PG, "klientura_bench_mail")
        else:
            url = f"sqlite:///{Path(tmp) / 'mail.db'}"
            upgrade(url)
        factory = make_session_factory(url)
        box = worker.MailboxSettings(host="127.0.0.1", port=dovecot.port, ssl=False, username=USER,
                                     password=PASSWORD, address=USER, folder=folder, own=frozenset({USER}))  # fmt: skip
        shop = Shop("RU", "Europe/Moscow", "RUB", utcnow)
        started = time.perf_counter()
        with worker.connect(box) as client:
            done = worker.read_round(factory, client, box, shop=shop, store=DiskStore(Path(tmp) / "files"),
                                     repeat_days=180, sla=None)  # fmt: skip
        took = time.perf_counter() - started
        factory.kw["bind"].dispose()
    print(json.dumps({
        "bench": "mailbox", "store": args.store, "messages": args.messages, "bytes": fetched,
        "append_s": round(appended, 2), "fetch_only_s": round(floor, 2), "fetch_only_per_s": round(args.messages / floor),
        "read_round_s": round(took, 2), "read_per_s": round(args.messages / took), "landed": done.landed,
        "set_aside": done.skipped, "refused": done.failed,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
