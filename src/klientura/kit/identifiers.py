"""Normalisation of every kind of identity a card can carry.

An identity is ``(kind, value)`` with ``value`` in canonical form, so that two spellings of the same
phone, e-mail or card number compare equal and a unique index can hold the line against duplicates.
"""

from __future__ import annotations

import re
from enum import StrEnum

from klientura.kit.emails import normalize_email
from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.kit.phones import normalize_phone

__all__ = ["IdentityKind", "normalize_identity"]

NOT_A_CARD = code("card.invalid", N_("not a loyalty card number: '%(value)s'"))
NOT_A_TELEGRAM = code("telegram.invalid", N_("not a Telegram user id or username: '%(value)s'"))
NOT_A_VK = code("vk.invalid", N_("not a VK id: '%(value)s'"))
NOT_AN_EXTERNAL_ID = code("external.invalid", N_("external id must look like 'source:id': '%(value)s'"))
UNKNOWN_KIND = code("identity.unknown_kind", N_("unknown identity kind: '%(value)s'"))


class IdentityKind(StrEnum):
    phone = "phone"
    email = "email"
    card = "card"
    telegram = "telegram"
    vk = "vk"
    external = "external"


_CARD = re.compile(r"[\s\-]")
_TG_USER = re.compile(r"^[a-z][a-z0-9_]{4,31}$")
_VK = re.compile(r"^(id\d+|[a-z0-9_.]{3,64})$")
_EXTERNAL = re.compile(r"^[A-Za-z0-9_.\-]{1,64}:[^\s]{1,128}$")


def normalize_card(raw: str) -> str:
    value = _CARD.sub("", (raw or "").strip()).upper()
    if not value or not value.isalnum() or len(value) > 32 or len(value) < 4:
        raise ValidationFailed(NOT_A_CARD, value=raw)
    return value


def normalize_telegram(raw: str) -> str:
    value = (raw or "").strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/", "@"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    if value.isdigit() and 0 < len(value) <= 20:
        return value
    value = value.lower()
    if not _TG_USER.match(value):
        raise ValidationFailed(NOT_A_TELEGRAM, value=raw)
    return "@" + value


def normalize_vk(raw: str) -> str:
    value = (raw or "").strip().lower()
    for prefix in ("https://vk.com/", "http://vk.com/", "vk.com/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if value.isdigit():
        value = "id" + value
    if not _VK.match(value):
        raise ValidationFailed(NOT_A_VK, value=raw)
    return value


def normalize_external(raw: str, source: str | None = None) -> str:
    """External ids are scoped by their source system: ``"1c:000123"``."""
    value = (raw or "").strip()
    if source:
        value = f"{source.strip().lower()}:{value}"
    else:
        head, sep, tail = value.partition(":")
        value = f"{head.lower()}{sep}{tail}"
    if not _EXTERNAL.match(value):
        raise ValidationFailed(NOT_AN_EXTERNAL_ID, value=raw)
    return value


def normalize_identity(kind: str, raw: str, *, region: str, source: str | None = None) -> str:
    if kind == "phone":
        return normalize_phone(raw, region)
    if kind == "email":
        return normalize_email(raw)
    if kind == "card":
        return normalize_card(raw)
    if kind == "telegram":
        return normalize_telegram(raw)
    if kind == "vk":
        return normalize_vk(raw)
    if kind == "external":
        return normalize_external(raw, source)
    raise ValidationFailed(UNKNOWN_KIND, value=kind)
