"""Audit log: every state change by a person or an integration, with before and after."""

from klientura.audit.keeping import entries_about, forget_personal_data, scrub_entries
from klientura.audit.models import AuditEntry
from klientura.audit.service import SYSTEM, Actor, jsonable, list_entries, record

__all__ = [
    "SYSTEM",
    "Actor",
    "AuditEntry",
    "entries_about",
    "forget_personal_data",
    "jsonable",
    "list_entries",
    "record",
    "scrub_entries",
]
