"""The outbox, and a quarantine people can work with.

`outbox`: one row per address state change, written in the same transaction as the change,
read in `id` order by later consumers (webhooks, alerts, metrics).

`quarantine`: one copy per content hash (older duplicates are merged into the first), where
the input came from, and what became of it: `held`, `replayed` (it now reads, its events are
recorded) or `dropped` (by whom, with a note).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", _TIME, nullable=False),
    )
    op.execute("DELETE FROM quarantine WHERE id NOT IN (SELECT min(id) FROM quarantine GROUP BY sha256)")
    with op.batch_alter_table("quarantine") as table:
        table.drop_index("ix_quarantine_sha256")
        table.create_index("ix_quarantine_sha256", ["sha256"], unique=True)
        table.add_column(sa.Column("origin", sa.Text, nullable=True))
        table.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="held"))
        table.add_column(sa.Column("resolved_at", _TIME, nullable=True))
        table.add_column(sa.Column("resolved_by", sa.Text, nullable=True))
        table.add_column(sa.Column("note", sa.Text, nullable=True))
        table.create_index("ix_quarantine_created_at", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as table:
        table.drop_index("ix_quarantine_created_at")
        for column in ("note", "resolved_by", "resolved_at", "state", "origin"):
            table.drop_column(column)
        table.drop_index("ix_quarantine_sha256")
        table.create_index("ix_quarantine_sha256", ["sha256"])
    op.drop_table("outbox")
