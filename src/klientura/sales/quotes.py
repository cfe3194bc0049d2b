"""Commercial proposals (КП): a version made from the deal's lines and the company's template, frozen and rendered
to PDF, kept in the file store; sent by e-mail from the deal through the outbox (the PDF attached, a link to read
and accept it); accepted — by the manager or by the client through the link — it moves the deal to its next open
stage, in the history like any move. A new version supersedes the earlier ones still pending."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from klientura import campaigns, customers
from klientura.audit import SYSTEM, Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.kit.requisites import normalize_inn, normalize_kpp, normalize_ogrn
from klientura.kit.shop import Shop
from klientura.kit.storage import FileStore
from klientura.sales import quote_pdf
from klientura.sales.deals import get_deal, move_deal
from klientura.sales.doc_models import DealLine, Quote, QuoteTemplate
from klientura.sales.doc_schemas import QuoteIn, QuoteSend, TemplateIn
from klientura.sales.lines import lines_read
from klientura.sales.models import Company, Deal, Stage
from klientura.sales.schemas import MoveIn

QUOTE_NOT_FOUND = code("quote.not_found", N_("quote %(id)s not found"))
QUOTE_NO_LINES = code("quote.no_lines", N_("the deal has no lines: add the products before making a proposal"))
QUOTE_NO_ADDRESS = code("quote.no_address", N_("the deal's customer has no e-mail: give the address to send to"))
QUOTE_DECIDED = code("quote.decided", N_("quote %(number)s is %(status)s already"))
QUOTE_SUPERSEDED = code("quote.superseded", N_("quote %(number)s was replaced by a newer version"))
LOGO_INVALID = code("quote.logo_invalid", N_("the logo must be a PNG or JPEG image"))
PENDING = ("draft", "sent")
CLIENT = Actor(type="system", id=None, name="client (quote link)", role="admin", scopes=frozenset({"*"}))


@dataclass(frozen=True)
class Documents:
    """Where the documents live and what renders them: injected by the transport from the settings."""

    store: FileStore
    font_dir: Path | None = None
    public_url: str = ""


def template(session: Session) -> QuoteTemplate:
    """The company's template (an empty one, not stored, until an administrator fills it)."""
    return session.scalars(select(QuoteTemplate).order_by(QuoteTemplate.id)).first() or QuoteTemplate(
        seller="", valid_days=10
    )


def set_template(
    session: Session, actor: Actor, data: TemplateIn, docs: Documents, logo: bytes | None = None
) -> QuoteTemplate:
    require(actor, "users:admin")
    found = session.scalars(select(QuoteTemplate).order_by(QuoteTemplate.id)).first()
    row = found or QuoteTemplate()
    values = data.model_dump()
    for key, normalize in (("inn", normalize_inn), ("kpp", normalize_kpp), ("ogrn", normalize_ogrn)):
        if values[key]:
            values[key] = normalize(values[key])
    for key, value in values.items():
        setattr(row, key, value.strip() if isinstance(value, str) else value)
    if logo:
        if not (logo.startswith(b"\x89PNG\r\n\x1a\n") or logo.startswith(b"\xff\xd8\xff")):
            raise ValidationFailed(LOGO_INVALID, field="logo")
        row.logo_key = docs.store.put(logo)
    if found is None:
        session.add(row)
    session.flush()
    record(session, actor, "quote_template.update", "quote_template", row.id, None, {"seller": row.seller})
    return row


def get_quote(session: Session, actor: Actor, quote_id: int) -> Quote:
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(QUOTE_NOT_FOUND, id=quote_id)
    get_deal(session, actor, quote.deal_id)  # seen only by those who see the deal
    return quote


def quotes_of(session: Session, actor: Actor, deal_id: int) -> list[Quote]:
    get_deal(session, actor, deal_id)
    return list(session.scalars(select(Quote).where(Quote.deal_id == deal_id).order_by(Quote.version.desc())))


def _buyer(session: Session, actor: Actor, deal: Deal) -> dict[str, str | None]:
    if deal.company_id is not None:
        company = session.get_one(Company, deal.company_id)
        ids = ", ".join(f"{k} {v}" for k, v in (("ИНН", company.inn), ("КПП", company.kpp)) if v)
        return {"name": company.name, "requisites": ", ".join(x for x in (ids, company.address) if x) or None}
    if deal.customer_id is not None:
        card = customers.card_of(session, deal.customer_id)
        name = " ".join(x for x in (card.last_name, card.first_name, card.middle_name) if x) if card else ""
        return {"name": name or None, "requisites": None}
    return {"name": None, "requisites": None}


def freeze(
    session: Session, actor: Actor, deal: Deal, lines: list[DealLine], shop: Shop, **head: Any
) -> dict[str, Any]:
    """Everything the PDF shows, as it is now: a later change of the lines or the template leaves it as it was."""
    tpl = template(session)
    read = lines_read(lines)
    by_rate: dict[int | None, Any] = {}
    for line in read.lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, 0) + line.vat
    seller_keys = ("seller", "inn", "kpp", "ogrn", "address", "phone", "email", "bank", "bik", "account")
    seller = {k: getattr(tpl, k) for k in (*seller_keys, "corr_account", "signer", "signer_position")}
    return {
        **head,
        "seller": seller,
        "buyer": _buyer(session, actor, deal),
        "intro": tpl.intro,
        "terms": tpl.terms,
        "manager": {"name": actor.name if actor.is_user else None},
        "lines": [r.model_dump(mode="json") for r in read.lines],
        "total": str(read.total),
        "vat": str(read.vat),
        "vat_by_rate": [[rate, str(vat)] for rate, vat in sorted(by_rate.items(), key=lambda x: (x[0] is None, x[0]))],
        "currency": shop.currency,
    }


def create_quote(session: Session, actor: Actor, deal_id: int, data: QuoteIn, shop: Shop, docs: Documents) -> Quote:
    """A new version from the deal's lines, rendered and stored; the pending earlier versions are superseded."""
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    lines = list(session.scalars(select(DealLine).where(DealLine.deal_id == deal.id).order_by(DealLine.position)))
    if not lines:
        raise ValidationFailed(QUOTE_NO_LINES)
    session.execute(select(Deal.id).where(Deal.id == deal.id).with_for_update())  # one version number at a time
    version = (session.scalar(select(func.max(Quote.version)).where(Quote.deal_id == deal.id)) or 0) + 1
    today = shop.today()
    valid_until = data.valid_until or today + timedelta(days=template(session).valid_days)
    number = f"КП-{deal.id}-{version}"
    content = freeze(
        session,
        actor,
        deal,
        lines,
        shop,
        number=number,
        date=today.strftime("%d.%m.%Y"),
        valid_until=valid_until.strftime("%d.%m.%Y"),
    )
    logo_key = template(session).logo_key
    pdf = quote_pdf.render(content, docs.store.get(logo_key) if logo_key else None, docs.font_dir)
    session.execute(
        update(Quote).where(Quote.deal_id == deal.id, Quote.status.in_(PENDING)).values(status="superseded")
    )
    quote = Quote(
        deal_id=deal.id,
        version=version,
        number=number,
        status="draft",
        content=content,
        total=content["total"],
        vat=content["vat"],
        currency=shop.currency,
        valid_until=valid_until,
        file_key=docs.store.put(pdf),
        size=len(pdf),
        token=secrets.token_urlsafe(24),
        created_by_id=actor.id if actor.is_user else None,
        created_by=actor.name[:200],
    )
    session.add(quote)
    session.flush()
    record(session, actor, "quote.create", "deal", deal.id, None, {"quote": number, "total": content["total"]})
    return quote


def quote_file(session: Session, actor: Actor, quote_id: int, docs: Documents) -> tuple[Quote, bytes]:
    quote = get_quote(session, actor, quote_id)
    return quote, docs.store.get(quote.file_key)


def quote_by_token(session: Session, token: str) -> Quote:
    """The quote a client's link names (the link is the secret; no login)."""
    quote = session.scalars(select(Quote).where(Quote.token == token[:64])).first() if token else None
    if quote is None:
        raise NotFound(QUOTE_NOT_FOUND, id="?")
    return quote


def send_quote(session: Session, actor: Actor, quote_id: int, data: QuoteSend, shop: Shop, docs: Documents) -> Quote:
    """To the client by e-mail through the outbox, the PDF attached and the link to accept it in the text."""
    require(actor, "sales:write")
    quote = get_quote(session, actor, quote_id)
    if quote.status == "superseded":
        raise Conflict(QUOTE_SUPERSEDED, number=quote.number)
    deal = session.get_one(Deal, quote.deal_id)
    to = str(data.to) if data.to else None
    if to is None and deal.customer_id is not None:
        found = customers.profiles_of(session, SYSTEM, [deal.customer_id])
        to = found[0].email if found else None
    if not to:
        raise ValidationFailed(QUOTE_NO_ADDRESS, field="to")
    link = f"{docs.public_url.rstrip('/')}/q/{quote.token}" if docs.public_url else ""
    seller = quote.content.get("seller", {}).get("seller") or ""
    text = (data.text or "Добрый день!\n\nНаправляем коммерческое предложение.").strip()
    if link:
        text += f"\n\nПосмотреть и принять предложение: {link}"
    pdf = docs.store.get(quote.file_key)
    draft = campaigns.Draft(
        key=f"quote-{quote.id}-{secrets.token_hex(4)}",
        channel="email",
        to=to,
        source=f"quote:{quote.id}",
        customer_id=deal.customer_id,
        subject=f"Коммерческое предложение № {quote.number}" + (f" — {seller}" if seller else ""),
        text=text,
        data={"attachments": [{"name": f"{quote.number}.pdf", "type": "application/pdf", "content": _b64(pdf)}]},
    )
    campaigns.enqueue(session, [draft], shop.now())
    if quote.status == "draft":
        quote.status = "sent"
    quote.sent_at, quote.sent_to = shop.now(), to
    session.flush()
    record(session, actor, "quote.send", "deal", deal.id, None, {"quote": quote.number, "to": to})
    return quote


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decide_quote(session: Session, actor: Actor, quote: Quote, decision: str, shop: Shop) -> Quote:
    """Accepted: the deal moves to its next open stage (when it has one after where it stands); declined: recorded.
    ``actor`` is the manager recording the client's answer, or :data:`SYSTEM` for the client's own link."""
    if quote.status == "superseded":
        raise Conflict(QUOTE_SUPERSEDED, number=quote.number)
    if quote.status in ("accepted", "declined"):
        raise Conflict(QUOTE_DECIDED, number=quote.number, status=quote.status)
    quote.status = decision
    quote.decided_at = shop.now()
    quote.decided_by = "client" if actor.type == "system" else actor.name[:200]
    session.flush()
    deal = session.get_one(Deal, quote.deal_id)
    if decision == "accepted" and deal.status == "open":
        here = session.get_one(Stage, deal.stage_id)
        after = session.scalars(
            select(Stage)
            .where(
                Stage.pipeline_id == deal.pipeline_id,
                Stage.kind == "open",
                Stage.archived.is_(False),
                Stage.position > here.position,
            )
            .order_by(Stage.position)
        ).first()
        if after is not None:
            move_deal(session, actor, deal.id, MoveIn(stage_id=after.id))
    record(session, actor, f"quote.{decision}", "deal", deal.id, None, {"quote": quote.number})
    return quote


def decide(session: Session, actor: Actor, quote_id: int, decision: str, shop: Shop) -> Quote:
    """A manager records the client's answer."""
    require(actor, "sales:write")
    return decide_quote(session, actor, get_quote(session, actor, quote_id), decision, shop)
