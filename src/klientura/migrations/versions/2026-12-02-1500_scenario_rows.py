"""Every triggered scenario exists from the start (switched off, with its ready Russian text), so that pages and the
API only read them: no row is created while a page is rendered (GET never writes).

Revision ID: 3b1f0c2d9e41
Revises: 7a66357d15bf
Create Date: 2026-12-02 15:00:00
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "3b1f0c2d9e41"
down_revision: str | None = "7a66357d15bf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the ready texts as they were when this migration was written (a migration is a snapshot, not a live import)
READY = {
    "abandoned_cart": (
        3,
        "{{ name }}, вы кое-что забыли в корзине",
        "{{ name }}, товары ждут вас в корзине. Оформите заказ, пока они есть в наличии.",
    ),
    "expiring_points": (
        0,
        "{{ points_expiring }} баллов сгорят {{ points_expire_on | day }}",
        "{{ name }}, {{ points_expiring }} баллов сгорят {{ points_expire_on | day }}. "
        "Потратьте их на покупки — всего у вас {{ points }} баллов.",
    ),
    "welcome": (
        0,
        "Добро пожаловать, {{ name }}!",
        "{{ name }}, спасибо, что вы с нами! Баллы начисляются с каждой покупки.",
    ),
    "birthday": (
        10,
        "С днём рождения, {{ name }}!",
        "{{ name }}, поздравляем с днём рождения! Для вас подарок к празднику.",
    ),
    "win_back": (0, "{{ name }}, мы скучаем", "{{ name }}, давно вас не видели. Загляните — у нас много нового."),
    "feedback": (
        72,
        "{{ name }}, как вам покупка?",
        "{{ name }}, расскажите, как вам покупка: ваш отзыв помогает нам стать лучше.",
    ),
    "repeat_purchase": (
        0,
        "{{ name }}, пора пополнить запасы?",
        "{{ name }}, обычно в это время вы заходите к нам снова. Ждём вас!",
    ),
}


def upgrade() -> None:
    conn = op.get_bind()
    have = {row[0] for row in conn.execute(sa.text("SELECT key FROM scenarios"))}
    table = sa.table(
        "scenarios",
        sa.column("key", sa.String),
        sa.column("enabled", sa.Boolean),
        sa.column("variants", klientura.db.JSONType),
        sa.column("holdout_share", sa.Float),
        sa.column("delay_hours", sa.Integer),
        sa.column("cap_days", sa.Integer),
        sa.column("quiet_from", sa.Time),
        sa.column("quiet_until", sa.Time),
        sa.column("attribution_days", sa.Integer),
        sa.column("seed", sa.String),
        sa.column("updated_by", sa.String),
        sa.column("updated_at", klientura.db.UTCDateTime()),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "key": key,
            "enabled": False,
            "variants": [{"name": "A", "subject": subject, "text": text, "html": None}],
            "holdout_share": 0.1,
            "delay_hours": delay,
            "cap_days": 7,
            "quiet_from": time(21),
            "quiet_until": time(9),
            "attribution_days": 7,
            "seed": secrets.token_hex(8),
            "updated_by": "system",
            "updated_at": now,
        }
        for key, (delay, subject, text) in READY.items()
        if key not in have
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    pass  # the rows stay: an older version creates the missing ones itself
