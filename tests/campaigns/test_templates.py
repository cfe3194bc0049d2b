"""Templates: personalised from the card and the ledger, escaped in HTML, sandboxed, and refused with a readable
reason when they would send nonsense."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.campaigns.templates import Personal, check, personal, render
from klientura.kit.errors import ValidationFailed
from klientura.loyalty.accounts import account_of
from tests import factories

AT = datetime(2026, 11, 29, 12, tzinfo=UTC)


def test_fields_from_the_card_and_the_ledger(session: Session) -> None:
    customer = factories.customer(session, first_name="Анна", last_name="Петрова")
    acc = account_of(session, customer)
    # two lots expire on 5 December in Moscow (one at 22:30 UTC on the 4th), one later; one not usable yet
    loyalty.earn(
        session,
        acc.id,
        100,
        at=AT - timedelta(days=60),
        author="t",
        expires_at=datetime(2026, 12, 4, 22, 30, tzinfo=UTC),
    )
    loyalty.earn(
        session, acc.id, 50, at=AT - timedelta(days=50), author="t", expires_at=datetime(2026, 12, 5, 9, tzinfo=UTC)
    )
    loyalty.earn(session, acc.id, 300, at=AT - timedelta(days=40), author="t", expires_at=AT + timedelta(days=200))
    loyalty.earn(
        session,
        acc.id,
        70,
        at=AT,
        author="t",
        available_at=AT + timedelta(days=14),
        expires_at=AT + timedelta(days=300),
    )
    loyalty.earn(session, acc.id, 40, at=AT - timedelta(days=400), author="t", expires_at=AT - timedelta(days=1))
    p = personal(session, customer, AT, "Europe/Moscow", promo_code="ANNA-7Q")
    assert (p.name, p.points, p.points_expiring, p.points_expire_on) == ("Анна", 450, 150, date(2026, 12, 5))
    assert p.tier == "base" and p.promo_code == "ANNA-7Q"
    text = render(
        "{{ name }}, {{ points_expiring }} из {{ points | number }} баллов сгорят {{ points_expire_on | day }}"
        ", код {{ promo_code }}",
        p,
        locale="ru",
        currency="RUB",
    ).replace("\u202f", " ")
    assert text == "Анна, 150 из 450 баллов сгорят 5 декабря 2026 г., код ANNA-7Q"
    nobody = personal(session, factories.customer(session, first_name=None, last_name=None), AT, "Europe/Moscow")
    assert (nobody.name, nobody.points, nobody.points_expire_on, nobody.tier) == ("клиент", 0, None, None)


def test_html_escapes_what_it_inserts_text_does_not() -> None:
    p = Personal(first_name="<script>alert(1)</script>", name="<script>alert(1)</script>")
    assert (
        render("<p>{{ name }}</p>", p, html=True, locale="ru", currency="RUB")
        == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render("{{ name }}", p, locale="ru", currency="RUB") == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Здравствуйте, {{ nmae }}!", "the fields are first_name, last_name, name, points"),
        ("{% if points %}много", "line 1"),
        ("{{ name.__class__.__mro__ }}", "not allowed"),
        ("{{ ''.__class__.__subclasses__() }}", "not allowed"),
        ("{{ points / 0 }}", "division by zero"),  # the template's own arithmetic: refused, not a crash
        ("{{ name + 1 }}", "template: "),
    ],
)
def test_a_template_that_would_send_nonsense_is_refused_with_the_reason(source: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check(source)
    assert reason in exc.value.detail


def test_money_and_dates_in_the_templates_locale() -> None:
    p = Personal(name="Anna", points=1234567, points_expire_on=date(2026, 12, 5))
    assert render(
        "{{ points | number }} · {{ 1500 | money }} · {{ points_expire_on | day }}", p, locale="en", currency="RUB"
    ) == ("1,234,567 · RUB1,500.00 · December 5, 2026")


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("{% for i in range(2000) %}{% for j in range(2000) %}{% endfor %}{% endfor %}", "template.too_long"),
        ("{% macro f(n) %}{% for i in range(50) %}{{ f(n) if n else '' }}{% endfor %}{% endmacro %}{{ f(1) }}", None),
        ("{{ 'x' * 50000000 }}", "template.too_big"),
        ("{{ ['x'] * 50000000 }}", "template.too_big"),
        ("{{ 9 ** 99999999 }}", "template.too_big"),
        ("{{ ''|center(1000000000) }}", "template.too_big"),
        ("{{ 'a'.rjust(1000000000) }}", "template.too_big"),
        ("{% set s = 'x' * 900000 %}{{ s ~ s }}", "template.too_big"),
        ("{% for i in range(100000) %}{{ 'xxxxxxxxxxxxxxxxxxxx' }}{% endfor %}", "template.too_big"),
    ],
    ids=["4M-loop", "nested-macro", "big-string", "big-list", "big-power", "center", "rjust", "concat", "output"],
)
def test_a_template_over_its_budget_is_refused_quickly(source: str, code: str | None) -> None:
    """A 4M-iteration loop and a 50 MB string were rendered per recipient (issue 17, item 15)."""
    import time

    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refused:
        check(source)
    assert time.perf_counter() - started < 3
    if code is not None:
        assert refused.value.code.key == code, refused.value.detail


def test_a_template_within_its_budget_renders_as_before() -> None:
    products = tuple({"sku": f"S{i}", "name": f"Товар {i}", "price": "10"} for i in range(20))
    source = (
        "{% for p in products %}{% for i in range(3) %}{{ p.name ~ '!' }}{% endfor %}{% endfor %}{{ 1000000|number }}"
    )
    out = render(source, Personal(products=products), locale="ru", currency="RUB")
    assert out.startswith("Товар 0!Товар 0!") and out.count("!") == 60 and out.endswith("1\xa0000\xa0000")
    assert render("{{ 2 ** 10 }} {{ '-' * 3 }} {{ 'ab'|center(6) }}", Personal(), locale="en", currency=None) == (
        "1024 ---   ab  "
    )
