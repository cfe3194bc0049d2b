"""A campaign's content, rendered per recipient when the message is sent.

A launch freezes what each message will say — the variant and the recipient's own fields (name, points, personal
code …) as they were at launch, in the outbox row — and the worker renders it when it sends, from the campaign's
templates (which cannot change after the launch). The result is the same as rendering at launch, without writing a
kilobyte of HTML per recipient in the launch transaction (a million recipients: a gigabyte).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from klientura.campaigns.errors import NO_SCENARIO, NO_VARIANT, in_variant
from klientura.campaigns.links import Links
from klientura.campaigns.models import Campaign, OutboxMessage, Scenario
from klientura.campaigns.outbox import outgoing
from klientura.campaigns.templates import FIELDS, LINKS, Compiled, Personal
from klientura.campaigns.tracking import tracked
from klientura.channels import OutgoingMessage
from klientura.db import Session
from klientura.kit.errors import ValidationFailed
from klientura.loyalty import Standing


def one_line(text: str) -> str:
    """A rendered subject as one line: a customer's field with a line break in it cannot add a header."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def _compiled(variant: dict[str, Any], part: str, locale: str, currency: str | None) -> Compiled:
    try:
        return Compiled(variant.get(part) or "", html=part == "html", locale=locale, currency=currency)
    except ValidationFailed as exc:
        raise in_variant(exc, variant["name"], part) from exc


class Content:
    """A campaign's variants compiled once: {name: (subject, text, html)}; ``fields`` are those they use."""

    def __init__(self, variants: list[dict[str, Any]], locale: str, currency: str | None) -> None:
        self.parts: dict[str, tuple[Compiled, Compiled, Compiled | None]] = {}
        for v in variants:
            self.parts[v["name"]] = (
                _compiled(v, "subject", locale, currency),
                _compiled(v, "text", locale, currency),
                _compiled(v, "html", locale, currency) if v.get("html") else None,
            )
        self.fields = frozenset().union(*(p.fields for parts in self.parts.values() for p in parts if p is not None))

    def frozen(self, person: Personal) -> dict[str, Any]:
        """The fields the templates use, as JSON for the outbox row (the unsubscribe link is made when sent)."""
        out = {}
        for name in self.fields:
            if name in FIELDS and name not in LINKS:
                value = getattr(person, name)
                out[name] = (
                    value.isoformat() if isinstance(value, date) else list(value) if isinstance(value, tuple) else value
                )
        return out

    def freezer(
        self,
    ) -> Callable[
        [str | None, str | None, str | None, Standing | None, str | None, list[dict[str, Any]] | None], dict[str, Any]
    ]:
        """:meth:`frozen` of :func:`~klientura.campaigns.templates.person`, made fast for a launch's million
        recipients: (first name, last name, full name, points standing, code) -> the fields the templates use."""
        wanted = [n for n in FIELDS if n in self.fields and n not in LINKS]
        empty = Standing()

        def freeze(
            first: str | None,
            last: str | None,
            full: str | None,
            standing: Standing | None,
            code: str | None,
            products: list[dict[str, Any]] | None = None,
        ) -> dict[str, Any]:
            st = standing or empty
            values = {
                "first_name": first or "",
                "last_name": last or "",
                "name": first or full or "клиент",
                "points": st.points,
                "points_expiring": st.expiring,
                "points_expire_on": st.expire_on.isoformat() if st.expire_on else None,
                "tier": st.tier,
                "promo_code": code,
                "products": products or [],
            }
            return {n: values[n] for n in wanted}

        return freeze

    def message(
        self,
        variant: str,
        fields: Mapping[str, Any],
        *,
        key: str,
        to: str,
        channel: str,
        customer_id: int,
        links: Links,
        about: str = "",
        source: str = "",
    ) -> OutgoingMessage:
        """``about`` and ``source``: what the survey links concern (an order) and what sent them."""
        if variant not in self.parts:
            raise ValidationFailed(NO_VARIANT, value=variant, allowed=", ".join(self.parts))
        unsubscribe = links.unsubscribe(customer_id, channel)
        values = {**Personal().__dict__, **fields, "unsubscribe_url": unsubscribe}
        for kind in ("nps", "csat"):
            if f"{kind}_url" in self.fields:
                values[f"{kind}_url"] = links.survey(kind, customer_id, about, source)
        values["products"] = list(values.get("products") or ())
        if isinstance(values.get("points_expire_on"), str):
            values["points_expire_on"] = date.fromisoformat(values["points_expire_on"])
        subject, text, html = self.parts[variant]
        email = channel == "email"
        return OutgoingMessage(
            key=key,
            to=to,
            subject=one_line(subject.render(values)) if email else "",
            text=text.render(values),
            html=tracked(html.render(values), key, links) if html is not None and email else None,
            unsubscribe_url=unsubscribe,
        )


def compose(session: Session, message: OutboxMessage, links: Links, cache: dict[Any, Content]) -> OutgoingMessage:
    """What goes to the provider: a campaign's or a scenario's message rendered from its frozen fields (the compiled
    content kept in ``cache`` across a worker's rounds), any other message as it was written. A scenario's message
    is rendered with the scenario's text as it is when it goes (a campaign's cannot change after its launch)."""
    data = message.data or {}
    if "variant" not in data or message.customer_id is None:
        return outgoing(message)
    source: Any = ("campaign", int(data["campaign"])) if "campaign" in data else ("scenario", str(data["scenario"]))
    content = cache.get(source)
    if content is None:
        if source[0] == "campaign":
            variants = session.get_one(Campaign, source[1]).variants
        else:
            found = session.scalars(select(Scenario).where(Scenario.key == source[1])).first()
            if found is None:
                raise ValidationFailed(NO_SCENARIO, value=source[1], allowed="")
            variants = found.variants
        # the language and currency the launch froze (a message queued before currencies were frozen: none, so
        # amounts read as plain numbers)
        content = Content(variants, data.get("locale", "ru"), data.get("currency"))
        if source[0] == "campaign":
            cache[source] = content
    return content.message(
        data["variant"],
        data.get("fields", {}),
        key=message.key,
        to=message.to,
        channel=message.channel,
        customer_id=message.customer_id,
        links=links,
        about=str(data.get("trigger") or ""),
        source=f"{source[0]}:{source[1]}",
    )
