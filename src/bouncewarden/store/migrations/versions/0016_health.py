"""Sender health: counters by receiving provider and configuration set, sends counted once per
message and recipient, alerts, incidents and the alert channels' notice cursors.

`hourly_counters` is rebuilt with the key (hour, sender_identity, provider, campaign,
configuration_set): the recipient domain of the old rows is grouped into its provider
(`bouncewarden.monitor.providers`) and their counts summed; their configuration set is unknown
(empty).

Revision ID: 0016_health
Revises: 0015_notices
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from bouncewarden.monitor.providers import provider_of

revision = "0016_health"
down_revision = "0015_notices"
branch_labels = None
depends_on = None

_COUNTS = ("sends", "deliveries", "hard", "soft", "complaints", "sender_side")


def _counter_columns(*key: str) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [sa.Column("hour", sa.DateTime(timezone=True), primary_key=True)]
    columns += [sa.Column(name, sa.Text, primary_key=True) for name in key]
    columns += [sa.Column(name, sa.Integer, nullable=False) for name in _COUNTS]
    return columns


def _rebuild_counters(old_key: tuple[str, ...], key: tuple[str, ...], regroup: Any) -> None:
    """Copy `hourly_counters` into a table keyed by `key`, each old row's key mapped by `regroup`.

    Rows are read and written as the driver gives them (plain SQL), so the stored form of the
    hour (naive UTC text on SQLite) is kept exactly.
    """
    connection = op.get_bind()
    columns = ", ".join(("hour", *old_key, *_COUNTS))
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in connection.execute(sa.text(f"SELECT {columns} FROM hourly_counters")).mappings():
        counts = sums.setdefault(regroup(row), [0] * len(_COUNTS))
        for index, name in enumerate(_COUNTS):
            counts[index] += int(row[name] or 0)
    op.create_table("hourly_counters_new", *_counter_columns(*key))
    names = ("hour", *key, *_COUNTS)
    insert = sa.text(
        f"INSERT INTO hourly_counters_new ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
    )
    rows = [dict(zip(names, (*group, *counts), strict=True)) for group, counts in sums.items()]
    if rows:
        connection.execute(insert, rows)
    op.drop_table("hourly_counters")
    op.rename_table("hourly_counters_new", "hourly_counters")


def upgrade() -> None:
    _rebuild_counters(
        ("sender_identity", "recipient_domain", "campaign"),
        ("sender_identity", "provider", "campaign", "configuration_set"),
        lambda row: (
            row["hour"],
            row["sender_identity"],
            provider_of(row["recipient_domain"]),
            row["campaign"],
            "",
        ),
    )
    op.create_index(
        "ix_events_sender_side_occurred_at",
        "events",
        ["occurred_at"],
        sqlite_where=sa.text("severity = 'sender'"),
        postgresql_where=sa.text("severity = 'sender'"),
    )
    op.create_table(
        "sent_messages",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sent_messages_first_at", "sent_messages", ["first_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_identity", sa.Text, nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("peak", sa.Float, nullable=False),
        sa.Column("volume", sa.Integer, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_value", sa.Float, nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Text, nullable=True),
    )
    op.create_index("ix_alerts_resolved_at", "alerts", ["resolved_at"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_identity", sa.Text, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("sample", sa.JSON, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_incidents_closed_at", "incidents", ["closed_at"])
    op.create_table(
        "channel_cursors",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("last_notice_id", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_cursors")
    op.drop_table("incidents")
    op.drop_table("alerts")
    op.drop_table("sent_messages")
    op.drop_index("ix_events_sender_side_occurred_at", "events")
    # The provider cannot be turned back into a domain: old rows keep it in recipient_domain.
    _rebuild_counters(
        ("sender_identity", "provider", "campaign", "configuration_set"),
        ("sender_identity", "recipient_domain", "campaign"),
        lambda row: (row["hour"], row["sender_identity"], row["provider"], row["campaign"]),
    )
