"""Referrals: every customer's personal code (and its QR image), a friend who brings it, and points for both on
the friend's first purchase. A customer cannot refer themself: not the same card, not a card merged into the
other, not a pair the duplicate finder holds for one person, and only a friend with no earlier purchase."""

from __future__ import annotations

import io
import secrets
from datetime import datetime

import segno
from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import get_customer, survivors_of
from klientura.db import Session
from klientura.dedup import suggested
from klientura.kit.errors import Conflict, NotFound
from klientura.loyalty.errors import ALREADY_REFERRED, NO_INVITATION, NO_REFERRAL_CODE, NOT_NEW, SELF_REFERRAL
from klientura.loyalty.offer_models import Referral, ReferralCode
from klientura.loyalty.offers import ALPHABET, normalise
from klientura.orders import has_bought


def code_of(session: Session, actor: Actor, customer_id: int) -> str | None:
    """The customer's personal code, or None before one is issued (:func:`issue_code`)."""
    require(actor, "loyalty:read")
    customer = get_customer(session, actor, customer_id)
    return session.scalars(select(ReferralCode.code).where(ReferralCode.customer_id == customer.id)).first()


def issue_code(session: Session, actor: Actor, customer_id: int) -> str:
    """The customer's personal code, made now if they have none (the same code every time after)."""
    require(actor, "loyalty:write")
    existing = code_of(session, actor, customer_id)
    if existing is not None:
        return existing
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        if session.scalars(select(ReferralCode.id).where(ReferralCode.code == code)).first() is None:
            break
    session.add(ReferralCode(customer_id=customer_id, code=code))
    session.flush()
    return code


def invitation(
    session: Session, actor: Actor, customer_id: int, template: str, server: str, *, issue: bool = False
) -> dict[str, str]:
    """The customer's code and the link a friend opens (the programme's template, or this server's page); with
    ``issue`` the code is made if there is none, else a customer without one is a :class:`NotFound`."""
    code = issue_code(session, actor, customer_id) if issue else code_of(session, actor, customer_id)
    if code is None:
        raise NotFound(NO_INVITATION, id=customer_id)
    link = template.replace("{code}", code) if template else f"{server.rstrip('/')}/r/{code}"
    return {"code": code, "link": link}


def qr_svg(link: str) -> str:
    """The QR image of the invitation link, as SVG (scales on screens and print)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue().decode()


def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def referrer_of(session: Session, code: str) -> int:
    row = session.scalars(select(ReferralCode).where(ReferralCode.code == normalise(code))).first()
    if row is None:
        raise NotFound(NO_REFERRAL_CODE, value=normalise(code))
    return row.customer_id


def _same_person(session: Session, a: int, b: int) -> bool:
    """One card, one merged into the other (or both into a third), or a pair suggested as duplicates."""
    if a == b:
        return True
    lives = survivors_of(session, [a, b])
    if lives.get(a, a) == lives.get(b, b):
        return True
    return suggested(session, a, b)


def _bought_before(session: Session, customer_id: int, order_id: int | None) -> bool:
    return has_bought(session, customer_id, besides=order_id)


def validate(session: Session, friend_id: int, code: str, order_id: int | None = None) -> Referral | int:
    """The referrer of ``code`` if ``friend_id`` may be referred by them (or the referral already made); refused
    for oneself, a friend who has bought before, or a friend already referred by someone else."""
    referrer_id = referrer_of(session, code)
    if _same_person(session, referrer_id, friend_id):
        raise Conflict(SELF_REFERRAL)
    existing = session.scalars(select(Referral).where(Referral.friend_id == friend_id)).first()
    if existing is not None:
        if existing.referrer_id == referrer_id:
            return existing
        raise Conflict(ALREADY_REFERRED)
    if _bought_before(session, friend_id, order_id):
        raise Conflict(NOT_NEW)
    return referrer_id


def refer(
    session: Session, actor: Actor, friend_id: int, code: str, at: datetime, order_id: int | None = None
) -> Referral:
    """Record that ``code``'s owner brought ``friend_id`` (see :func:`validate`)."""
    referrer_id = validate(session, friend_id, code, order_id)
    if isinstance(referrer_id, Referral):
        return referrer_id
    row = Referral(referrer_id=referrer_id, friend_id=friend_id, status="pending", at=at)
    session.add(row)
    session.flush()
    record(session, actor, "loyalty.referral", "customer", friend_id, None, {"referrer_id": referrer_id})
    return row


def register(session: Session, actor: Actor, friend_id: int, code: str, at: datetime) -> Referral:
    """A friend signing up with a code before buying (checked as at a till)."""
    require(actor, "loyalty:process")
    friend = get_customer(session, actor, friend_id)
    return refer(session, actor, friend.id, code, at)


def pending_for(session: Session, friend_id: int) -> Referral | None:
    return session.scalars(
        select(Referral).where(Referral.friend_id == friend_id, Referral.status == "pending")
    ).first()
