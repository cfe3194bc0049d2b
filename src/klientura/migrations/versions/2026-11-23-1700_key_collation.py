"""machine keys compared byte by byte on PostgreSQL (COLLATE "C")

Revision ID: 7c1e0b2d9a41
Revises: 58ac29505c3f
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e0b2d9a41"
down_revision: str | None = "58ac29505c3f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    ("identities", "kind", 16),
    ("identities", "value", 200),
    ("orders", "source", 64),
    ("orders", "external_id", 128),
    ("returns", "source", 64),
    ("returns", "external_id", 128),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compares bytes already
    for table, column, length in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length, collation="C"),
            existing_type=sa.String(length),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length),
            existing_type=sa.String(length, collation="C"),
            existing_nullable=False,
        )
