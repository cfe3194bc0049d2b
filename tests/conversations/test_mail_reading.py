"""E-mail read into requests (issue 19): who wrote, the thread, the new words of a reply, the files — and the mail
that is nobody's request: automatic answers, mailing lists, bounces (with the message they return)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from klientura.conversations import read_mail
from klientura.conversations.mail import html_text, message_key, unquote


def _mail(body: str = "Здравствуйте! Есть ли диван в наличии?", **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "Анна Петрова <Anna@Example.ru>")
    mail["To"] = "shop@example.test"
    mail["Subject"] = headers.pop("Subject", "Вопрос о диване")
    mail["Message-ID"] = headers.pop("Message_ID", make_msgid(domain="example.ru"))
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def test_a_request_its_sender_subject_and_words() -> None:
    raw = _mail(Message_ID="<abc@example.ru>").as_bytes()
    mail = read_mail(raw)
    assert (mail.kind, mail.sender, mail.sender_name) == ("request", "anna@example.ru", "Анна Петрова")
    assert mail.subject == "Вопрос о диване" and mail.text == "Здравствуйте! Есть ли диван в наличии?"
    assert mail.message_id == "<abc@example.ru>" and mail.thread == []
    inbound = mail.inbound(mailbox="shop@example.test", attachments=[])
    assert inbound.identities == {"email": "anna@example.ru", "full_name": "Анна Петрова"}
    assert (inbound.channel, inbound.peer, inbound.provider_id) == ("email", "anna@example.ru", "<abc@example.ru>")


def test_a_reply_names_its_thread_and_its_quoted_history_is_cut() -> None:
    body = "Да, беру синий.\n\nАнна\n\nOn Tue, 1 Dec 2026 at 10:00, Shop <shop@example.test> wrote:\n> Есть синий и серый\n>\n> Магазин"
    mail = read_mail(_mail(body, In_Reply_To="<r2@shop>", References="<q1@example.ru> <r2@shop>").as_bytes())
    assert mail.text == "Да, беру синий.\n\nАнна"
    assert mail.thread == ["<r2@shop>", "<q1@example.ru>"]  # the nearest first


def test_quoted_history_in_russian_and_outlook_styles() -> None:
    assert unquote("Спасибо!\n\n1 дек. 2026 г., в 10:00, Магазин <shop@x.ru> написал:\n> Ответ") == "Спасибо!"
    assert unquote("Ок\n-----Original Message-----\nFrom: Shop\nSent: today\n\nТекст") == "Ок"
    assert unquote("> только цитата") == "> только цитата"  # nothing new: kept as it is
    assert unquote("Первая строка\nFrom: мой коллега сказал\nвторая") == "Первая строка"


def test_an_html_only_message_reads_as_text() -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "b@example.ru", "shop@example.test", "HTML"
    mail.set_content("<html><head><style>p{color:red}</style></head><body><p>Добрый день,</p><p>нужен <b>счёт</b>"
                     "</p><script>x()</script></body></html>", subtype="html")  # fmt: skip
    assert read_mail(mail.as_bytes()).text == "Добрый день,\n\nнужен счёт"
    assert html_text("a<br>b") == "a\nb"


def test_files_are_taken_and_a_missing_message_id_is_made_from_the_bytes() -> None:
    mail = _mail("Смотрите фото")
    del mail["Message-ID"]
    mail.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="диван.png")
    raw = mail.as_bytes()
    read = read_mail(raw)
    assert read.files == [("диван.png", "image/png", b"\x89PNG...")] and read.text == "Смотрите фото"
    assert read.message_id == read_mail(raw).message_id and read.message_id.endswith("@no-message-id>")
    assert message_key("<" + "x" * 300 + "@y>").endswith("@digest>") and len(message_key("<" + "x" * 300 + "@y>")) < 200


def test_automatic_answers_and_lists_are_not_requests() -> None:
    cases = [
        ({"Auto_Submitted": "auto-replied"}, "auto"),
        ({"X_Autoreply": "yes"}, "auto"),
        ({"X_Auto_Response_Suppress": "All"}, "auto"),
        ({"Precedence": "bulk"}, "auto"),
        ({"Subject": "Автоответ: Вопрос о диване"}, "auto"),
        ({"Subject": "Out of Office: Re: счёт"}, "auto"),
        ({"List_Id": "<news.example.ru>"}, "list"),
        ({"Auto_Submitted": "no"}, "request"),
    ]
    for headers, kind in cases:
        assert read_mail(_mail(**headers).as_bytes()).kind == kind, headers
    own = read_mail(_mail(From="shop@example.test").as_bytes(), own=frozenset({"shop@example.test"}))
    assert own.kind == "auto" and own.reason == "our own message"


def _bounce(status: str, action: str = "failed") -> bytes:
    """A delivery report as Postfix writes one (RFC 3464): the words, the status fields, the returned headers."""
    return (
        "From: MAILER-DAEMON@mx.example.ru\r\nTo: shop@example.test\r\nSubject: Undelivered Mail Returned to Sender"
        '\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ru\r\n\r\n"
        f"Final-Recipient: rfc822; Nobody@Example.ru\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: shop@example.test\r\nTo: nobody@example.ru\r\n"
        "Message-ID: <conversation.7.9.abc@example.test>\r\nSubject: Re: hi\r\n\r\n--B--\r\n"
    ).encode()


def test_a_bounce_names_the_message_it_returns_and_whether_the_address_is_bad() -> None:
    mail = read_mail(_bounce("5.1.1"))
    assert mail.kind == "bounce" and mail.bounce is not None
    b = mail.bounce
    assert (b.original_id, b.recipient, b.status, b.hard) == ("<conversation.7.9.abc@example.test>",
                                                               "nobody@example.ru", "5.1.1", True)  # fmt: skip
    assert "User unknown" in b.diagnostic
    assert read_mail(_bounce("5.7.1")).bounce.hard is False  # type: ignore[union-attr]  (policy: not the address)
    delayed = read_mail(_bounce("4.4.1", action="delayed")).bounce
    assert delayed is not None and not delayed.status.startswith("5")


def test_a_daemons_plain_message_is_a_bounce_too() -> None:
    mail = _mail("Delivery failed: 5.1.1 mailbox unavailable", From="postmaster@mx.example.ru",
                 References="<conversation.1.2.x@example.test>")  # fmt: skip
    read = read_mail(mail.as_bytes())
    assert read.kind == "bounce" and read.bounce is not None
    assert (read.bounce.original_id, read.bounce.status, read.bounce.hard) == ("<conversation.1.2.x@example.test>",
                                                                               "5.1.1", True)  # fmt: skip
