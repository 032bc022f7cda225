"""Rows written below SQLAlchemy's types (`store.driver_rows`) read back as the ORM wrote them,
and the lookup of known addresses answers the same however often it has run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DataError

from bouncewarden.policy import AddressState
from bouncewarden.service import Service
from bouncewarden.store.batches import _addresses_with_rows
from bouncewarden.store.driver_rows import bound_tags, bound_time, in_json, insert_rows
from bouncewarden.store.models import Address, Evidence
from bouncewarden.store.recording import address_values, insert_new_addresses
from store_helpers import begin, connect

NOW = datetime(2026, 12, 5, 22, 0, 0, 123456, tzinfo=UTC)


def test_rows_of_every_type_read_back(service: Service) -> None:
    with begin(service) as connection:
        sqlite = connection.dialect.name == "sqlite"
        rows = [
            (
                f"{n:064x}",
                "text/csv",
                "smtp" if n % 2 else "pmta",
                n,
                bytes([0, n, 255]),
                bound_time(NOW, sqlite),
            )
            for n in range(3)
        ]
        columns = ("sha256", "media_type", "source", "size", "compressed", "created_at")
        returned = insert_rows(connection, "evidence", columns, rows, "RETURNING sha256")
        stored = connection.execute(select(Evidence).order_by(Evidence.sha256)).all()
    assert [row[0] for row in returned] == [row[0] for row in rows]
    assert [(e.sha256, e.media_type, e.source, e.size, e.compressed, e.created_at) for e in stored] == [
        (*row[:5], NOW) for row in rows
    ]


def test_flags_nulls_and_times_of_new_addresses(service: Service) -> None:
    soft = AddressState("soft@example.org", soft_count=2, first_soft_at=NOW - timedelta(hours=1))
    plain = AddressState("plain@example.org", retry_announced=True, last_delivery_at=NOW)
    with begin(service) as connection:
        rows = [address_values(state, now=NOW) for state in (soft, plain)]
        assert insert_new_addresses(connection, rows) == {"soft@example.org", "plain@example.org"}
        assert insert_new_addresses(connection, rows) == set()  # stored already: nothing comes back
    with connect(service) as connection:
        found = {row.address: row for row in connection.execute(select(Address))}
    assert (found["soft@example.org"].soft_count, found["soft@example.org"].first_soft_at) == (
        2,
        soft.first_soft_at,
    )
    assert found["soft@example.org"].retry_announced is False
    assert found["soft@example.org"].last_delivery_at is None
    assert (found["plain@example.org"].retry_announced, found["plain@example.org"].last_delivery_at) == (
        True,
        NOW,
    )


def test_a_value_too_long_for_its_column_is_refused_not_cut(service: Service) -> None:
    with begin(service) as connection:
        if connection.dialect.name == "sqlite":
            pytest.skip("SQLite does not hold text to a column's length")
    columns = ("address", "from_state", "to_state", "reason", "event_id", "actor", "at")
    row = ("a@example.org", None, "suppressed", "r" * 17, None, "policy", bound_time(NOW, False))
    with pytest.raises(DataError), begin(service) as connection:
        insert_rows(connection, "outbox", columns, [row])


def test_known_addresses_stay_right_past_the_prepared_plan(service: Service) -> None:
    """psycopg prepares a statement run five times; the lookup must answer alike before and after."""
    stored = [f"known{n}@example.org" for n in range(300)]
    with begin(service) as connection:
        insert_new_addresses(connection, [address_values(AddressState(a), now=NOW) for a in stored[:10]])
        for round_ in range(1, 30):
            if round_ % 3 == 0:  # the table grows between lookups, as it does over a long file
                more = stored[round_ * 10 : round_ * 10 + 10]
                insert_new_addresses(connection, [address_values(AddressState(a), now=NOW) for a in more])
            wanted = [f"known{n}@example.org" for n in range(0, 400, 7)] + ["never@example.org"]
            have = set(connection.execute(select(Address.address)).scalars())
            assert _addresses_with_rows(connection, wanted) == have & set(wanted)


def test_a_json_lookup_is_one_statement_text_whatever_the_count(service: Service) -> None:
    """Every lookup size prepares the same text (SQLite's driver keeps each text it prepared)."""
    stored = [f"kept{n}@example.org" for n in range(40)]
    with begin(service) as connection:
        insert_new_addresses(connection, [address_values(AddressState(a), now=NOW) for a in stored])
    texts: set[str] = set()

    def remember(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith("SELECT"):
            texts.add(statement)

    with connect(service) as connection:
        event.listen(connection, "before_cursor_execute", remember)
        dialect = connection.dialect.name
        for size in (1, 2, 7, 40):
            wanted = [*stored[:size], "never@example.org", "nul\x00@example.org", "bad\udcff@example.org"]
            query = select(Address.address).where(in_json(Address.address, wanted, dialect))
            assert set(connection.execute(query).scalars()) == set(stored[:size])
    assert len(texts) == 1, texts


@pytest.mark.parametrize(
    "tags",
    [
        {},
        {"vmta": "pool-1", "jobId": "campaign 7"},
        {"quote": 'say "hi"\\ there', "line": "a\nb\tc\x00\x7f", "unicode": "café ☃ \U0001f4e7"},
        {"surrogate": "\udcff", "empty": ""},
        {"count": 3, "nested": {"a": ["b"]}, "flag": True},  # not text: json.dumps itself
    ],
)
def test_tags_are_bound_as_json_dumps_writes_them(tags: dict[str, object]) -> None:
    assert bound_tags(tags) == json.dumps(tags)
    assert json.loads(bound_tags(tags)) == tags
