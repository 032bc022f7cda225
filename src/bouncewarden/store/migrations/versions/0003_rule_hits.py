"""How often each operator rule decided a classification, and when last.

Revision ID: 0003_rule_hits
Revises: 0002_file_positions
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_rule_hits"
down_revision = "0002_file_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operator_rules") as table:
        table.add_column(sa.Column("hits", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("last_hit_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_rules") as table:
        table.drop_column("last_hit_at")
        table.drop_column("hits")
