"""Import benchmark: customers and order lines from CSV into SQLite and PostgreSQL.

    python -m bench.import_bench --customers 1000000 --lines 10000000

Each measurement runs in a fresh child process (so peak RSS is the import's own) against a fresh store,
and is printed as one JSON line. The baseline is what a user would otherwise write: pandas.read_csv and
a phonenumbers.parse/format loop over the phone column (normalisation only, nothing stored).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from klientura.kit.shop import Shop

OUT = Path("bench/out")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FIRST = ["Анна", "Мария", "Елена", "Ольга", "Иван", "Сергей", "Дмитрий", "Алексей", "Наталья", "Татьяна"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]


def make_customers(path: Path, n: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Фамилия", "Имя", "Телефон", "E-mail", "Дата рождения", "Пол", "Город", "Номер карты"])
        for i in range(n):
            female = rng.random() < 0.6
            last = rng.choice(LAST) + ("а" if female else "")
            bd = date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
            phone = f"8 (9{i // 10_000_000 % 10}{i // 1_000_000 % 10}) {i // 1000 % 1000:03d}-{i // 10 % 100:02d}-{i % 10}{rng.randint(0, 9)}"
            email = f"user{i}@example.ru" if rng.random() < 0.7 else ""
            w.writerow(
                [
                    last,
                    rng.choice(FIRST),
                    phone,
                    email,
                    bd.strftime("%d.%m.%Y"),
                    "ж" if female else "м",
                    "Москва",
                    f"2{i:011d}" if rng.random() < 0.5 else "",
                ]
            )


def make_orders(path: Path, n_lines: int, n_customers: int) -> None:
    rng = random.Random(2)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Номер чека", "Дата покупки", "Номер карты", "Артикул", "Количество", "Цена", "Магазин"])
        receipt, written = 0, 0
        while written < n_lines:
            receipt += 1
            card = f"2{rng.randrange(n_customers):011d}" if rng.random() < 0.5 else ""
            day = (date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000))).strftime("%d.%m.%Y")
            for _ in range(min(1 + int(rng.expovariate(0.5)), n_lines - written)):
                w.writerow(
                    [
                        f"R{receipt}",
                        day,
                        card,
                        f"SKU-{rng.randint(1, 500)}",
                        rng.choice((1, 1, 1, 2)),
                        f"{rng.randint(100, 5000)},00",
                        f"Магазин {rng.randint(1, 12)}",
                    ]
                )
                written += 1


def child(kind: str, url: str, file: str) -> None:
    from klientura.audit import SYSTEM
    from klientura.db import make_session_factory
    from klientura.imports import run_import
    from klientura.migrations import upgrade

    upgrade(url)
    session = make_session_factory(url)()
    start = time.perf_counter()
    report = run_import(session, SYSTEM, Path(file), kind, shop=Shop("RU", "Europe/Moscow", "RUB"))
    session.commit()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rows": report.total,
                "created": report.created,
                "rejected": report.rejected,
                "seconds": round(elapsed, 1),
                "peak_rss_mb": round(peak),
            }
        )
    )


def baseline(file: str) -> None:
    import pandas as pd
    import phonenumbers

    start = time.perf_counter()
    df = pd.read_csv(file, sep=";", dtype=str)
    out = []
    for raw in df["Телефон"]:
        try:
            out.append(phonenumbers.format_number(phonenumbers.parse(raw, "RU"), phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            out.append(None)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(df), "seconds": round(elapsed, 1), "peak_rss_mb": round(peak)}))


def run_child(*args: str) -> dict[str, object]:
    res = subprocess.run(
        [sys.executable, "-m", "bench.import_bench", *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def store(engine: str, tag: str) -> tuple[str, str | None]:
    if engine == "sqlite":
        path = OUT / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    from sqlalchemy import create_engine, text

    name = f"klientura_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def drop(name: str | None) -> None:
    if name:
        from sqlalchemy import create_engine, text

        with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=0, help="order lines (0: skip the orders import)")
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "URL", "FILE"))
    ap.add_argument("--baseline", metavar="FILE")
    a = ap.parse_args()
    if a.child:
        return child(*a.child)
    if a.baseline:
        return baseline(a.baseline)
    OUT.mkdir(parents=True, exist_ok=True)
    cfile = OUT / f"customers-{a.customers}.csv"
    if not cfile.exists():
        make_customers(cfile, a.customers)
    print(
        json.dumps({"bench": "baseline pandas+phonenumbers", "file": cfile.name, **run_child("--baseline", str(cfile))})
    )
    for engine in a.engines.split(","):
        url, name = store(engine, f"customers-{engine}")
        try:
            print(
                json.dumps(
                    {
                        "bench": "import customers",
                        "engine": engine,
                        **run_child("--child", "customers", url, str(cfile)),
                    }
                )
            )
            if a.lines:
                ofile = OUT / f"orders-{a.lines}.csv"
                if not ofile.exists():
                    make_orders(ofile, a.lines, a.customers)
                print(
                    json.dumps(
                        {
                            "bench": "import orders",
                            "engine": engine,
                            "lines": a.lines,
                            **run_child("--child", "orders", url, str(ofile)),
                        }
                    )
                )
        finally:
            drop(name)


if __name__ == "__main__":
    main()
