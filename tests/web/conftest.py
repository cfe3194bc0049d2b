"""A live server on a real SQLite file and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from klientura import analytics
from klientura.app import create_app
from klientura.audit import SYSTEM
from klientura.auth.service import create_user
from klientura.config import Settings
from klientura.customers import CustomerIn, prepare, resolve
from klientura.db import make_session_factory, session_scope
from klientura.migrations import upgrade
from klientura.orders import LineIn, OrderIn, ingest_order
from tests.conftest import free_port
from tests.factories import SHOP

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("KLIENTURA_SCREENSHOTS", "var/screenshots"))
PASSWORD = "password123"


def _seed(url: str) -> dict[str, int]:
    with session_scope(make_session_factory(url)) as s:
        ids = {}
        for role in ("admin", "manager", "analyst"):
            ids[role] = create_user(s, SYSTEM, f"{role}@test.local", role.title(), role, PASSWORD).id
        anna = resolve(
            s,
            SYSTEM,
            prepare(
                CustomerIn(
                    phone="+79161112233",
                    full_name="Смирнова Анна Петровна",
                    birth_date=date(1990, 5, 17),
                    city="Москва",
                    tags=["vip"],
                    email="anna.smirnova@mail.ru",
                ),
                shop=SHOP,
            ),
        )
        twin = resolve(
            s,
            SYSTEM,
            prepare(
                CustomerIn(phone="+79165554433", full_name="Smirnova Anna", birth_date=date(1990, 5, 17)), shop=SHOP
            ),
        )
        resolve(s, SYSTEM, prepare(CustomerIn(phone="+79160000001", full_name="Петров Пётр", city="Казань"), shop=SHOP))
        ingest_order(
            s,
            SYSTEM,
            OrderIn(
                external_id="R-100",
                customer_id=anna.customer_id,
                outlet="Москва, Тверская",
                placed_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
                lines=[LineIn(sku="A-1", qty=Decimal(2), price=Decimal("1500"))],
            ),
            shop=SHOP,
        )
        ingest_order(
            s,
            SYSTEM,
            OrderIn(
                external_id="R-101",
                customer_id=twin.customer_id,
                placed_at=datetime(2026, 4, 1, 12, tzinfo=UTC),
                total=Decimal("700"),
            ),
            shop=SHOP,
        )
        ids["anna"], ids["twin"] = anna.customer_id, twin.customer_id
        return ids


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app on a free port in a thread for the duration; its base URL (its public address unless one is set)."""
    port = free_port()
    if not settings.public_url:
        settings = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.db'}"
    upgrade(url)
    ids = _seed(url)
    analytics.sync(url, analytics.default_path(url), timezone="Europe/Moscow")
    with (
        session_scope(make_session_factory(url)) as s,
        analytics.Warehouse(analytics.default_path(url), url, timezone="Europe/Moscow") as wh,
    ):
        analytics.recompute(s, SYSTEM, wh, as_of=date(2026, 4, 15))
    settings = Settings(database_url=url, secret_key="live-test", upload_dir=folder / "uploads")
    with serving(settings) as base:
        yield {"base": base, "ids": ids, "folder": folder, "url": url}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live: dict[str, Any]) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="ru-RU")
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    refused = watch_policy(pg)
    yield pg
    ctx.close()
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true (Playwright's wait_for_function compiles its predicate in
    the page, which the pages' policy forbids: no eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def watch_policy(page: Any) -> list[str]:
    """What the browser refused under the pages' Content-Security-Policy (an inline script, a style, an eval), and
    any error a page's scripts threw: the test fails at its end when there is one."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
