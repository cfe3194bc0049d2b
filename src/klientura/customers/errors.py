"""The customer domain's error codes (English messages; the UI translates them by code)."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

CUSTOMER_NOT_FOUND = code("customer.not_found", N_("customer %(id)s not found"))
CUSTOMER_MERGED = code("customer.merged", N_("customer %(id)s was merged into %(survivor)s"))
OWNER_CHANGE_FORBIDDEN = code(
    "customer.owner.manager_cannot_hand_over", N_("a manager cannot hand a customer to someone else")
)
NAME_TOO_LONG = code("customer.name.too_long", N_("%(value)s… is longer than %(limit)s characters"))
CUSTOMER_ERASED = code("customer.erased", N_("the person of card %(id)s was erased: the card cannot change"))
UNKNOWN_OWNER = code("customer.owner.unknown", N_("no active user %(id)s to own the card"))
IDENTITY_ELSEWHERE = code("identity.taken_elsewhere", N_("%(kind)s %(value)s belongs to another customer"))
IDENTITY_TAKEN = code("identity.taken", N_("%(kind)s %(value)s belongs to customer %(customer_id)s"))
IDENTITY_NOT_FOUND = code("identity.not_found", N_("identity %(id)s not found on customer %(customer_id)s"))
UNKNOWN_SORT = code("customer.search.unknown_sort", N_("unknown sort '%(value)s'; use one of %(allowed)s"))
BAD_LIMIT = code("customer.search.limit", N_("limit must be between 1 and 500"))
CURSOR_MISMATCH = code("customer.search.cursor_mismatch", N_("cursor does not match the sort order"))
UNKNOWN_GENDER = code("customer.gender.unknown", N_("unknown gender: '%(value)s' (use m/f, м/ж)"))
BAD_POSTCODE = code("customer.postcode.unreadable", N_("not a postal code: '%(value)s'"))
IMPLAUSIBLE_BIRTH_DATE = code("customer.birth_date.implausible", N_("implausible birth date: %(value)s"))
CONTACT_OF_ANOTHER_MANAGER = code(
    "customer.contact_of_another_manager", N_("a customer with this contact exists and belongs to another manager")
)
NO_CARD_FOR_IDENTITIES = code("customer.no_card_for_identities", N_("no card carries any of the given identities"))
NAME_OR_IDENTITY_NEEDED = code("customer.name_or_identity_needed", N_("a card needs at least a name or an identity"))
CONCURRENT_CHANGES = code(
    "customer.concurrent_changes", N_("could not resolve the card under concurrent changes; retry the request")
)
BAD_TAG = code("tag.invalid", N_("a tag is 1-64 characters: '%(value)s'"))

# merges of cards and their undo
MERGE_INTO_ITSELF = code("merge.into_itself", N_("a card cannot be merged into itself"))
MERGE_NOT_FOUND = code("merge.not_found", N_("merge %(id)s not found"))
MERGE_UNDONE = code("merge.already_undone", N_("merge %(id)s was already undone"))
UNDO_LATER_FIRST = code(
    "merge.undo_later_first", N_("undo merge %(later)s first: the survivor was merged on into %(survivor)s")
)
