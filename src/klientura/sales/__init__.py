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
from klientura.sales.models import Company, CompanyContact, Pipeline, Stage
from klientura.sales.pipelines import create_pipeline, get_pipeline, list_pipelines, read_pipeline, update_pipeline
from klientura.sales.schemas import (
    CompanyCreated,
    CompanyIn,
    CompanyPage,
    CompanyRead,
    CompanyUpdate,
    ContactIn,
    ContactRead,
    PipelineIn,
    PipelineRead,
    StageIn,
    StageRead,
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
    "Pipeline",
    "PipelineIn",
    "PipelineRead",
    "Stage",
    "StageIn",
    "StageRead",
    "add_contact",
    "contacts_of",
    "create_company",
    "create_pipeline",
    "get_company",
    "get_pipeline",
    "list_companies",
    "list_pipelines",
    "read_pipeline",
    "remove_contact",
    "update_company",
    "update_pipeline",
]
