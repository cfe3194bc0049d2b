"""The addresses providers post their delivery receipts to, and the checks a receipt passes before it counts.

An address is ``/hooks/<provider>/<token>``: the token is signed with the hooks' own key (derived from the secret
key for this purpose alone) and names the provider and a generation. Rotating a provider's address
(:func:`rotate`) makes a new generation; the previous one is still accepted for a day, while the provider's
settings are changed, then never again.

Replays: the generic format (ours: an MTA's bounce processor, a gateway) is signed per request — a
``X-Klientura-Timestamp`` header (Unix seconds) and ``X-Klientura-Signature``, the hex HMAC-SHA256 of
``"<timestamp>.<body>"`` under the address's own secret — and a request older or newer than
:data:`REPLAY_SECONDS` is refused, so a captured request cannot be played again later. SMS.ru and SMSC.ru sign
nothing; a receipt from them is taken only for a message sent in the last :data:`RECEIPT_DAYS` days, and a
receipt changes a message only upward (``read`` over ``delivered`` over ``failed``), so replaying one changes
nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from klientura.audit import Actor, record
from klientura.campaigns.errors import HOOK_FOREIGN, HOOK_SIGNATURE, HOOK_STALE, UNKNOWN_PROVIDER
from klientura.campaigns.links import Links
from klientura.campaigns.models import DeliveryHook
from klientura.db import Session
from klientura.kit.errors import ValidationFailed

PROVIDERS = ("smsru", "smsc", "generic")
GRACE = timedelta(days=1)  # a rotated address keeps working this long
REPLAY_SECONDS = 300
RECEIPT_DAYS = 14


def _hook(session: Session, provider: str) -> DeliveryHook:
    """The provider's address as stored, or its first generation (not stored until it is rotated: reading the
    addresses writes nothing)."""
    if provider not in PROVIDERS:
        raise ValidationFailed(UNKNOWN_PROVIDER, value=provider)
    return session.get(DeliveryHook, provider) or DeliveryHook(provider=provider, generation=1)


def _token(signer: Links, provider: str, generation: int) -> str:
    return signer.sign(f"hook:{provider}:{generation}")


def secret_of(signer: Links, provider: str, generation: int) -> str:
    """The secret a generic sender signs its requests with (one per address generation)."""
    return hmac.new(signer.secret.encode(), f"secret:{provider}:{generation}".encode(), hashlib.sha256).hexdigest()


def addresses(session: Session, signer: Links) -> dict[str, dict[str, str]]:
    """Each provider's current address (and, for the generic format, the secret its requests are signed with)."""
    out = {}
    for provider in PROVIDERS:
        hook = _hook(session, provider)
        url = f"{signer.base_url.rstrip('/')}/hooks/{provider}/{_token(signer, provider, hook.generation)}"
        out[provider] = {"url": url, "rotated_at": hook.rotated_at.isoformat() if hook.rotated_at else ""}
        if provider == "generic":
            out[provider]["secret"] = secret_of(signer, provider, hook.generation)
    return out


def rotate(session: Session, actor: Actor, signer: Links, provider: str, now: datetime) -> dict[str, str]:
    """A new address for the provider; the previous one works for :data:`GRACE` more (audited)."""
    hook = _hook(session, provider)
    if hook not in session:
        session.add(hook)
    hook.generation += 1
    hook.rotated_at, hook.previous_until = now, now + GRACE
    session.flush()
    record(
        session,
        actor,
        "hook.rotate",
        "delivery_hooks",
        provider,
        None,
        {"provider": provider, "generation": hook.generation},
    )
    return addresses(session, signer)[provider]


def admitted(session: Session, signer: Links, provider: str, token: str, now: datetime) -> int:
    """The generation of a receipt's address when it is one of the provider's live ones; else refused."""
    hook = _hook(session, provider)
    found, _, generation = signer.read(token).rpartition(":")
    if found != f"hook:{provider}" or not generation.isdigit():
        raise ValidationFailed(HOOK_FOREIGN)
    gen = int(generation)
    live = gen == hook.generation or (
        gen == hook.generation - 1 and hook.previous_until is not None and now < hook.previous_until
    )
    if not live:
        raise ValidationFailed(HOOK_FOREIGN)
    return gen


def check_signature(
    signer: Links, provider: str, generation: int, body: bytes, stamp: str | None, signature: str | None, now: datetime
) -> None:
    """A generic request's signature and age (see the module)."""
    if not stamp or not signature or not stamp.isdigit():
        raise ValidationFailed(HOOK_SIGNATURE)
    expected = hmac.new(
        secret_of(signer, provider, generation).encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise ValidationFailed(HOOK_SIGNATURE)
    if abs(now.timestamp() - int(stamp)) > REPLAY_SECONDS:
        raise ValidationFailed(HOOK_STALE, seconds=REPLAY_SECONDS)


def sign(secret: str, stamp: int, body: bytes) -> str:
    """How a generic sender signs a request (for its code and for the tests)."""
    return hmac.new(secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
