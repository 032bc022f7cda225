"""What the reader of each followed log remembers between lines (`parse.mtalog.memory`):
a queue id's sender, a message's deferred recipients. It is stored with each batch's file
position, so a restart goes on with it.

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
        sa.Column("stream", sa.Text, primary_key=True),
        sa.Column("memory", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_memories")
