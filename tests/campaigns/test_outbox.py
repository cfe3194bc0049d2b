"""The outbox: enqueued in the caller's transaction, delivered by the worker's rounds through a real SMTP server,
retried with backoff, failed on bounces, re-sent with the same key when a worker died holding the lease, and never
taken by two workers at once (PostgreSQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import campaigns, worker
from klientura.campaigns.outbox import BACKOFF, LEASE, MAX_ATTEMPTS
from klientura.channels import SmtpChannel, SmtpSettings
from klientura.db import make_session_factory
from klientura.kit.errors import ValidationFailed
from tests.conftest import free_port, fresh_store

T0 = datetime(2026, 11, 29, 10, tzinfo=UTC)


class Sink:
    """An SMTP server: 550 for nobody@, 451 for busy@ the first ``busy_times`` times; keeps Message-IDs."""

    def __init__(self, busy_times: int = 1) -> None:
        self.ids: list[str] = []
        self.busy_left = busy_times

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        if address.startswith("busy@") and self.busy_left > 0:
            self.busy_left -= 1
            return "451 4.7.1 try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, SmtpChannel]]:
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    channel = SmtpChannel(SmtpSettings(port=port))
    try:
        yield sink, channel
    finally:
        channel.close()
        controller.stop()


def _drafts(*addresses: str) -> list[campaigns.Draft]:
    return [
        campaigns.Draft(
            key=f"test-{a.split('@')[0]}", channel="email", to=a, source="test", subject="Привет", text="Текст"
        )
        for a in addresses
    ]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_round_sends_retries_and_fails_with_the_history(session: Session, smtp: tuple[Sink, SmtpChannel]) -> None:
    sink, channel = smtp
    clock = Clock()
    sent, bounced, busy = campaigns.enqueue(
        session, _drafts("anna@example.com", "nobody@example.com", "busy@example.com"), clock.now
    )
    session.commit()
    assert worker.deliver(session, {"email": channel}, clock) == {"sent": 1, "retry": 1, "failed": 1}
    assert (sent.status, bounced.status, busy.status) == ("sent", "failed", "queued")
    assert busy.next_attempt_at == clock.now + BACKOFF and "451" in (busy.last_error or "")
    clock.now += BACKOFF - timedelta(seconds=1)
    assert worker.deliver(session, {"email": channel}, clock) == {"sent": 0, "retry": 0, "failed": 0}  # not yet
    clock.now += timedelta(seconds=1)
    assert worker.deliver(session, {"email": channel}, clock) == {"sent": 1, "retry": 0, "failed": 0}
    assert busy.status == "sent" and busy.attempts == 2
    assert [e.status for e in campaigns.history(session, busy.id)] == ["queued", "sending", "retry", "sending", "sent"]
    assert [e.status for e in campaigns.history(session, bounced.id)] == ["queued", "sending", "failed"]
    assert sorted(sink.ids) == ["<test-anna@klientura.local>", "<test-busy@klientura.local>"]


def test_a_rolled_back_launch_sends_nothing(session: Session, smtp: tuple[Sink, SmtpChannel]) -> None:
    sink, channel = smtp
    nested = session.begin_nested()
    campaigns.enqueue(session, _drafts("anna@example.com"), T0)
    nested.rollback()
    assert worker.deliver(session, {"email": channel}, Clock()) == {"sent": 0, "retry": 0, "failed": 0}
    assert sink.ids == []


def test_a_worker_dead_with_the_lease_is_replaced_with_the_same_key(
    session: Session, smtp: tuple[Sink, SmtpChannel]
) -> None:
    sink, channel = smtp
    clock = Clock()
    (message,) = campaigns.enqueue(session, _drafts("anna@example.com"), clock.now)
    campaigns.claim(session, 10, clock.now)  # a worker took it, committed its lease and died
    session.commit()
    clock.now += LEASE - timedelta(seconds=1)
    assert worker.deliver(session, {"email": channel}, clock)["sent"] == 0  # still leased
    clock.now += timedelta(seconds=1)
    assert worker.deliver(session, {"email": channel}, clock)["sent"] == 1
    assert message.attempts == 2 and sink.ids == ["<test-anna@klientura.local>"]


def test_a_message_that_never_goes_through_fails_after_the_last_attempt(session: Session) -> None:
    clock = Clock()
    (message,) = campaigns.enqueue(session, _drafts("anna@example.com"), clock.now)
    down = SmtpChannel(SmtpSettings(port=9, timeout=2))  # nothing listens
    for _ in range(MAX_ATTEMPTS):
        worker.deliver(session, {"email": down}, clock)
        clock.now = message.next_attempt_at
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    waits = [e.at for e in campaigns.history(session, message.id) if e.status == "sending"]
    assert [(b - a) for a, b in itertools.pairwise(waits)] == [BACKOFF * 2**i for i in range(MAX_ATTEMPTS - 1)]


def test_two_workers_never_claim_the_same_message(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one worker")
    with fresh_store("postgresql", tmp_path) as url:
        factory = make_session_factory(url)
        with factory() as s:
            campaigns.enqueue(s, _drafts(*(f"c{i}@example.com" for i in range(50))), T0)
            s.commit()
        first, second = factory(), factory()
        a = campaigns.claim(first, 30, T0)  # not committed yet: its rows stay locked
        b = campaigns.claim(second, 30, T0)
        assert len(a) == 30 and len(b) == 20 and not {m.id for m in a} & {m.id for m in b}
        first.commit()
        second.commit()
        with factory() as s:
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(campaigns.OutboxMessage)
                    .where(campaigns.OutboxMessage.status == "sending")
                )
                == 50
            )
        first.close()
        second.close()
        factory.kw["bind"].dispose()


def test_a_round_keeps_the_channels_pace(session: Session, smtp: tuple[Sink, SmtpChannel]) -> None:
    from klientura.channels import Throttle

    _sink, channel = smtp
    waited: list[float] = []
    now = [0.0]  # sending itself takes no time here: only the waits move the clock

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    pace = Throttle(2, clock=lambda: now[0], sleep=sleep)
    campaigns.enqueue(session, _drafts(*(f"c{i}@example.com" for i in range(5))), T0)
    counts = worker.deliver(session, {"email": channel}, Clock(), throttles={"email": pace})
    assert counts["sent"] == 5 and len(waited) == 3  # two at once (a second's worth), then one per half second
    assert waited == [pytest.approx(0.5)] * 3


def test_receipts_in_each_providers_format() -> None:
    from klientura.campaigns import parse_receipts

    smsru = parse_receipts(
        "smsru", {"data[]": ["sms_status\n000-1\n103", "sms_status\n000-2\n105", "sms_status\n000-3\n102", "garbage"]}
    )
    assert [(r.provider_id, r.status) for r in smsru] == [("000-1", "delivered"), ("000-2", "failed")]
    smsc = parse_receipts("smsc", {"id": ["77"], "status": ["20"], "err": ["1"]})
    assert [(r.provider_id, r.status, r.error) for r in smsc] == [("77", "failed", "smsc.ru 20 1")]
    assert parse_receipts("smsc", {"id": ["78"], "status": ["0"]}) == []  # still on its way: nothing final
    with pytest.raises(ValidationFailed):
        parse_receipts("pigeon", {})


def test_a_hard_bounce_marks_the_address_and_later_campaigns_pass_it_by(
    session: Session, smtp: tuple[Sink, SmtpChannel]
) -> None:
    """550 5.1.1 from the real server marks the card's e-mail; the next campaign sends by SMS instead, or skips a
    customer with no other way with the reason; a provider's bounce receipt does the same; clearing the mark
    brings the address back."""
    from klientura import customers
    from klientura.audit import SYSTEM
    from klientura.campaigns import OutboxMessage, Recipient, parse_receipts
    from klientura.customers import Identity
    from tests import factories
    from tests.campaigns.test_campaigns import SENDING, segment

    _sink, channel = smtp
    gone = factories.customer(
        session, email="nobody@example.com", phone="+79160000001", consents={"email": True, "sms": True}
    )
    only = factories.customer(session, email="nobody@example.org", consents={"email": True})
    later = factories.customer(session, email="later@example.com", consents={"email": True})
    fine = factories.customer(session, email="anna@example.com", consents={"email": True})
    seg = segment(session, [gone, only, later, fine])

    def launch(name: str) -> dict[int, Any]:
        c = campaigns.create_campaign(
            session,
            SYSTEM,
            {
                "name": name,
                "segment_id": seg,
                "holdout_share": 0,
                "global_control": False,
                "quiet_from": None,
                "quiet_until": None,
                "cap": None,
                "variants": [{"name": "A", "subject": "Привет", "text": "Текст"}],
            },
        )
        campaigns.launch(session, SYSTEM, c.id, T0, SENDING)
        return {r.customer_id: r for r in session.scalars(select(Recipient).where(Recipient.campaign_id == c.id))}

    first = launch("Первая")
    assert {cid: r.channel for cid, r in first.items()} == dict.fromkeys((gone, only, later, fine), "email")
    session.commit()
    worker.deliver(session, {"email": channel}, Clock(), SENDING.links)
    marked = session.scalars(select(Identity).where(Identity.bounced_at.is_not(None))).all()
    assert sorted(i.value for i in marked) == ["nobody@example.com", "nobody@example.org"]
    assert all("5.1.1" in (i.bounce_reason or "") for i in marked)
    # a bounce reported later by the provider (an MTA's bounce processor through the generic callback)
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == later)).one()
    campaigns.apply_receipts(
        session,
        parse_receipts(
            "generic",
            {},
            {"provider_id": message.provider_id, "status": "failed", "error": "5.2.1 mailbox disabled", "bounce": True},
        ),
        T0,
    )

    second = launch("Вторая")
    assert (second[gone].grp, second[gone].channel) == ("target", "sms")  # the phone instead
    assert (second[only].grp, second[only].reason) == (
        "skipped",
        "the email address bounced; no sms address; no telegram address",
    )
    assert second[later].grp == "skipped" and second[fine].channel == "email"
    shown = campaigns.preview(session, SYSTEM, int(first[only].campaign_id), only, T0, SENDING)
    assert (shown.skipped or "").startswith("the email address bounced")

    bounced_id = next(i.id for i in marked if i.customer_id == only)
    customers.clear_bounce(session, SYSTEM, only, bounced_id)
    assert launch("Третья")[only].channel == "email"  # the customer said the mailbox works again
