"""Imported deals keep their key (a re-import finds them) and their history the time the source system recorded.

Revision ID: 8185d35c6aa3
Revises: 4be567b47fc5
Create Date: 2026-12-03 11:38:04.874483
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "8185d35c6aa3"
down_revision: str | None = "4be567b47fc5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs and a unique index: a batch copy on SQLite would trip over the rows pointing at deals and
    # drop deal_history's triggers
    op.add_column("deal_history", sa.Column("occurred_at", klientura.db.UTCDateTime(timezone=True), nullable=True))
    key = sa.String(length=160).with_variant(sa.String(length=160, collation="C"), "postgresql")
    op.add_column("deals", sa.Column("external_id", key, nullable=True))
    op.create_index("ix_deals_external_id", "deals", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_deals_external_id", table_name="deals")
    op.drop_column("deals", "external_id")
    op.drop_column("deal_history", "occurred_at")
