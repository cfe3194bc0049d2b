"""Server-side sessions: a cookie's token is only good while its row is open (logout, a new password and
deactivation end it).

Revision ID: 5c2e8a71d0f4
Revises: 15af31068fd2
Create Date: 2026-12-03 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "5c2e8a71d0f4"
down_revision: str | None = "15af31068fd2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", klientura.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", klientura.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", klientura.db.UTCDateTime(), nullable=True),
        sa.Column("ended_why", sa.String(length=20), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
