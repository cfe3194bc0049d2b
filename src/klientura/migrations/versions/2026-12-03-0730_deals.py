"""Deals and their append-only stage history: the store itself refuses UPDATE and DELETE on deal_history (a
trigger on SQLite and on PostgreSQL), so no page, API or script can rewrite who moved what when.

Revision ID: 21570c805a91
Revises: 05c07970c417
Create Date: 2026-12-03 07:30:24.846898
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "21570c805a91"
down_revision: str | None = "05c07970c417"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("utm_source", sa.String(length=100), nullable=True),
        sa.Column("utm_medium", sa.String(length=100), nullable=True),
        sa.Column("utm_campaign", sa.String(length=100), nullable=True),
        sa.Column("lost_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_deals_company_id_companies")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_deals_customer_id_customers")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_deals_owner_id_users")),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipelines.id"], name=op.f("fk_deals_pipeline_id_pipelines")),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], name=op.f("fk_deals_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index("ix_deals_company", ["company_id"], unique=False)
        batch_op.create_index("ix_deals_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_deals_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_deals_pipeline_stage", ["pipeline_id", "stage_id"], unique=False)

    op.create_table(
        "deal_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_deal_history_deal_id_deals")),
        sa.ForeignKeyConstraint(["from_stage_id"], ["stages.id"], name=op.f("fk_deal_history_from_stage_id_stages")),
        sa.ForeignKeyConstraint(["to_stage_id"], ["stages.id"], name=op.f("fk_deal_history_to_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_history")),
    )
    with op.batch_alter_table("deal_history", schema=None) as batch_op:
        batch_op.create_index("ix_deal_history_deal", ["deal_id", "id"], unique=False)
    _append_only()


def _append_only() -> None:
    """UPDATE and DELETE on deal_history refused by the store, whoever asks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION deal_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'deal_history is append-only: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER deal_history_append_only BEFORE UPDATE OR DELETE ON deal_history "
            "FOR EACH ROW EXECUTE FUNCTION deal_history_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER deal_history_no_{event.lower()} BEFORE {event} ON deal_history "
            f"BEGIN SELECT RAISE(ABORT, 'deal_history is append-only: {event} refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS deal_history_append_only ON deal_history")
        op.execute("DROP FUNCTION IF EXISTS deal_history_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS deal_history_no_update")
        op.execute("DROP TRIGGER IF EXISTS deal_history_no_delete")
    with op.batch_alter_table("deal_history", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_history_deal")

    op.drop_table("deal_history")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_pipeline_stage")
        batch_op.drop_index("ix_deals_owner_status")
        batch_op.drop_index("ix_deals_customer")
        batch_op.drop_index("ix_deals_company")

    op.drop_table("deals")
