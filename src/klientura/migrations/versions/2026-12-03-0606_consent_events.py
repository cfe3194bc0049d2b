"""Consent history: every grant and withdrawal with its proof (when, through what, under which wording, where), and
whether the decision in force was the person's own explicit act. Each consent held so far becomes its first event.

Revision ID: 32e68afb4ca0
Revises: 5c2e8a71d0f4
Create Date: 2026-12-03 06:06:54
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "32e68afb4ca0"
down_revision: str | None = "5c2e8a71d0f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("explicit", sa.Boolean(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("wording", sa.String(length=200), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_consent_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index("ix_consent_events_customer", "consent_events", ["customer_id", "channel", "at"], unique=False)
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explicit", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "INSERT INTO consent_events (customer_id, channel, granted, explicit, applied, at, source, recorded_by, "
        "recorded_at) SELECT customer_id, channel, granted, false, true, changed_at, source, 'before the history', "
        "changed_at FROM consents"
    )


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("explicit")
    op.drop_index("ix_consent_events_customer", table_name="consent_events")
    op.drop_table("consent_events")
