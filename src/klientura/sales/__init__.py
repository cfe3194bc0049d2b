"""Sales: companies with their contacts (pipelines, leads, deals, stage history, tasks and quotes follow)."""

from klientura.sales.companies import (
    add_contact,
    contacts_of,
    create_company,
    get_company,
    list_companies,
    remove_contact,
    update_company,
)
from klientura.sales.errors import COMPANY_ELSEWHERE, COMPANY_NOT_FOUND
from klientura.sales.models import Company, CompanyContact
from klientura.sales.schemas import (
    CompanyCreated,
    CompanyIn,
    CompanyPage,
    CompanyRead,
    CompanyUpdate,
    ContactIn,
    ContactRead,
)

__all__ = [
    "COMPANY_ELSEWHERE",
    "COMPANY_NOT_FOUND",
    "Company",
    "CompanyContact",
    "CompanyCreated",
    "CompanyIn",
    "CompanyPage",
    "CompanyRead",
    "CompanyUpdate",
    "ContactIn",
    "ContactRead",
    "add_contact",
    "contacts_of",
    "create_company",
    "get_company",
    "list_companies",
    "remove_contact",
    "update_company",
]
