"""Web forms: built by a marketer (fields mapped to card fields, a consent box with its text's version, a
thank-you page or a redirect, the sites allowed to post it), sent by visitors to ``/f/<key>``.

A submission becomes the person's card (found by phone or e-mail, made for a new person), a request routed by the
repeat-request rule, a conversation whose replies go to the address it gave, and — when the form asks for it — the
consent with the words and version the person agreed to. Spam is kept out without outside services: a honeypot
field humans never see (a bot that fills it is thanked and nothing is stored), a timing token (a form sent within
two seconds of being shown, or a day after, is refused) and a rate limit per address (the transport's)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from klientura import customers
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.conversations.errors import (
    FORM_CONSENT_NEEDED,
    FORM_FIELD_REPEATS,
    FORM_INVALID,
    FORM_NO_IDENTITY,
    FORM_NOT_FOUND,
    FORM_REQUIRED,
    FORM_STALE,
    FORM_TOO_FAST,
    FORM_UNKNOWN_FIELD,
)
from klientura.conversations.models import Form
from klientura.conversations.schemas import DEFAULT_FIELDS, FormField, FormIn, Inbound, Submitted
from klientura.conversations.service import inbound_actor, receive
from klientura.conversations.sla import Sla
from klientura.db import Session
from klientura.kit.errors import NotFound, ValidationFailed
from klientura.kit.shop import Shop

HONEYPOT = "_hp"  # a field hidden from people: whatever fills it is a bot
TIMING = "_ts"  # the token the form was shown with
CONSENT = "_consent"
CLICK_IDS = {"yclid": "yandex", "gclid": "google", "rb_clickid": "vk", "fbclid": "facebook"}  # the ad system's click
META = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "referrer", "page", *CLICK_IDS)
MIN_SECONDS, MAX_SECONDS = 2, 86_400
YES = {"on", "1", "true", "yes", "да"}


def create_form(session: Session, actor: Actor, data: FormIn) -> Form:
    require(actor, "campaigns:write")
    fields = data.fields if data.fields is not None else DEFAULT_FIELDS
    names = [f.name for f in fields]
    for name in names:
        if names.count(name) > 1:
            raise ValidationFailed(FORM_FIELD_REPEATS, field="fields", value=name)
    if not any(f.maps_to in ("phone", "email") for f in fields):
        raise ValidationFailed(FORM_NO_IDENTITY, field="fields")
    form = Form(
        key=secrets.token_urlsafe(12),
        name=data.name,
        fields=[f.model_dump() for f in fields],
        consent_text=data.consent_text,
        consent_version=data.consent_version,
        consent_channels=list(data.consent_channels),
        thanks=data.thanks,
        redirect_url=data.redirect_url,
        origins=[o.rstrip("/").lower() for o in data.origins],
        created_by=actor.name,
    )
    session.add(form)
    session.flush()
    record(session, actor, "form.create", "form", form.id, None, {"name": form.name, "key": form.key})
    return form


def list_forms(session: Session, actor: Actor) -> list[Form]:
    require(actor, "campaigns:read")
    return list(session.scalars(select(Form).where(Form.archived_at.is_(None)).order_by(Form.id)))


def form_by_key(session: Session, key: str) -> Form:
    """A live form by its public key (what a visitor's browser may read: its fields, words and sites)."""
    form = session.scalars(select(Form).where(Form.key == key[:32], Form.archived_at.is_(None))).first()
    if form is None:
        raise NotFound(FORM_NOT_FOUND, id=key[:32])
    return form


def timing_token(secret: bytes, key: str, now: datetime) -> str:
    """The token a form is shown with: when, signed for this form."""
    stamp = str(int(now.timestamp()))
    return f"{stamp}.{_sign(secret, key, stamp)}"


def _sign(secret: bytes, key: str, stamp: str) -> str:
    return hmac.new(secret, f"{key}:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def check_timing(secret: bytes, key: str, token: str, now: datetime) -> None:
    stamp, _, signature = token.partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(signature.encode(), _sign(secret, key, stamp).encode()):
        raise ValidationFailed(FORM_STALE, field=TIMING)
    age = now.timestamp() - int(stamp)
    if age < MIN_SECONDS:
        raise ValidationFailed(FORM_TOO_FAST, field=TIMING)
    if age > MAX_SECONDS:
        raise ValidationFailed(FORM_STALE, field=TIMING)


@dataclass(frozen=True)
class Sent:
    """What the visitor's browser sent: the form's fields and the page's meta (UTM, referrer, click ids)."""

    values: dict[str, str]
    timing: str | None = None
    honeypot: str = ""
    address: str = ""


def is_bot(sent: Sent) -> bool:
    return bool(sent.honeypot.strip())


def submit(
    session: Session, shop: Shop, form: Form, sent: Sent, *, secret: bytes, repeat_days: int, sla: Sla | None = None
) -> Submitted:
    """One submission, checked field by field (a clear code for the first problem), then landed (see the module)."""
    now = shop.now()
    if sent.timing is not None:
        check_timing(secret, form.key, sent.timing, now)
    fields = [FormField.model_validate(f) for f in form.fields]
    known = {f.name for f in fields}
    for name in sent.values:
        if name not in known and name not in META and name != CONSENT:
            raise ValidationFailed(FORM_UNKNOWN_FIELD, field=name)
    card: dict[str, Any] = {}
    custom: dict[str, str] = {}
    comment = ""
    for f in fields:
        value = (
            " ".join(str(sent.values.get(f.name, "")).split())
            if f.kind != "textarea"
            else sent.values.get(f.name, "").strip()
        )
        if f.kind == "checkbox":
            value = "yes" if value.lower() in YES else ""
        if not value:
            if f.required:
                raise ValidationFailed(FORM_REQUIRED, field=f.name)
            continue
        if f.kind == "select" and f.options and value not in f.options:
            raise ValidationFailed(FORM_INVALID, field=f.name, value=value[:100])
        if f.maps_to == "comment":
            comment = value[:4000]
        elif f.maps_to == "custom":
            custom[f.name] = value[:1000]
        else:
            card[f.maps_to] = value[:300]
    if not (card.get("phone") or card.get("email")):
        raise ValidationFailed(FORM_REQUIRED, field=next(f.name for f in fields if f.maps_to in ("phone", "email")))
    if form.consent_text and str(sent.values.get(CONSENT, "")).strip().lower() not in YES:
        raise ValidationFailed(FORM_CONSENT_NEEDED, field=CONSENT)
    meta = {k: str(sent.values[k])[:500] for k in META if sent.values.get(k)}
    if custom:
        card["attributes"] = {f"form_{k}": v for k, v in custom.items()}
    text = "\n".join([comment, *(f"{k}: {v}" for k, v in custom.items())]).strip()
    prepared = customers.prepare(customers.CustomerIn.model_validate(card), shop=shop, source=f"form:{form.key}")
    peer = next((v for k, v, _r in prepared.identities if k == "email"), None) or next(
        v for k, v, _r in prepared.identities if k == "phone"
    )
    inbound = Inbound(
        channel="form",
        peer=peer,
        provider_id=None,
        text=text,
        identities=card,
        lead_channel="form",
        data={"form_id": form.id, "form": form.name, "fields": custom, **meta},
        utm=_utm(meta),
        subject=form.name,
    )
    talk, _message, outcome = receive(session, shop, inbound, repeat_days=repeat_days, route_every=True, sla=sla)
    assert outcome is not None
    if form.consent_text:
        given = customers.Given(
            source=f"form:{form.key}",
            at=now,
            explicit=True,
            wording=(form.consent_version or form.consent_text)[:200],
            place=(meta.get("page") or meta.get("referrer") or f"/f/{form.key}")[:200],
        )
        for channel in form.consent_channels:
            customers.set_consent(session, inbound_actor(f"form:{form.key}"), outcome.customer_id, channel, True, given)
    return Submitted(
        customer_id=outcome.customer_id,
        lead_id=outcome.lead_id,
        deal_id=outcome.deal_id,
        outcome=outcome.outcome,
        conversation_id=talk.id,
    )


def _utm(meta: dict[str, str]) -> dict[str, str]:
    """The request's UTM tags; without a source tag, the ad system whose click id the page was opened with (Yandex
    Direct's yclid, Google Ads' gclid, VK Ads' rb_clickid): the click is attributed even where the ad's link was not
    tagged."""
    utm = {k.removeprefix("utm_"): v for k, v in meta.items() if k.startswith("utm_")}
    if "source" not in utm:
        clicked = next((source for key, source in CLICK_IDS.items() if meta.get(key)), None)
        if clicked is not None:
            utm["source"] = clicked
    return utm
