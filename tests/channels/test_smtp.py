"""The SMTP adapter against a real SMTP server on loopback (aiosmtpd): what arrives, bounces, busy servers, a
server that went away and came back."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from klientura.channels import OutgoingMessage, SmtpChannel, SmtpSettings
from tests.conftest import free_port


class Sink:
    """Keeps what it receives; refuses some recipients the way real servers do; offers PIPELINING (RFC 2920) as
    Postfix does, or not."""

    def __init__(self, pipelining: bool = True) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []
        self.pipelining = pipelining

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        if address.startswith("busy@"):
            return "451 4.7.1 greylisted, try later"
        if address.startswith("spam@"):
            return "554 5.7.1 message refused as spam"
        if address.startswith("old@"):
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture(params=[True, False], ids=["pipelining", "one-by-one"])
def smtp(request: pytest.FixtureRequest) -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(pipelining=request.param), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def test_html_with_text_one_click_unsubscribe_and_an_id_from_the_key(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    channel = SmtpChannel(SmtpSettings(port=port, sender="shop@example.ru", sender_name="Магазин"))
    message = OutgoingMessage(
        key="c12-r345",
        to="anna@example.com",
        subject="Ваши баллы сгорают",
        text="Анна, 300 баллов сгорят 1 декабря.",
        html="<p>Анна, <b>300</b> баллов</p>",
        unsubscribe_url="https://shop.example.ru/u/abc",
    )
    first = channel.send(message)
    again = channel.send(message)  # the worker's retry after a crash: the same id
    channel.close()
    assert first.ok and again.ok and first.provider_id == again.provider_id == "<c12-r345@example.ru>"
    assert len(sink.received) == 2 and sink.envelopes[0].rcpt_tos == ["anna@example.com"]
    mail = sink.received[0]
    assert mail["Subject"] == "Ваши баллы сгорают" and "Магазин" in str(mail["From"])
    assert mail["List-Unsubscribe"] == "<https://shop.example.ru/u/abc>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_body(("plain",)).get_content().strip() == "Анна, 300 баллов сгорят 1 декабря."  # type: ignore[union-attr]
    assert "<b>300</b>" in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    odd, _data = channel.build(OutgoingMessage(key="anna@example.com/12", to="anna@example.com", text="x"))
    assert re.fullmatch(r"<[0-9a-f]{40}@example\.ru>", odd)  # not a valid left part: its digest


def test_a_bounce_fails_a_busy_server_is_retried(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    channel = SmtpChannel(SmtpSettings(port=port))
    bounced = channel.send(OutgoingMessage(key="k1", to="nobody@example.com", text="x"))
    busy = channel.send(OutgoingMessage(key="k2", to="busy@example.com", text="x"))
    spam = channel.send(OutgoingMessage(key="k4", to="spam@example.com", text="x"))
    old = channel.send(OutgoingMessage(key="k5", to="old@example.com", text="x"))
    fine = channel.send(OutgoingMessage(key="k3", to="anna@example.com", text="x"))  # the connection still serves
    channel.close()
    assert bounced.status == "failed" and "550" in (bounced.error or "") and bounced.bounce  # 5.1.1: no mailbox
    assert spam.status == "failed" and not spam.bounce  # 5.7.1: the message, not the mailbox
    assert old.status == "failed" and old.bounce and not busy.bounce  # a bare 550: the mailbox
    assert busy.status == "retry" and "451" in (busy.error or "")
    assert fine.ok and len(sink.received) == 1


def test_a_server_gone_is_a_retry_and_its_return_is_used() -> None:
    port = free_port()
    channel = SmtpChannel(SmtpSettings(port=port, timeout=5))
    down = channel.send(OutgoingMessage(key="k1", to="anna@example.com", text="x"))
    assert down.status == "retry" and down.error
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert channel.send(OutgoingMessage(key="k2", to="anna@example.com", text="x")).ok
        controller.stop()  # the kept connection dies with the server
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        assert channel.send(OutgoingMessage(key="k3", to="anna@example.com", text="x")).ok  # reconnects once
    finally:
        channel.close()
        controller.stop()
    assert [m["Message-ID"] for m in sink.received] == ["<k2@klientura.local>", "<k3@klientura.local>"]


def test_text_only_long_russian_subjects_and_international_addresses(smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    channel = SmtpChannel(SmtpSettings(port=port, sender="shop@example.ru"))
    subject = "Анна, ваши 1 250 баллов сгорят 1 декабря — успейте потратить их на подарки к Новому году"
    text = "Строка с точкой в начале:\n.\nи длинная " + "строка " * 80
    assert channel.send(OutgoingMessage(key="k1", to="anna@example.com", subject=subject, text=text)).ok
    channel.close()
    mail = sink.received[0]
    assert mail["Subject"] == subject and not mail.is_multipart()
    assert mail.get_content().replace("\r\n", "\n") == text  # type: ignore[attr-defined]
    assert all(len(line) <= 78 for line in sink.envelopes[0].content.split(b"\r\n"))
    message_id, data = channel.build(OutgoingMessage(key="k2", to="анна@пример.рф", subject="Привет", text="x"))
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert (parsed["To"], parsed["Subject"], parsed["Message-ID"]) == ("анна@пример.рф", "Привет", message_id)


@pytest.mark.parametrize(
    "message",
    [
        OutgoingMessage(key="k1", to="anna@example.com", subject="Hi\r\nBcc: thief@evil.example", text="x"),
        OutgoingMessage(key="k2", to="anna@example.com\r\nBcc: thief@evil.example", text="x"),
        OutgoingMessage(key="k3", to="anna@example.com", text="x", unsubscribe_url="https://u/\nBcc: t@evil.example"),
        OutgoingMessage(key="k4", to="анна@пример.рф", subject="Привет\nBcc: thief@evil.example", text="x"),
    ],
    ids=["subject", "to", "unsubscribe", "internationalised"],
)
def test_a_header_with_a_line_break_is_never_sent(smtp: tuple[Sink, int], message: OutgoingMessage) -> None:
    """A subject with '\\r\\nBcc: …' made a real Bcc line (issue 17, item 13): refused, nothing reaches the server."""
    sink, port = smtp
    channel = SmtpChannel(SmtpSettings(port=port))
    result = channel.send(message)
    fine = channel.send(OutgoingMessage(key="k9", to="anna@example.com", subject="ok", text="x"))
    channel.close()
    assert result.status == "failed" and "line break" in (result.error or "") and not result.bounce
    assert fine.ok and len(sink.received) == 1 and sink.envelopes[0].rcpt_tos == ["anna@example.com"]
    assert "Bcc" not in sink.received[0]


def test_a_conversations_reply_threads_the_persons_mail_with_or_without_files() -> None:
    """Its own Message-ID, In-Reply-To, References, Reply-To and Auto-Submitted, on both ways of building a message
    (ours, and the email package's for attachments); a header with a line break is refused, never sent."""
    channel = SmtpChannel(SmtpSettings(sender="noreply@shop.example"))
    headers = {"In-Reply-To": "<q1@example.ru>", "References": "<q0@example.ru> <q1@example.ru>",
               "Reply-To": "shop@example.test", "Auto-Submitted": "auto-replied", "Bcc": "spy@example.ru"}  # fmt: skip
    plain = OutgoingMessage(key="conversation-message:1", to="a@example.ru", subject="Re: Счёт", text="Да",
                            data={"message_id": "<conversation.1.1.x@example.test>", "headers": headers})  # fmt: skip
    files = [{"name": "a.pdf", "type": "application/pdf", "content": "JVBERg=="}]
    attached = OutgoingMessage(key="conversation-message:2", to="a@example.ru", subject="Re: Счёт", text="Да",
                               data={"message_id": "<conversation.1.2.x@example.test>", "headers": headers,
                                     "attachments": files})  # fmt: skip
    for message in (plain, attached):
        message_id, raw = channel.build(message)
        mail = email.message_from_bytes(raw, policy=policy.default)
        assert mail["Message-ID"] == message_id == message.data["message_id"]
        assert (mail["In-Reply-To"], mail["References"]) == ("<q1@example.ru>", "<q0@example.ru> <q1@example.ru>")
        assert (mail["Reply-To"], mail["Auto-Submitted"], mail["Bcc"]) == ("shop@example.test", "auto-replied", None)
    assert [p.get_filename() for p in email.message_from_bytes(channel.build(attached)[1], policy=policy.default)
            .iter_attachments()] == ["a.pdf"]  # fmt: skip
    broken = OutgoingMessage(key="k", to="a@example.ru", text="x", data={"headers": {"References": "<a>\r\nBcc: x"}})
    assert channel.send(broken).status == "failed"
