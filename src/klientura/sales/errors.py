"""The sales domain's codes of refusals."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

COMPANY_NOT_FOUND = code("company.not_found", N_("company %(id)s not found"))
COMPANY_ELSEWHERE = code("company.inn.elsewhere", N_("INN %(value)s belongs to a company you do not see"))
COMPANY_NAME_NEEDED = code("company.name_needed", N_("a company needs a name"))
OWNER_FORBIDDEN = code("company.owner.forbidden", N_("a manager cannot hand a company to someone else"))
