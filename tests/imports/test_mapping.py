"""Headers recognised however a shop's export spells them (issue 17, item 18)."""

from __future__ import annotations

from klientura.imports.mapping import CUSTOMER_FIELDS, ORDER_FIELDS, detect


def test_snake_case_headers_are_recognised_like_spaced_ones() -> None:
    """A shop export with customer_id, first_name, order_id said "no identity column"."""
    found = detect(["customer_id", "first_name", "last_name", "phone_number", "E_Mail"], CUSTOMER_FIELDS)
    assert found == {"external_id": 0, "first_name": 1, "last_name": 2, "phone": 3, "email": 4}
    orders = detect(["order_id", "customer_id", "total"], ORDER_FIELDS)
    assert orders["external_id"] == 0 and orders["total"] == 2
