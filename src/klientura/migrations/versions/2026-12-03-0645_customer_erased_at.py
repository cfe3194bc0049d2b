"""A card whose person was erased (klientura.privacy) says when: it keeps its id for the orders and points.

Revision ID: 8feda8bd674d
Revises: 27c5f6d0e88b
Create Date: 2026-12-03 06:45:28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "8feda8bd674d"
down_revision: str | None = "27c5f6d0e88b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", klientura.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
