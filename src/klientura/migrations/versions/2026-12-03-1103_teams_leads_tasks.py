"""Teams under heads of sales; leads (requests on cards); tasks with their events; what each deal-history entry is.

Revision ID: 569519627470
Revises: d832f02fe6a8
Create Date: 2026-12-03 11:03:49.184088
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klientura.db

revision: str = "569519627470"
down_revision: str | None = "d832f02fe6a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["head_id"], ["users.id"], name=op.f("fk_teams_head_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_head_id"), ["head_id"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("utm_source", sa.String(length=100), nullable=True),
        sa.Column("utm_medium", sa.String(length=100), nullable=True),
        sa.Column("utm_campaign", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("close_reason", sa.String(length=16), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_leads_company_id_companies")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_leads_customer_id_customers")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_leads_deal_id_deals")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")),
        sa.ForeignKeyConstraint(["parent_id"], ["leads.id"], name=op.f("fk_leads_parent_id_leads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_customer", ["customer_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index("ix_leads_owner_status", ["owner_id", "status"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("due_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=2000), nullable=True),
        sa.Column("reminded_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_tasks_company_id_companies")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_tasks_customer_id_customers")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_tasks_deal_id_deals")),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_tasks_lead_id_leads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_assignee_due", ["assignee_id", "done_at", "due_at"], unique=False)
        batch_op.create_index("ix_tasks_company", ["company_id"], unique=False)
        batch_op.create_index("ix_tasks_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_tasks_deal", ["deal_id"], unique=False)
        batch_op.create_index("ix_tasks_lead", ["lead_id"], unique=False)

    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", klientura.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("due_at", klientura.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_task_events_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_events")),
    )
    with op.batch_alter_table("task_events", schema=None) as batch_op:
        batch_op.create_index("ix_task_events_task", ["task_id", "id"], unique=False)

    op.add_column("deal_history", sa.Column("kind", sa.String(length=12), nullable=False, server_default="move"))
    # plain ADD COLUMNs with their references: a batch copy of users or deals on SQLite would trip over the rows
    # that point at them (and drop deal_history's triggers: the same for its column above); SQLite takes the reference inline
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE deals ADD COLUMN repeat_of_id INTEGER REFERENCES deals (id)")
        op.execute("ALTER TABLE users ADD COLUMN team_id INTEGER REFERENCES teams (id)")
    else:
        op.add_column("deals", sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_deals_repeat_of_id_deals", "deals", "deals", ["repeat_of_id"], ["id"])
        op.add_column("users", sa.Column("team_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_users_team_id_teams", "users", "teams", ["team_id"], ["id"])
    op.create_index(op.f("ix_users_team_id"), "users", ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_team_id_teams"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_team_id"))
        batch_op.drop_column("team_id")

    op.drop_column("deal_history", "kind")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deals_repeat_of_id_deals"), type_="foreignkey")
        batch_op.drop_column("repeat_of_id")

    with op.batch_alter_table("task_events", schema=None) as batch_op:
        batch_op.drop_index("ix_task_events_task")

    op.drop_table("task_events")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_lead")
        batch_op.drop_index("ix_tasks_deal")
        batch_op.drop_index("ix_tasks_customer")
        batch_op.drop_index("ix_tasks_company")
        batch_op.drop_index("ix_tasks_assignee_due")

    op.drop_table("tasks")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_status")
        batch_op.drop_index(batch_op.f("ix_leads_deal_id"))
        batch_op.drop_index("ix_leads_customer")

    op.drop_table("leads")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_head_id"))

    op.drop_table("teams")
