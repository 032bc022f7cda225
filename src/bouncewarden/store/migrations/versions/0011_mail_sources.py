"""Mail sources: the status of the SMTP receiver and of each mailbox, and mailbox positions.

Revision ID: 0011
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0002"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "source_status",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("started_at", _TIME, nullable=True),
        sa.Column("last_seen_at", _TIME, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_error_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.create_table(
        "mailbox_cursors",
        sa.Column("mailbox", sa.Text, primary_key=True),
        sa.Column("folder", sa.Text, primary_key=True),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("last_uid", sa.BigInteger, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.create_table(
        "mailbox_seen",
        sa.Column("mailbox", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("seen_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("mailbox_seen", "mailbox_cursors", "source_status"):
        op.drop_table(table)
