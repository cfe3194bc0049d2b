"""``klientura send`` killed with SIGKILL in the middle of 300 e-mails and started again: every recipient gets their
message, at most the one in flight at the kill goes twice — with the same Message-ID, which a provider honouring
the key drops — and every message ends ``sent``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from klientura import campaigns
from klientura.db import make_session_factory
from tests.conftest import ROOT, free_port, fresh_store


class SlowSink:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.rcpt: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.005)  # a real server's pace: the kill lands mid-run
        self.rcpt.extend(envelope.rcpt_tos)
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


def _sender(url: str, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KLIENTURA_DATABASE_URL": url,
        "KLIENTURA_SECRET_KEY": "a-test-key-long-enough-for-a-server-0123456789",
        "KLIENTURA_PUBLIC_URL": "https://crm.example.ru",
        "KLIENTURA_SMTP_HOST": "127.0.0.1",
        "KLIENTURA_SMTP_PORT": str(port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "klientura", "send", "--batch", "20", "--lease", "2", *extra],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _messages(session: Any) -> set[str]:
    """300 plain messages in the outbox; the addresses they go to."""
    campaigns.enqueue(
        session,
        [
            campaigns.Draft(
                key=f"k{i}", channel="email", to=f"c{i}@example.com", source="test", subject="Привет", text="Текст"
            )
            for i in range(300)
        ],
        datetime.now(UTC),
    )
    return {f"c{i}@example.com" for i in range(300)}


def _campaign(session: Any) -> set[str]:
    """A campaign to 300 customers, launched: its messages wait in the outbox, rendered only when sent."""
    from klientura.audit import SYSTEM
    from tests import factories

    ids = [
        factories.customer(session, first_name=f"Имя{i}", email=f"r{i}@example.com", consents={"email": True})
        for i in range(300)
    ]
    seg_id = factories.static_segment(session, ids)
    c = campaigns.create_campaign(
        session,
        SYSTEM,
        {
            "name": "Kill",
            "segment_id": seg_id,
            "holdout_share": 0,
            "global_control": False,
            "cap": None,
            "quiet_from": None,
            "quiet_until": None,
            "channel": "email",
            "variants": [
                {"name": "A", "subject": "{{ name }}, привет", "text": "{{ name }}", "html": "<p>{{ name }}</p>"}
            ],
        },
    )
    campaigns.launch(
        session,
        SYSTEM,
        c.id,
        datetime.now(UTC),
        campaigns.Sending(campaigns.Links("http://x", "s"), "Europe/Moscow", "ru", "RUB"),
    )
    return {f"r{i}@example.com" for i in range(300)}


@pytest.mark.parametrize("outbox", [_messages, _campaign], ids=["messages", "campaign"])
def test_a_killed_sender_restarted_loses_nothing_and_repeats_at_most_the_message_in_flight(
    request: pytest.FixtureRequest, tmp_path: Path, outbox: Any
) -> None:
    port = free_port()
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with fresh_store(request.config.getoption("--db"), tmp_path) as url:
            factory = make_session_factory(url)
            with factory() as session:
                addresses = outbox(session)
                session.commit()
            first = _sender(url, port)
            deadline = time.monotonic() + 60
            while len(sink.ids) < 110 and time.monotonic() < deadline:  # mid-batch: batches are 20
                time.sleep(0.02)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            assert first.stderr is not None
            first.stderr.close()
            assert 110 <= len(sink.ids) < 300, "the kill did not land mid-run"
            time.sleep(2.5)  # the dead sender's lease runs out
            second = _sender(url, port, "--once")
            _out, err = second.communicate(timeout=120)
            assert second.returncode == 0, err.decode()
            with factory() as session:
                statuses = dict(
                    session.execute(
                        select(campaigns.OutboxMessage.status, func.count()).group_by(campaigns.OutboxMessage.status)
                    ).all()
                )
            factory.kw["bind"].dispose()
    finally:
        controller.stop()
    assert statuses == {"sent": 300}
    assert set(sink.rcpt) == addresses and len(set(sink.ids)) == 300  # everyone got theirs
    if outbox is _messages:
        assert set(sink.ids) == {f"<k{i}@klientura.local>" for i in range(300)}  # the id made from the key
    assert len(sink.ids) - len(set(sink.ids)) <= 1  # at most the one in flight, with its Message-ID
