"""Notices: the outbox for changes that are not about one address (alerts raised and resolved,
incidents), read in `id` order by the consumers that tell others (webhooks, alert channels).

Revision ID: 0015_notices
Revises: 0014_api_access
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_notices"
down_revision = "0014_api_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notices")
