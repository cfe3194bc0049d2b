"""Users may take their task reminders in Telegram: their chat id with the shop"s bot.

Revision ID: 81957109a46b
Revises: d4cf6608756a
Create Date: 2026-12-03 17:23:05.707643
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "81957109a46b"
down_revision: str | None = "d4cf6608756a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy of users on SQLite would trip over every table pointing at it
    op.add_column("users", sa.Column("telegram_chat_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "telegram_chat_id")
