"""Sales, first part: companies (one per INN) and their contacts (customer cards with a position and a role).

Revision ID: d81f9d3b9da1
Revises: 8feda8bd674d
Create Date: 2026-12-03 07:17:20.713684
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "d81f9d3b9da1"
down_revision: str | None = "8feda8bd674d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "inn", sa.String(length=12).with_variant(sa.String(length=12, collation="C"), "postgresql"), nullable=True
        ),
        sa.Column("kpp", sa.String(length=9), nullable=True),
        sa.Column("ogrn", sa.String(length=15), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("size", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_companies_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("inn", name=op.f("uq_companies_inn")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index("ix_companies_name", ["name"], unique=False)
        batch_op.create_index("ix_companies_owner", ["owner_id"], unique=False)

    op.create_table(
        "company_contacts",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_company_contacts_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_company_contacts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("company_id", "customer_id", name=op.f("pk_company_contacts")),
    )
    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_contacts_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_contacts_customer_id"))

    op.drop_table("company_contacts")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index("ix_companies_owner")
        batch_op.drop_index("ix_companies_name")

    op.drop_table("companies")
