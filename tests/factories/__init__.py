"""Typed factories for tests, one module per domain: real rows made through the services (a factory writes rows
itself only where no service makes them, as a static segment's members), never by hand in the tests."""

from tests.factories.catalog import category, product
from tests.factories.customers import customer
from tests.factories.orders import order
from tests.factories.segments import static_segment
from tests.factories.shop import NOW, SHOP, sequence

__all__ = ["NOW", "SHOP", "category", "customer", "order", "product", "sequence", "static_segment"]
