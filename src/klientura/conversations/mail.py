"""E-mail read into inbound messages: the sender (their card's ``email`` identity), the thread it belongs to
(``In-Reply-To`` and ``References`` name earlier messages: ours or the person's), the text the person wrote (the
quoted history cut off), and the files. Mail that is nobody's request is told apart before it becomes one:
an automatic answer (RFC 3834's ``Auto-Submitted``, the ``X-Autoreply`` family, ``Precedence: bulk``, an
out-of-office subject), a mailing list, and a bounce (RFC 3464's delivery report, or a mailer-daemon's message)
— the bounce then says which of our messages did not arrive and why."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any, Literal

from klientura.conversations.schemas import Inbound

Kind = Literal["request", "auto", "list", "bounce"]

_ID = re.compile(r"<[^<>\s]{1,400}>")
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|autoreply|out of (the )?office|abwesenheit|автоответ|"
    r"автоматический ответ|нет на месте|в отпуске)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^\s*(on .{4,200} wrote:|.{4,200} (написал|написала|написал\(а\)|пишет):|-{2,} ?(original message|"
    r"исходное сообщение|forwarded message|пересылаемое сообщение) ?-{2,}|from: .+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Bounce:
    """A delivery report: the message it is about (its Message-ID), the address, the status and whether the
    address itself is bad (5.1.x, 5.2.1: a hard bounce)."""

    original_id: str | None
    recipient: str | None
    status: str
    diagnostic: str
    hard: bool


@dataclass(frozen=True)
class Mail:
    kind: Kind
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    to: list[str]
    subject: str
    text: str
    in_reply_to: str | None
    references: list[str]
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, type, bytes)
    bounce: Bounce | None = None
    reason: str = ""  # why it is not a request

    @property
    def thread(self) -> list[str]:
        """The messages it answers, the nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + self.references[::-1]
        return list(dict.fromkeys(ids))

    def inbound(self, *, mailbox: str, attachments: list[dict[str, Any]]) -> Inbound:
        identities = {"email": self.sender}
        if self.sender_name and "@" not in self.sender_name:
            identities["full_name"] = self.sender_name[:300]
        return Inbound(
            channel="email",
            peer=self.sender,
            provider_id=self.message_id,
            text=self.text or ("(" + self.subject + ")" if self.subject else ""),
            identities=identities,
            lead_channel="email",
            attachments=attachments,
            data={"mailbox": mailbox, "message_id": self.message_id, "references": self.thread[::-1][-20:]},
            subject=self.subject[:300] or None,
            thread=tuple(self.thread),
        )


def message_key(value: str) -> str:
    """A Message-ID as kept (the provider's id: at most 200 characters — a longer one by its digest)."""
    value = value.strip()
    return value if len(value) <= 200 else "<" + hashlib.sha256(value.encode()).hexdigest() + "@digest>"


def read_mail(raw: bytes, *, own: frozenset[str] = frozenset(), max_file: int = 25 * 2**20) -> Mail:
    """One message as the mailbox holds it (RFC 5322 bytes). ``own``: our addresses (a message from them is ours,
    come back: never a request)."""
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    name, sender = _address(mail, "From")
    message_id = _ids(_header(mail, "Message-ID"))
    key = message_key(message_id[0] if message_id else "<" + hashlib.sha256(raw).hexdigest() + "@no-message-id>")
    in_reply_to = _ids(_header(mail, "In-Reply-To"))
    references = [message_key(i) for i in _ids(_header(mail, "References"))][-50:]
    subject = " ".join(_header(mail, "Subject").split())[:300]
    kind, reason = _kind(mail, sender, subject, own)
    bounce = _bounce(mail) if kind == "bounce" else None
    text, files = _content(mail, max_file) if kind == "request" else ("", [])
    return Mail(
        kind=kind,
        message_id=key,
        sender=sender,
        sender_name=name,
        to=[a.lower() for _, a in getaddresses([_header(mail, "To"), _header(mail, "Cc")]) if a],
        subject=subject,
        text=text[:8000],
        in_reply_to=message_key(in_reply_to[0]) if in_reply_to else None,
        references=references,
        files=files,
        bounce=bounce,
        reason=reason,
    )


def _header(mail: Message, name: str) -> str:
    try:
        value = mail.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot read: as if absent
        return ""
    return str(value or "").replace("\r", " ").replace("\n", " ")


def _address(mail: Message, name: str) -> tuple[str, str]:
    display, address = parseaddr(_header(mail, name))
    return display.strip()[:300], address.strip().lower()[:320]


def _ids(value: str) -> list[str]:
    return _ID.findall(value)


def _kind(mail: EmailMessage, sender: str, subject: str, own: frozenset[str]) -> tuple[Kind, str]:
    ctype = mail.get_content_type()
    if ctype == "multipart/report" or (_DAEMON.match(sender) and ctype.startswith("multipart")) or not sender:
        return "bounce", "a delivery report"
    if _DAEMON.match(sender):
        return "bounce", "a mail server's message"
    if sender in own:
        return "auto", "our own message"
    auto = _header(mail, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return "auto", f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-AutoReply-From", "X-Mail-Autoreply"):
        if _header(mail, name):
            return "auto", name
    suppress = _header(mail, "X-Auto-Response-Suppress").lower()
    if suppress and any(v in suppress for v in ("all", "oof", "autoreply")):
        return "auto", "X-Auto-Response-Suppress"
    precedence = _header(mail, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply"):
        return "auto", f"Precedence: {precedence}"
    if precedence == "list" or _header(mail, "List-Id") or _header(mail, "List-Unsubscribe"):
        return "list", "a mailing list"
    if _AUTO_SUBJECT.match(subject):
        return "auto", "an automatic answer's subject"
    return "request", ""


def _bounce(mail: EmailMessage) -> Bounce:
    """What a bounce is about: the delivery status part's fields and the returned message's id (from its
    headers, else from the bounce's own References)."""
    fields: dict[str, str] = {}
    original: str | None = None
    for part in mail.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            blocks = part.get_payload() if part.is_multipart() else []
            for block in blocks if isinstance(blocks, list) else []:
                for name, value in block.items() if isinstance(block, Message) else ():
                    fields.setdefault(name.lower(), str(value))
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and original is None:
            original = _returned_id(part)
    if original is None:
        refs = _ids(_header(mail, "In-Reply-To")) + _ids(_header(mail, "References"))
        original = message_key(refs[0]) if refs else None
    if not fields:  # a daemon's plain message: its words are the diagnostic
        body = mail.get_body(preferencelist=("plain",))
        words = _text_of(body) if body is not None else ""
        found = re.search(r"\b([45]\.\d{1,3}\.\d{1,3})\b", words)
        status = found[1] if found else "5.0.0"
        return Bounce(original, None, status, " ".join(words.split())[:300], _hard(status))
    recipient = fields.get("final-recipient", "").rpartition(";")[2].strip().lower() or None
    status = fields.get("status", "5.0.0").strip()
    if fields.get("action", "failed").strip().lower() != "failed":
        status = "4.0.0" if status.startswith("5") else status  # delayed, relayed, delivered: not a failure
    diagnostic = " ".join(fields.get("diagnostic-code", "").split())[:300]
    return Bounce(original, recipient, status, diagnostic, _hard(status))


def _returned_id(part: Message) -> str | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        ids = _ids(str(inner.get("Message-ID", ""))) if isinstance(inner, Message) else []
    else:
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(part.get_payload())
        found = re.search(r"(?im)^message-id:\s*(<[^<>\s]+>)", text)
        ids = [found[1]] if found else []
    return message_key(ids[0]) if ids else None


def _hard(status: str) -> bool:
    return status.startswith("5.1.") or status == "5.2.1"


def _content(mail: EmailMessage, max_file: int) -> tuple[str, list[tuple[str, str, bytes]]]:
    body = mail.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _text_of(body)
        if body.get_content_type() == "text/html":
            text = html_text(text)
    files: list[tuple[str, str, bytes]] = []
    for part in mail.iter_attachments() if mail.is_multipart() else ():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data or len(data) > max_file:
            continue
        files.append((part.get_filename() or "file", part.get_content_type(), data))
    return unquote(text), files[:20]


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        return content if isinstance(content, str) else ""
    except (LookupError, UnicodeError, AttributeError):  # an unknown or lying charset: the bytes as best we can
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def unquote(text: str) -> str:
    """The new words of a reply: the quoted history below an attribution line ("On … wrote:", "… написал:",
    "-----Original Message-----") and trailing quoted lines cut off; the signature kept."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if not i or not _ATTRIBUTION.match(line):
            continue
        rest = [x for x in lines[i + 1 :] if x.strip()]
        low = line.strip().lower()
        if not rest or rest[0].lstrip().startswith(">") or low.startswith(("-", "from:")):
            lines = lines[:i]  # "… wrote:" above quoted lines, a separator, an Outlook header block
            break
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    return "\n".join(lines).strip() or text.strip()


class _Text(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag in self.BREAKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_text(html: str) -> str:
    """An HTML body's words, line breaks where the blocks were."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    return re.sub(r"\n\s*\n+", "\n\n", "\n".join(" ".join(line.split()) for line in text.split("\n"))).strip()
