"""What the reader of each followed log remembers between lines (`parse.mtalog.memory`):
a queue id's sender, a message's deferred recipients. Each batch stores what changed, with
its file position; now and then the whole memory replaces a stream's rows. A restart reads a
stream's rows in `id` order.

Revision ID: 0018_stream_memories
Revises: 0017_pmta_keys
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_stream_memories"
down_revision = "0017_pmta_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_memories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stream", sa.Text, nullable=False),
        sa.Column("memory", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stream_memories_stream", "stream_memories", ["stream", "id"])


def downgrade() -> None:
    op.drop_table("stream_memories")
