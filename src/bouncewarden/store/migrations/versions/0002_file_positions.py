"""Positions of followed files (PowerMTA accounting files, MTA logs).

Revision ID: 0002_file_positions
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_file_positions"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_positions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stream", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("fingerprint_size", sa.Integer, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("line", sa.BigInteger, nullable=False),
        sa.Column("context", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("stream", "fingerprint", name="uq_file_positions_stream_fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("file_positions")
