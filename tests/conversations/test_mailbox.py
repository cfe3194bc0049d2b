"""The shop's mailbox over IMAP (issue 19), against a real Dovecot on loopback: mail becomes a request on the
sender's card, a reply joins its thread's conversation (by In-Reply-To / References — ours or the person's), a
new thread is a new conversation; a manager's answer goes out by SMTP (aiosmtpd) with the threading headers and
the person's answer to it comes back into the same conversation; reading again lands nothing twice; automatic
answers and lists are set aside, a bounce marks the returned message failed and the address bad; IDLE wakes the
reader when mail comes; a wrong password is a readable refusal."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from klientura import worker
from klientura.audit import SYSTEM
from klientura.auth.service import create_user
from klientura.campaigns import OutboxMessage
from klientura.channels import SmtpChannel, SmtpSettings
from klientura.conversations import Conversation, Mailbox, Message
from klientura.customers import Identity
from klientura.db import utcnow
from klientura.kit.shop import Shop
from klientura.kit.storage import DiskStore
from klientura.sales import Lead
from tests.conversations.dovecot import PASSWORD, USER, Dovecot

LIVE = Shop("RU", "Europe/Moscow", "RUB", utcnow)  # mail is dated now: the first reading takes the last days


def _mail(sender: str, subject: str, body: str, **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, USER, subject
    mail["Message-ID"] = headers.pop("Message_ID", make_msgid(domain="example.ru"))
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


@pytest.fixture
def box(dovecot: Dovecot) -> worker.MailboxSettings:
    """The shop's mailbox, reading a folder of its own (``dovecot.append(raw, box.folder)`` delivers to it)."""
    return worker.MailboxSettings(host="127.0.0.1", port=dovecot.port, ssl=False, username=USER, password=PASSWORD,
                                  address=USER, folder=dovecot.folder(), own=frozenset({USER}))  # fmt: skip


def _read(app_factory: Any, box: worker.MailboxSettings, tmp_path: Path) -> worker.Round:
    with worker.connect(box) as client:
        return worker.read_round(app_factory.session_factory, client, box, shop=LIVE, store=DiskStore(tmp_path / "files"),
                                 repeat_days=180, sla=None)  # fmt: skip


def _count(session: Session, table: Any, *where: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def test_mail_lands_as_requests_and_threads(
    app_factory: Any, app_session: Session, dovecot: Dovecot, box: worker.MailboxSettings, tmp_path: Path
) -> None:
    first = _mail(
        "Анна Петрова <anna@example.ru>", "Диван в наличии?", "Есть синий диван?", Message_ID="<q1@example.ru>"
    )
    first.add_attachment(b"%PDF-1.4 plan", maintype="application", subtype="pdf", filename="план.pdf")
    dovecot.append(first.as_bytes(), box.folder)
    dovecot.append(_mail("anna@example.ru", "Re: Диван в наличии?", "И доставка?\n\n> Есть синий диван?",
                         Message_ID="<q2@example.ru>", In_Reply_To="<q1@example.ru>").as_bytes(), box.folder)  # fmt: skip
    dovecot.append(
        _mail("anna@example.ru", "Другой вопрос", "А кресло?", Message_ID="<q3@example.ru>").as_bytes(), box.folder
    )
    dovecot.append(_mail("news@shop.example", "Скидки", "…", List_Id="<news.shop.example>").as_bytes(), box.folder)
    dovecot.append(
        _mail("anna@example.ru", "Автоответ: Re: счёт", "Я в отпуске", Auto_Submitted="auto-replied").as_bytes(),
        box.folder,
    )
    done = _read(app_factory, box, tmp_path)
    assert (done.landed, done.skipped, done.failed) == (3, 2, 0)
    talks = list(app_session.scalars(select(Conversation).order_by(Conversation.id)))
    assert [(t.channel, t.peer, t.subject, t.unread) for t in talks] == [
        ("email", "anna@example.ru", "Диван в наличии?", 2),
        ("email", "anna@example.ru", "Другой вопрос", 1),
    ]
    assert talks[0].customer_id == talks[1].customer_id  # one card
    email = app_session.scalars(select(Identity).where(Identity.customer_id == talks[0].customer_id)).all()
    assert [i.kind for i in email] == ["email"]
    texts = [m.text for m in app_session.scalars(select(Message).where(Message.conversation_id == talks[0].id))]
    assert texts == ["Есть синий диван?", "И доставка?"]  # the quoted line cut off
    attached = app_session.scalars(select(Message).where(Message.provider_id == "<q1@example.ru>")).one().attachments
    assert [(a["name"], a["mime"], a["size"]) for a in attached] == [("план.pdf", "application/pdf", 13)]
    assert DiskStore(tmp_path / "files").get(attached[0]["file_key"]) == b"%PDF-1.4 plan"
    assert _count(app_session, Lead, Lead.customer_id == talks[0].customer_id) >= 1
    place = app_session.scalars(select(Mailbox)).one()
    assert (place.address, place.last_uid, place.taken, place.skipped) == (USER, 5, 3, 2)
    assert dovecot.count(box.folder, "UNSEEN") == 5  # read with PEEK: still unread for the people using the mailbox

    assert _read(app_factory, box, tmp_path).landed == 0  # nothing new
    app_session.execute(Mailbox.__table__.update().values(last_uid=0))  # as after a lost place
    app_session.commit()
    again = _read(app_factory, box, tmp_path)
    assert (again.landed, again.failed) == (0, 0) and _count(app_session, Message) == 3  # each once


def test_an_answer_threads_both_ways_and_a_bounce_marks_the_address(
    app_factory: Any, app_session: Session, dovecot: Dovecot, box: worker.MailboxSettings, tmp_path: Path,
    key: str, smtp: Any, request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    sink, port = smtp
    dovecot.append(_mail("oleg@example.ru", "Счёт для ООО Ромашка", "Выставьте счёт", Message_ID="<o1@example.ru>",
                         References="<older@example.ru>").as_bytes(), box.folder)  # fmt: skip
    assert _read(app_factory, box, tmp_path).landed == 1
    talk = app_session.scalars(select(Conversation)).one()
    with TestClient(app_factory()) as api:
        api.headers["Authorization"] = f"Bearer {key}"
        sent = api.post(f"/api/v1/conversations/{talk.id}/messages", json={"text": "Счёт во вложении"})
        assert sent.status_code == 201, sent.text
    channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, sender="noreply@shop.example"))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"email": channel}, lambda: utcnow() + timedelta(seconds=1))["sent"] == 1
    app_session.commit()
    (out,) = sink.received
    assert out["Subject"] == "Re: Счёт для ООО Ромашка" and out["To"] == "oleg@example.ru"
    assert out["In-Reply-To"] == "<o1@example.ru>" and out["References"] == "<older@example.ru> <o1@example.ru>"
    assert out["Reply-To"] == USER and out["Message-ID"].endswith("@example.test>")
    ours = app_session.scalars(select(Message).where(Message.direction == "out")).one()
    assert ours.provider_id == out["Message-ID"]

    # the person answers our answer (their client names it in In-Reply-To): the same conversation
    dovecot.append(_mail("oleg@example.ru", "Re: Счёт для ООО Ромашка", "Спасибо, оплатим", Message_ID="<o2@example.ru>",
                         In_Reply_To=out["Message-ID"]).as_bytes(), box.folder)  # fmt: skip
    # and a second answer of ours bounces: the report names our message
    bounce = (
        "From: MAILER-DAEMON@mx.example.ru\r\nTo: noreply@shop.example\r\nSubject: Undelivered Mail\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nnot delivered\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; oleg@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {out['Message-ID']}\r\n\r\n--B--\r\n"
    )
    dovecot.append(bounce.encode(), box.folder)
    done = _read(app_factory, box, tmp_path)
    assert (done.landed, done.skipped) == (1, 1)
    app_session.expire_all()
    assert [m.text for m in app_session.scalars(select(Message).where(Message.conversation_id == talk.id))] == [
        "Выставьте счёт", "Счёт во вложении", "Спасибо, оплатим"]  # fmt: skip
    assert _count(app_session, Conversation) == 1
    outbox = app_session.scalars(select(OutboxMessage)).one()
    assert outbox.delivery == "failed" and "5.1.1" in (outbox.last_error or "")
    address = app_session.scalars(select(Identity).where(Identity.kind == "email")).one()
    assert address.bounced_at is not None  # campaigns leave the address alone


def test_idle_wakes_the_reader_when_mail_comes(
    app_factory: Any, app_session: Session, dovecot: Dovecot, box: worker.MailboxSettings, tmp_path: Path
) -> None:
    stop = threading.Event()
    reader = threading.Thread(target=worker.follow, args=(app_factory.session_factory, box), daemon=True,
                              kwargs={"shop": LIVE, "store": None, "repeat_days": 180, "sla": None, "stop": stop,
                                      "wait": 60, "pause": 60})  # fmt: skip
    reader.start()
    try:
        time.sleep(0.5)  # the first round done, the reader idle
        started = time.monotonic()
        dovecot.append(
            _mail("ivan@example.ru", "Срочно", "Перезвоните", Message_ID="<i1@example.ru>").as_bytes(), box.folder
        )
        while _count(app_session, Message) == 0 and time.monotonic() - started < 10:
            time.sleep(0.1)
        assert _count(app_session, Message) == 1
        assert time.monotonic() - started < 5  # woken by IDLE, not the 60-s pause
    finally:
        stop.set()
        reader.join(10)
    assert not reader.is_alive()


def test_the_command_says_when_the_mailbox_refuses(
    dovecot: Dovecot, box: worker.MailboxSettings, tmp_path: Path, monkeypatch: Any
) -> None:
    from klientura.cli.main import app

    db = tmp_path / "k.db"
    env = {"KLIENTURA_DATABASE_URL": f"sqlite:///{db}", "KLIENTURA_SECRET_KEY": "x" * 40,
           "KLIENTURA_IMAP_HOST": "127.0.0.1", "KLIENTURA_IMAP_PORT": str(dovecot.port), "KLIENTURA_IMAP_SSL": "false",
           "KLIENTURA_IMAP_USERNAME": USER, "KLIENTURA_IMAP_PASSWORD": "wrong"}  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    refused = runner.invoke(app, ["mail-poll", "--once"])
    assert refused.exit_code != 0 and "refused the login" in refused.output
    monkeypatch.setenv("KLIENTURA_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLIENTURA_IMAP_FOLDER", box.folder)
    dovecot.append(_mail("p@example.ru", "Вопрос", "Привет", Message_ID="<p1@example.ru>").as_bytes(), box.folder)
    done = runner.invoke(app, ["mail-poll", "--once"])
    assert done.exit_code == 0, done.output
    assert "1 landed" in done.output


def test_a_mails_files_are_downloaded_from_the_inbox(
    app_factory: Any, app_session: Session, dovecot: Dovecot, box: worker.MailboxSettings, tmp_path: Path
) -> None:
    mail = _mail("vera@example.ru", "Смета", "Смета и страница", Message_ID="<v1@example.ru>")
    mail.add_attachment(b"%PDF-1.4 smeta", maintype="application", subtype="pdf", filename="смета.pdf")
    mail.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="page.html")
    dovecot.append(mail.as_bytes(), box.folder)
    assert _read(app_factory, box, tmp_path).landed == 1
    create_user(app_session, SYSTEM, "head@test.local", "Head", "admin", "password123")
    app_session.commit()
    talk = app_session.scalars(select(Conversation)).one()
    message = app_session.scalars(select(Message)).one()
    with TestClient(app_factory(), raise_server_exceptions=False) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)[1]  # type: ignore[index]
        web.post("/login", data={"email": "head@test.local", "password": "password123", "csrf_token": token})
        shown = web.get(f"/inbox/{talk.id}/thread").text
        assert f'href="/inbox/{talk.id}/messages/{message.id}/files/0"' in shown and "смета.pdf" in shown
        pdf = web.get(f"/inbox/{talk.id}/messages/{message.id}/files/0")
        assert pdf.status_code == 200 and pdf.content == b"%PDF-1.4 smeta"
        assert pdf.headers["content-type"] == "application/pdf" and "attachment" in pdf.headers["content-disposition"]
        html = web.get(f"/inbox/{talk.id}/messages/{message.id}/files/1")
        assert html.headers["content-type"] == "application/octet-stream"  # a stranger's HTML is never rendered here
        assert web.get(f"/inbox/{talk.id}/messages/{message.id}/files/2").status_code == 404
        assert web.get(f"/inbox/{talk.id + 1}/messages/{message.id}/files/0").status_code == 404
