"""Which column is which: headers in Russian and English recognised, the user may override."""

from __future__ import annotations

import re

from klientura.imports.errors import BAD_MAPPING, NO_SUCH_COLUMN, UNKNOWN_FIELD
from klientura.kit.errors import ValidationFailed

CUSTOMER_FIELDS: dict[str, tuple[str, ...]] = {
    "full_name": ("фио", "фамилия имя отчество", "клиент", "покупатель", "full name", "name", "customer name"),
    "last_name": ("фамилия", "last name", "surname", "family name", "lastname"),
    "first_name": ("имя", "first name", "given name", "firstname"),
    "middle_name": ("отчество", "middle name", "patronymic", "middlename"),
    "phone": ("телефон", "тел", "мобильный", "мобильный телефон", "phone", "mobile", "phone number", "телефон клиента"),
    "email": ("e-mail", "email", "эл почта", "электронная почта", "почта", "e mail", "mail"),
    "birth_date": ("дата рождения", "день рождения", "birth date", "birthday", "date of birth", "dob", "birthdate"),
    "gender": ("пол", "gender", "sex"),
    "city": ("город", "city", "населенный пункт", "town", "suburb", "locality"),
    "postcode": ("индекс", "почтовый индекс", "postcode", "post code", "postal code", "zip", "zip code"),
    "region": ("регион", "область", "край", "субъект рф", "region", "state", "province"),
    "address": (
        "адрес",
        "улица",
        "адрес доставки",
        "почтовый адрес",
        "адрес клиента",
        "address",
        "street",
        "street address",
        "delivery address",
        "address 1",
        "address line 1",
        "address1",
    ),
    # composed into the street address: the house number before it, a second line after it
    "house": ("дом", "номер дома", "street number", "house number", "house", "building number"),
    "address_2": ("адрес 2", "address 2", "address line 2", "address2", "квартира", "кв", "flat", "apartment"),
    "card": ("номер карты", "карта", "дисконтная карта", "бонусная карта", "card", "card number", "loyalty card"),
    "external_id": (
        "внешний id",
        "внешний код",
        "код клиента",
        "id клиента",
        "external id",
        "customer id",
        "client id",
        "client code",
        "customer code",
        "client number",
        "customer number",
        "record id",
        "rec id",
        "id",
    ),
    "telegram": ("telegram", "телеграм", "телеграмм"),
    "tags": ("теги", "метки", "tags", "labels"),
    "consent_email": ("согласие на email", "согласие на e-mail", "подписка email", "email consent", "email opt in"),
    "consent_sms": ("согласие на смс", "согласие на sms", "подписка sms", "sms consent", "sms opt in"),
    "acquisition_source": ("источник", "канал привлечения", "source", "acquisition source"),
}
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "номер чека",
        "чек",
        "номер заказа",
        "заказ",
        "receipt",
        "receipt number",
        "order id",
        "order number",
    ),
    "placed_at": (
        "дата покупки",
        "дата",
        "дата чека",
        "дата заказа",
        "date",
        "order date",
        "purchase date",
        "datetime",
    ),
    "total": ("сумма", "сумма чека", "сумма покупки", "итого", "amount", "total", "sum"),
    "discount": ("скидка", "сумма скидки", "discount"),
    "outlet": ("магазин", "точка", "торговая точка", "филиал", "store", "shop", "outlet"),
    "channel": ("канал", "канал продаж", "channel", "sales channel"),
    "sku": ("артикул", "sku", "код товара", "product code", "product id"),
    "qty": ("количество", "кол-во", "кол во", "qty", "quantity"),
    "price": ("цена", "price", "unit price"),
    "line_discount": ("скидка на позицию", "line discount"),
    "promo_code": ("промокод", "promo code", "promocode", "coupon"),
    "status": ("статус", "status"),
    "customer_external_id": ("код клиента", "внешний id", "id клиента", "customer id", "client id", "external id"),
    "phone": CUSTOMER_FIELDS["phone"],
    "email": CUSTOMER_FIELDS["email"],
    "card": CUSTOMER_FIELDS["card"],
}

_PUNCT = re.compile(r"[\W_]+")  # "_" too: a shop export's customer_id is "customer id"


def _norm(header: str) -> str:
    return " ".join(_PUNCT.sub(" ", header.lower().replace("ё", "е")).split())


def detect(headers: list[str], fields: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """field -> column index, from the headers; exact synonyms first, then "starts with"."""
    found: dict[str, int] = {}
    normed = [_norm(h) for h in headers]
    lookup = {_norm(s): f for f, syns in fields.items() for s in (f, *syns)}
    for i, h in enumerate(normed):
        field = lookup.get(h)
        if field and field not in found:
            found[field] = i
    for i, h in enumerate(normed):
        if i in found.values() or not h:
            continue
        for syn, field in lookup.items():
            if field not in found and len(syn) >= 4 and h.startswith(syn):
                found[field] = i
                break
    return found


def apply_overrides(
    headers: list[str], found: dict[str, int], overrides: dict[str, str], fields: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """``overrides`` maps a column header (or 1-based number) to a field, or to "" to ignore it."""
    result = dict(found)
    normed = [_norm(h) for h in headers]
    for column, field in overrides.items():
        if column.isdigit() and 1 <= int(column) <= len(headers):
            idx = int(column) - 1
        elif _norm(column) in normed:
            idx = normed.index(_norm(column))
        else:
            raise ValidationFailed(NO_SUCH_COLUMN, column=column, columns=", ".join(headers))
        result = {f: i for f, i in result.items() if i != idx}
        if field:
            if field not in fields:
                raise ValidationFailed(UNKNOWN_FIELD, value=field, fields=", ".join(fields))
            result[field] = idx
    return result


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep:
            raise ValidationFailed(BAD_MAPPING, value=pair)
        out[column.strip()] = field.strip()
    return out
