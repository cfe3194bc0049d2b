"""Events: the codes of refusals."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

EVENT_ELSEWHERE = code(
    "event.external_id.elsewhere",
    N_("event %(value)s from %(source)s is already recorded for a customer you do not see"),
)
