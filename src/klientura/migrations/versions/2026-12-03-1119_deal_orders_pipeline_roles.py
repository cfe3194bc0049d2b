"""Orders linked to deals (their payment is the deal's revenue); who may close and reopen deals, per pipeline.

Revision ID: d49a6f279db6
Revises: 569519627470
Create Date: 2026-12-03 11:19:03.723532
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "d49a6f279db6"
down_revision: str | None = "569519627470"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deal_orders",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_deal_orders_deal_id_deals")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_deal_orders_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_deal_orders")),
    )
    with op.batch_alter_table("deal_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_orders_deal_id"), ["deal_id"], unique=False)

    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("close_roles", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reopen_roles", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_column("reopen_roles")
        batch_op.drop_column("close_roles")

    with op.batch_alter_table("deal_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_orders_deal_id"))

    op.drop_table("deal_orders")
