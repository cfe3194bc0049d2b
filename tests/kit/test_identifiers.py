from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientura.kit.dates import parse_date
from klientura.kit.emails import InvalidEmail, normalize_email
from klientura.kit.errors import ValidationFailed
from klientura.kit.identifiers import normalize_identity
from klientura.kit.money import parse_money
from klientura.kit.translit import name_key


def test_emails_are_lowercased_and_validated() -> None:
    assert normalize_email("  Ivan.Petrov@Mail.RU ") == "ivan.petrov@mail.ru"
    for bad in ["ivan@", "@mail.ru", "ivan petrov@mail.ru", "ivan@@mail.ru"]:
        with pytest.raises(InvalidEmail):
            normalize_email(bad)


@given(st.emails())
def test_email_normalisation_is_idempotent(email: str) -> None:
    try:
        once = normalize_email(email)
    except InvalidEmail:
        return
    assert normalize_email(once) == once


def test_cards_messengers_and_external_ids() -> None:
    assert normalize_identity("card", "1234 5678-9012", region="RU") == "123456789012"
    assert normalize_identity("telegram", "@Ivan_Petrov", region="RU") == "@ivan_petrov"
    assert normalize_identity("telegram", "https://t.me/ivan_petrov", region="RU") == "@ivan_petrov"
    assert normalize_identity("vk", "https://vk.com/id12345", region="RU") == "id12345"
    assert normalize_identity("vk", "12345", region="RU") == "id12345"
    assert normalize_identity("external", "1C:000123", region="RU") == "1c:000123"
    assert normalize_identity("external", "000123", source="1C", region="RU") == "1c:000123"
    with pytest.raises(ValidationFailed):
        normalize_identity("external", "no-source", region="RU")
    with pytest.raises(ValidationFailed):
        normalize_identity("fax", "123", region="RU")


def test_money_and_dates_as_files_write_them() -> None:
    assert parse_money("1 234,50") == Decimal("1234.50")
    assert parse_money("1\u00a0234,5 ₽") == Decimal("1234.50")
    assert parse_money("1,234.50") == Decimal("1234.50")
    with pytest.raises(ValidationFailed):
        parse_money("-5")
    with pytest.raises(ValidationFailed):
        parse_money("abc")
    assert parse_date("01.02.1990").isoformat() == "1990-02-01"
    assert parse_date("1990-02-01").isoformat() == "1990-02-01"
    with pytest.raises(ValidationFailed):
        parse_date("31.02.1990")


def test_cyrillic_and_latin_names_meet() -> None:
    assert name_key("Иванов Иван") == name_key("Ivanov Ivan")
    assert name_key("Юлия Щербакова") == name_key("Yulia Shcherbakova") == name_key("Iuliia Shcherbakova")
    assert name_key("Дмитрий Яковлев") == name_key("Dmitriy Yakovlev") == name_key("Dmitry Iakovlev")
    assert name_key("Алексей Хрущёв") == name_key("Aleksei Khrushchev")


@given(st.emails() | st.from_regex(r"[A-Za-z0-9._+\-]{1,12}@[A-Za-z0-9.\-]{1,12}\.[a-z]{2,4}", fullmatch=True))
def test_email_fast_path_accepts_only_what_email_validator_accepts(email: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    try:
        info = validate_email(email, check_deliverability=False)
        expected: str | None = f"{info.local_part.lower()}@{info.ascii_domain.lower()}"
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalize_email(email)
    except InvalidEmail:
        got = None
    assert got == expected


def test_receipt_timestamps_in_the_shop_time_zone() -> None:
    from klientura.kit.dates import parse_datetime

    assert parse_datetime("15.01.2026 12:30", tz="Europe/Moscow").isoformat() == "2026-01-15T09:30:00+00:00"
    assert parse_datetime("15.01.2026 12:30:15", tz="Europe/Moscow").isoformat() == "2026-01-15T09:30:15+00:00"
    assert parse_datetime("15.01.2026", tz="Europe/Moscow").isoformat() == "2026-01-14T21:00:00+00:00"
    assert parse_datetime("2026-01-15T12:30:00+03:00", tz="Europe/Moscow").isoformat() == "2026-01-15T09:30:00+00:00"
    with pytest.raises(ValidationFailed):
        parse_datetime("32.01.2026", tz="Europe/Moscow")
    with pytest.raises(ValidationFailed):
        parse_datetime("15.01.2026 25:00", tz="Europe/Moscow")
