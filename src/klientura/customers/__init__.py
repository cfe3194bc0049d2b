"""Customers: one card per person, its identities, consents, tags and the values seen for it."""

from klientura.customers.models import (
    Consent,
    Customer,
    CustomerTag,
    FieldValue,
    Identity,
    MergeRecord,
    Tag,
)
from klientura.customers.resolve import Prepared, prepare, resolve, set_consent
from klientura.customers.schemas import CustomerIn, CustomerRead, CustomerUpdate, ResolveResult
from klientura.customers.service import (
    Page,
    SearchQuery,
    add_identity,
    count_customers,
    field_values,
    find_by_identity,
    get_customer,
    get_for_write,
    remove_identity,
    search_customers,
    to_read,
    update_customer,
    visible_clause,
)
from klientura.customers.tags import add_tags, all_tags, remove_tag, tags_of

__all__ = [
    "Consent",
    "Customer",
    "CustomerIn",
    "CustomerRead",
    "CustomerTag",
    "CustomerUpdate",
    "FieldValue",
    "Identity",
    "MergeRecord",
    "Page",
    "Prepared",
    "ResolveResult",
    "SearchQuery",
    "Tag",
    "add_identity",
    "add_tags",
    "all_tags",
    "count_customers",
    "field_values",
    "find_by_identity",
    "get_customer",
    "get_for_write",
    "prepare",
    "remove_identity",
    "remove_tag",
    "resolve",
    "search_customers",
    "set_consent",
    "tags_of",
    "to_read",
    "update_customer",
    "visible_clause",
]
