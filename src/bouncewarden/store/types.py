"""Column types shared by the models.

`UtcDateTime` keeps every timestamp in UTC: aware datetimes go in (naive ones are taken as
UTC), aware UTC datetimes come out. PostgreSQL stores `timestamptz`; SQLite, which has no
time type, stores the naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`, which sorts and compares
correctly as text.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "as_utc", "sqlite_text"]


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (naive is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def sqlite_text(moment: datetime) -> str:
    """The text SQLite stores for `moment` (for bulk inserts that bypass the type)."""
    return as_utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC in the database and aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)
