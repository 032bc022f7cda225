"""PowerMTA dedupe keys begin with the row's time: `pmta:TYPE:HASH` becomes
`pmta:SECONDS:TYPE:HASH` (`bouncewarden.parse.pmta.dedupe_key`), so that a row stored before
this revision and read again after it is still known.

SECONDS is the event's `occurred_at` in whole seconds since the epoch, eleven digits with
leading zeros, as the reader writes it.

Revision ID: 0017_pmta_keys
Revises: 0016_webhooks
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017_pmta_keys"
down_revision = "0016_webhooks"
branch_labels = None
depends_on = None

# An old key has exactly two colons after `pmta`; a new one has three.
_SQLITE = """
UPDATE events
SET dedupe_key = 'pmta:'
    || printf('%011d', max(0, CAST(strftime('%s', occurred_at) AS INTEGER)))
    || substr(dedupe_key, 5)
WHERE dedupe_key LIKE 'pmta:%' AND dedupe_key NOT LIKE 'pmta:%:%:%'
"""
_POSTGRESQL = """
UPDATE events
SET dedupe_key = 'pmta:'
    || lpad(greatest(0, floor(extract(epoch FROM occurred_at)))::bigint::text, 11, '0')
    || substr(dedupe_key, 5)
WHERE dedupe_key LIKE 'pmta:%' AND dedupe_key NOT LIKE 'pmta:%:%:%'
"""


def upgrade() -> None:
    op.execute(_SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL)


def downgrade() -> None:
    op.execute(
        "UPDATE events SET dedupe_key = 'pmta:' || substr(dedupe_key, 18) WHERE dedupe_key LIKE 'pmta:%:%:%'"
    )
