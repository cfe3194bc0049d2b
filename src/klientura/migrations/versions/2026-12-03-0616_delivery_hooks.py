"""Rotatable delivery addresses: each provider's address carries a generation; rotating it starts a new one and
keeps the previous working for a day. (Addresses signed before this with the links' key stop working: the hooks
have a key of their own now; take the new addresses from GET /api/v1/delivery-hooks.)

Revision ID: 27c5f6d0e88b
Revises: 32e68afb4ca0
Create Date: 2026-12-03 06:16:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "27c5f6d0e88b"
down_revision: str | None = "32e68afb4ca0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_hooks",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("rotated_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("previous_until", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_delivery_hooks")),
    )


def downgrade() -> None:
    op.drop_table("delivery_hooks")
