"""Segments: the codes of refused names, edits and exports."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

NAME_TAKEN = code("segment.name_taken", N_("a segment named '%(value)s' exists already"))
SEGMENT_NOT_FOUND = code("segment.not_found", N_("segment %(id)s not found"))
STATIC_FROZEN = code("segment.static_frozen", N_("a static segment is frozen: save the new rule as a new segment"))
BAD_LIMIT = code("segment.members.limit", N_("limit must be between 1 and 1000"))
UNKNOWN_FORMAT = code("segment.export.format", N_("unknown format '%(value)s'; use csv or xlsx"))
