"""Audit log: every state change by a person or an integration, with before and after."""

from klientura.audit.models import AuditEntry
from klientura.audit.service import SYSTEM, Actor, jsonable, list_entries, record

__all__ = ["SYSTEM", "Actor", "AuditEntry", "jsonable", "list_entries", "record"]
