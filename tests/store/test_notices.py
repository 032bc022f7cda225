"""Notices are written in the caller's transaction and read back in id order."""

from __future__ import annotations

from datetime import UTC, datetime

from bouncewarden.store import make_engine, upgrade
from bouncewarden.store.notices import add_notice, read_notices


def test_notices_read_back_in_order_and_only_when_committed(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    at = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            first = add_notice(connection, "alert.raised", "news@example.com", {"rate": 0.06}, at=at)
            second = add_notice(connection, "alert.resolved", "news@example.com", {"rate": 0.01}, at=at)
        with engine.connect() as connection, connection.begin():
            add_notice(connection, "alert.raised", "lost@example.com", {}, at=at)
            connection.rollback()
        with engine.connect() as connection:
            notices = read_notices(connection)
            assert [(n.id, n.topic, n.subject) for n in notices] == [
                (first, "alert.raised", "news@example.com"),
                (second, "alert.resolved", "news@example.com"),
            ]
            assert notices[0].payload == {"rate": 0.06}
            assert notices[0].at == at
            assert [n.id for n in read_notices(connection, after_id=first)] == [second]
    finally:
        engine.dispose()
