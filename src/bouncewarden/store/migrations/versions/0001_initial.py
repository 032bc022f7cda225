"""The first schema: evidence, events, quarantine, addresses, transitions, counters, rules.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)

_SUPPRESSIONS_VIEW = """
CREATE VIEW suppressions AS
SELECT address,
       suppression_reason AS reason,
       suppressed_at AS created_at,
       suppression_note AS note,
       suppression_source AS source
FROM addresses
WHERE state = 'suppressed'
"""


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("compressed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    _create_events()
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("compressed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    _create_addresses()
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("at", _TIME, nullable=False),
    )
    op.create_index("ix_transitions_address_at", "transitions", ["address", "at"])
    _create_counters()
    op.create_table(
        "operator_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pattern", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.execute(_SUPPRESSIONS_VIEW)


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.Text, nullable=True),
        sa.Column("reply_code", sa.Text, nullable=True),
        sa.Column("diagnostic", sa.Text, nullable=True),
        sa.Column("remote_mta", sa.Text, nullable=True),
        sa.Column("reporting_mta", sa.Text, nullable=True),
        sa.Column("sender", sa.Text, nullable=True),
        sa.Column("message_id", sa.Text, nullable=True),
        sa.Column("campaign", sa.Text, nullable=True),
        sa.Column("feedback_type", sa.Text, nullable=True),
        sa.Column("provider_label", sa.Text, nullable=True),
        sa.Column("counts_toward_rate", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("occurred_at", _TIME, nullable=False),
        sa.Column("received_at", _TIME, nullable=True),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.Column("evidence_id", sa.Integer, sa.ForeignKey("evidence.id"), nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_address_occurred_at", "events", ["address", "occurred_at"])


def _create_addresses() -> None:
    op.create_table(
        "addresses",
        sa.Column("address", sa.Text, primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("suppression_reason", sa.String(16), nullable=True),
        sa.Column("suppressed_at", _TIME, nullable=True),
        sa.Column("suppression_note", sa.Text, nullable=True),
        sa.Column("suppression_source", sa.Text, nullable=True),
        sa.Column("soft_count", sa.Integer, nullable=False),
        sa.Column("first_soft_at", _TIME, nullable=True),
        sa.Column("last_soft_at", _TIME, nullable=True),
        sa.Column("next_retry_at", _TIME, nullable=True),
        sa.Column("retry_announced", sa.Boolean, nullable=False),
        sa.Column("last_delivery_at", _TIME, nullable=True),
        sa.Column("lifted_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint("state IN ('active', 'soft', 'suppressed')", name="ck_addresses_state"),
    )
    op.create_index("ix_addresses_state", "addresses", ["state"])
    op.create_index("ix_addresses_next_retry_at", "addresses", ["next_retry_at"])
    op.create_index("ix_addresses_first_soft_at", "addresses", ["first_soft_at"])


def _create_counters() -> None:
    op.create_table(
        "hourly_counters",
        sa.Column("hour", _TIME, primary_key=True),
        sa.Column("sender_identity", sa.Text, primary_key=True),
        sa.Column("recipient_domain", sa.Text, primary_key=True),
        sa.Column("campaign", sa.Text, primary_key=True),
        sa.Column("sends", sa.Integer, nullable=False),
        sa.Column("deliveries", sa.Integer, nullable=False),
        sa.Column("hard", sa.Integer, nullable=False),
        sa.Column("soft", sa.Integer, nullable=False),
        sa.Column("complaints", sa.Integer, nullable=False),
        sa.Column("sender_side", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.execute("DROP VIEW suppressions")
    for table in (
        "operator_rules",
        "hourly_counters",
        "transitions",
        "addresses",
        "quarantine",
        "events",
        "evidence",
    ):
        op.drop_table(table)
