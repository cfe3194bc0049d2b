"""A deal"s product lines, its quotes (versions, the PDF in the file store), the quote template, files attached
to deals and companies, notes for the timeline.

Revision ID: 7a3d9e915ebe
Revises: 8185d35c6aa3
Create Date: 2026-12-03 16:26:53.755041
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "7a3d9e915ebe"
down_revision: str | None = "8185d35c6aa3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quote_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller", sa.String(length=300), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("kpp", sa.String(length=9), nullable=True),
        sa.Column("ogrn", sa.String(length=15), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("bank", sa.String(length=300), nullable=True),
        sa.Column("bik", sa.String(length=9), nullable=True),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("corr_account", sa.String(length=20), nullable=True),
        sa.Column("intro", sa.Text(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("signer", sa.String(length=200), nullable=True),
        sa.Column("signer_position", sa.String(length=200), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("logo_key", sa.String(length=80), nullable=True),
        sa.Column("updated_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_templates")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_attachments_company_id_companies")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_attachments_deal_id_deals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "deal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_deal_lines_deal_id_deals")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_deal_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_lines")),
    )
    with op.batch_alter_table("deal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_lines_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("file_key", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_to", sa.String(length=320), nullable=True),
        sa.Column("decided_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_quotes_deal_id_deals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("deal_id", "version", name=op.f("uq_quotes_deal_id_version")),
        sa.UniqueConstraint("token", name=op.f("uq_quotes_token")),
    )
    op.create_table(
        "sales_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_sales_notes_company_id_companies")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_sales_notes_customer_id_customers")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_sales_notes_deal_id_deals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_notes")),
    )
    with op.batch_alter_table("sales_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_notes_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_notes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_notes_deal_id"), ["deal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sales_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_notes_deal_id"))
        batch_op.drop_index(batch_op.f("ix_sales_notes_customer_id"))
        batch_op.drop_index(batch_op.f("ix_sales_notes_company_id"))

    op.drop_table("sales_notes")
    op.drop_table("quotes")
    with op.batch_alter_table("deal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_lines_deal_id"))

    op.drop_table("deal_lines")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_deal_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_company_id"))

    op.drop_table("attachments")
    op.drop_table("quote_templates")
