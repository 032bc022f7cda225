"""Outgoing webhooks: a cursor per webhook and stream, and one row per event to deliver; the
times of an address's counted soft bounces (for `[policy] soft_window_days`).

Revision ID: 0016_webhooks
Revises: 0016_health
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_webhooks"
down_revision = "0016_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_cursors",
        sa.Column("webhook", sa.Text, primary_key=True),
        sa.Column("stream", sa.String(16), primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("webhook", sa.Text, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("ordering_key", sa.Text, nullable=False),
        sa.Column("after_id", sa.Integer, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'dead')", name="ck_webhook_deliveries_state"),
        sa.UniqueConstraint("event_id", name="uq_webhook_deliveries_event_id"),
    )
    op.create_index("ix_webhook_deliveries_queue", "webhook_deliveries", ["webhook", "state", "id"])
    op.create_index("ix_webhook_deliveries_key", "webhook_deliveries", ["webhook", "ordering_key", "id"])
    op.add_column("addresses", sa.Column("soft_times", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("addresses") as batch:
        batch.drop_column("soft_times")
    op.drop_index("ix_webhook_deliveries_key", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_queue", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_cursors")
