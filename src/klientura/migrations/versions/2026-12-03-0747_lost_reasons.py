"""The list of reasons a deal can be lost for (inactive, never deleted, once taken out).

Revision ID: d832f02fe6a8
Revises: 21570c805a91
Create Date: 2026-12-03 07:47:53.647272
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d832f02fe6a8"
down_revision: str | None = "21570c805a91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lost_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lost_reasons")),
        sa.UniqueConstraint("name", name=op.f("uq_lost_reasons_name")),
    )


def downgrade() -> None:
    op.drop_table("lost_reasons")
