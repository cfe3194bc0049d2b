"""Bounded types for what clients send: every integer, amount and text an API or a form accepts has limits the store
can hold, so an id of 10^21, a price of 1e30 or a 300-character name is a 422 naming the field, never a 500.

The limits are the store's: ids are PostgreSQL ``integer`` (SQLite's would hold more, PostgreSQL's would not), money
is ``Numeric(14, 2)``, points fit an ``integer`` with room for sums. A test (tests/fuzz) walks the OpenAPI and fails
on any request field without its bounds.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, MaxLen
from pydantic import AfterValidator

MAX_ID = 2**31 - 1  # PostgreSQL integer, the type of every id column
MAX_POINTS = 10**9  # points in one operation or one balance
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_QTY = Decimal(1_000_000)
MAX_COUNT = 10**9  # a count, an offset

Id = Annotated[int, Ge(1), Le(MAX_ID)]
Offset = Annotated[int, Ge(0), Le(MAX_COUNT)]
Points = Annotated[int, Ge(-MAX_POINTS), Le(MAX_POINTS)]
Amount = Annotated[Decimal, Ge(0), Le(MAX_AMOUNT)]
Quantity = Annotated[Decimal, Gt(0), Le(MAX_QTY)]

# text of a known kind: the columns they land in are this long
Code = Annotated[str, MaxLen(64)]  # a source, a channel, a kind, a key, a SKU-like code
Name = Annotated[str, MaxLen(100)]  # a name, a brand, a city, an outlet (the shortest of their columns)
Identifier = Annotated[str, MaxLen(200)]  # a phone, an e-mail, a card number, an external id (the identities column)
Cursor = Annotated[str, MaxLen(500)]  # an opaque page cursor
Tag = Annotated[str, MaxLen(64)]  # a customer's tag


def _json_within(limit: int) -> AfterValidator:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        if any(len(k) > 64 for k in value):
            raise ValueError("a key is longer than 64 characters")
        if len(json.dumps(value, default=str, ensure_ascii=False)) > limit:
            raise ValueError(f"larger than {limit} characters as JSON")
        return value

    return AfterValidator(check)


def _moment(value: datetime) -> datetime:
    """A moment the store can keep in every time zone (year 1 with +03:00 is year 0 in UTC: PostgreSQL refuses it)."""
    if not 1900 <= value.year <= 2200:
        raise ValueError("a moment between the years 1900 and 2200")
    return value


# a moment a client says something happened (an order placed): within two centuries
Moment = Annotated[datetime, AfterValidator(_moment)]
# a free-form object (a card's attributes, an event's payload): at most 16 KB as JSON, keys of 64 characters
Attributes = Annotated[dict[str, Any], MaxLen(100), _json_within(16_384)]
# a request body read by its service (a programme, an offer, a scenario): 256 KB
JsonBody = Annotated[dict[str, Any], MaxLen(100), _json_within(262_144)]
Rule = Attributes  # a segment rule tree (checked further by analytics.rules)
