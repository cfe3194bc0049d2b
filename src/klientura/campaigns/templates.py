"""Message templates: Jinja2 in a sandbox, personalised per recipient.

A template sees only the recipient's fields (:class:`Personal`) and a few filters; the sandbox refuses access to
Python's internals, and an unknown field is an error naming the fields there are (a typo must not send "Dear ,"
to a million people). HTML templates escape what they insert; text and SMS templates do not.

Fields: ``first_name``, ``last_name``, ``name`` (first name, else the full name, else "клиент"), ``points``
(usable now), ``points_expiring`` and ``points_expire_on`` (the soonest expiry date with points left and how many
expire then), ``tier``, ``promo_code`` (the recipient's personal code, when the campaign issues one),
``unsubscribe_url``, ``nps_url`` and ``csat_url`` (the recipient's survey links: a review request's are about its
order), ``products`` (recommended from the customer's purchases: a list of ``sku``, ``name``,
``price``). Filters: ``money``, ``number``, ``day`` (in the template's locale).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from klientura import customers, loyalty
from klientura.campaigns.errors import (
    TEMPLATE_FAILS,
    TEMPLATE_FORBIDDEN,
    TEMPLATE_SYNTAX,
    TEMPLATE_UNDEFINED,
)
from klientura.campaigns.sandbox import LimitedEnvironment, render_within
from klientura.db import Session
from klientura.kit.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class Personal:
    first_name: str = ""
    last_name: str = ""
    name: str = "клиент"
    points: int = 0
    points_expiring: int = 0
    points_expire_on: date | None = None
    tier: str | None = None
    promo_code: str | None = None
    unsubscribe_url: str | None = None
    nps_url: str | None = None  # the personal survey links (made when the message goes, like the unsubscribe link)
    csat_url: str | None = None
    products: tuple[dict[str, Any], ...] = ()  # recommended: [{sku, name, price}], best first


FIELDS = tuple(Personal.__dataclass_fields__)
LINKS = frozenset({"unsubscribe_url", "nps_url", "csat_url"})  # made per message when it goes, never frozen


def _money(value: Any, code: str | None, locale: str) -> str:
    """An amount in ``code`` (the shop's currency unless the template names one); a plain number without one."""
    amount = Decimal(str(value))
    return format_currency(amount, code, locale=locale) if code else format_decimal(amount, locale=locale)


def _env(locale: str, currency: str | None, *, html: bool) -> SandboxedEnvironment:
    env = LimitedEnvironment(autoescape=html, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda v, code=None: _money(v, code or currency, locale)
    env.filters["number"] = lambda v: format_decimal(v, locale=locale)
    env.filters["day"] = lambda v: format_date(v, "long", locale=locale) if v else ""
    return env


def check(source: str, *, html: bool = False) -> None:
    """Refuse a template that does not compile or uses a field there is not, before anything is sent (rendered
    for a sample person, in any language: the text is thrown away)."""
    render(
        source,
        Personal(
            first_name="Анна",
            points_expire_on=date(2026, 1, 1),
            promo_code="CODE",
            unsubscribe_url="https://example.invalid/u",
            nps_url="https://example.invalid/survey/nps",
            csat_url="https://example.invalid/survey/csat",
            products=({"sku": "TEA-1", "name": "Чай", "price": "350.00"},),
        ),
        html=html,
        locale="en",
        currency=None,
    )


class Compiled:
    """A template compiled once and rendered per recipient; ``fields`` are the fields it uses (a launch reads the
    points of a million customers only when the template shows them)."""

    def __init__(self, source: str, *, html: bool = False, locale: str, currency: str | None) -> None:
        env = _env(locale, currency, html=html)
        with _explained():
            self.template = env.from_string(source)
            self.fields = frozenset(meta.find_undeclared_variables(env.parse(source)))

    def __call__(self, person: Personal) -> str:
        return self.render(asdict(person))

    def render(self, values: dict[str, Any]) -> str:
        with _explained():
            return render_within(lambda: self.template.generate(values))


@contextmanager
def _explained() -> Iterator[None]:
    try:
        yield
    except ValidationFailed:  # over its budget (sandbox), said as it is
        raise
    except TemplateSyntaxError as exc:
        raise ValidationFailed(TEMPLATE_SYNTAX, line=exc.lineno, why=exc.message) from exc
    except UndefinedError as exc:
        missing = re.fullmatch(r"'(.+)' is undefined", exc.message or "")
        if missing is None:  # an attribute or an item of a field that is not there
            raise ValidationFailed(TEMPLATE_FAILS, why=str(exc)) from exc
        raise ValidationFailed(TEMPLATE_UNDEFINED, name=missing[1], fields=", ".join(FIELDS)) from exc
    except SecurityError as exc:
        raise ValidationFailed(TEMPLATE_FORBIDDEN, why=str(exc)) from exc
    except TemplateError as exc:
        raise ValidationFailed(TEMPLATE_FAILS, why=str(exc)) from exc
    except (ArithmeticError, TypeError, ValueError, LookupError, RuntimeError, MemoryError) as exc:  # its own code
        raise ValidationFailed(TEMPLATE_FAILS, why=str(exc)) from exc


def render(source: str, person: Personal, *, html: bool = False, locale: str, currency: str | None) -> str:
    return Compiled(source, html=html, locale=locale, currency=currency)(person)


def personal(
    session: Session,
    customer_id: int,
    at: datetime,
    timezone: str,
    *,
    promo_code: str | None = None,
    unsubscribe_url: str | None = None,
) -> Personal:
    """The recipient's fields, read from the card and the points ledger as of ``at``."""
    customer = customers.card_of(session, customer_id)
    if customer is None:
        raise NotFound(customers.CUSTOMER_NOT_FOUND, id=customer_id)
    standing = loyalty.standings(session, lambda c: c == customer_id, at, ZoneInfo(timezone)).get(customer_id)
    return person(
        customer.first_name,
        customer.last_name,
        customer.full_name,
        standing,
        promo_code=promo_code,
        unsubscribe_url=unsubscribe_url,
    )


def person(
    first: str | None,
    last: str | None,
    full: str | None,
    standing: loyalty.Standing | None,
    *,
    promo_code: str | None = None,
    unsubscribe_url: str | None = None,
    products: Sequence[dict[str, Any]] = (),
) -> Personal:
    s = standing or loyalty.Standing()
    return Personal(
        first_name=first or "",
        last_name=last or "",
        name=first or full or "клиент",
        points=s.points,
        points_expiring=s.expiring,
        points_expire_on=s.expire_on,
        tier=s.tier,
        promo_code=promo_code,
        unsubscribe_url=unsubscribe_url,
        products=tuple(products),
    )
