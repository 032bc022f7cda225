"""Many rows in few statements, below SQLAlchemy's per-row type processing.

A batch writes thousands of rows (events, evidence, address rows, transitions, counters);
turning every value into a bound parameter through the column types costs more than the
database's own work. The write paths therefore hand rows of plain values to `insert_rows`,
converted beforehand exactly as the column types would store them (`bound_time`: naive UTC
text on SQLite, aware UTC on PostgreSQL, see `store.types`; `bound_flag`: 0/1 on SQLite), with
the conflict and `RETURNING` clause given. SQLite gets multi-row `INSERT ... VALUES (...), (...)`
statements, as many rows per statement as its parameter limit allows.

PostgreSQL gets one statement for all the rows, `INSERT ... SELECT * FROM unnest(%b::TEXT[],
...)`, one array per column: a multi-row VALUES of a thousand rows is a statement of thousands
of placeholders, which psycopg rewrites (`%s` to `$n`) in Python at every call, as it caches
only short statements (4 ms for the two columns of a sent-message claim, 50 ms for an event
row), and which the server parses and binds value by value. The arrays go in binary (`%b`),
which psycopg writes in C; in text it quotes every element in Python, ten times slower. Each
is cast to the base type of its column (from the models, without a length: an explicit cast
to `varchar(16)` would cut a longer value short, where the insert refuses it).

On SQLite a `RETURNING` clause is not sent: Python's driver fetches its rows one step at a time
and lets go of the interpreter lock at every step, and while another thread reads the next batch
(`Intake.take_all`) each step then waits for the lock again: a thousand waits per statement made
the evidence insert six times slower than alone. Inside the writer's transaction (SQLite has
one writer) the rows inserted are those with a rowid above the largest before it, so the
columns asked for are read back from them at once, as one JSON array in one row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, String, TextualSelect, column, text
from sqlalchemy.engine import Connection, Dialect

from bouncewarden.store.models import Base
from bouncewarden.store.types import as_utc, sqlite_text

__all__ = [
    "LOOKUP_CHUNK",
    "address_columns",
    "bound_flag",
    "bound_tags",
    "bound_time",
    "chunked",
    "in_json",
    "insert_rows",
    "json_values",
]

# Parameters per statement: under SQLite's 32,766.
_PARAMETERS = 30_000
_ROWS_PER_STATEMENT = 1000
LOOKUP_CHUNK = 5000
"""Values per lookup statement (`in_json`, `address_columns`): few enough to hold, many
enough that the statements cost little."""
# The values of a lookup go as one JSON array, taken apart by the database; `{}` is where
# the parameter goes (the driver's own mark, or SQLAlchemy's named one).
_JSON_ELEMENTS = {
    "sqlite": "SELECT value FROM json_each({})",
    "postgresql": "SELECT jsonb_array_elements_text(CAST({} AS jsonb)) AS value",
}
_DRIVER_MARK = {"sqlite": "?", "postgresql": "%s"}


@lru_cache(maxsize=4096)  # the rows of a batch share a few moments (its recording time, seconds)
def _sqlite_time(moment: datetime) -> str:
    return sqlite_text(moment)


def bound_time(moment: datetime | None, sqlite: bool) -> object:
    """`moment` as the `UtcDateTime` column type binds it (`sqlite`: the connection is SQLite's)."""
    if moment is None:
        return None
    return _sqlite_time(moment) if sqlite else as_utc(moment)


def bound_tags(tags: Mapping[str, object]) -> str:
    """`tags` as the JSON column binds them: `json.dumps` text. Text-to-text tags (nearly all)
    are written here with the json module's own string encoder, at a third of the cost."""
    members = []
    for key, value in tags.items():
        if type(key) is not str or type(value) is not str:
            return json.dumps(dict(tags))
        members.append(f"{_json_string(key)}: {_json_string(value)}")
    return "{" + ", ".join(members) + "}"


def bound_flag(value: bool, sqlite: bool) -> object:
    """`value` as a `Boolean` column binds it."""
    return int(value) if sqlite else value


@lru_cache(maxsize=256)
def _sqlite_statement(table: str, columns: tuple[str, ...], rows: int, tail: str) -> str:
    row = "(" + ", ".join("?" * len(columns)) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)} {tail}".rstrip()


@lru_cache(maxsize=256)
def _postgres_statement(dialect: Dialect, table: str, columns: tuple[str, ...], tail: str) -> str:
    known = Base.metadata.tables[table].columns
    types = [known[column].type.compile(dialect=dialect).partition("(")[0] for column in columns]
    arrays = ", ".join(f"%b::{name}[]" for name in types)
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) {tail}".rstrip()


def insert_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    tail: str = "",
) -> list[Any]:
    """INSERT `rows` (values in the order of `columns`, already bound) into `table`.

    `tail` follows the rows (`ON CONFLICT ...`, `RETURNING ...`); the rows `RETURNING` gives
    come back, in the order inserted. With `RETURNING`, the conflict clause may only be
    `DO NOTHING` and the columns returned integers or text (on SQLite they come back through
    JSON, see above).
    """
    names = tuple(columns)
    if connection.dialect.name == "postgresql":
        if not rows:
            return []
        arrays = tuple(list(values) for values in zip(*rows, strict=True))
        result = connection.exec_driver_sql(
            _postgres_statement(connection.dialect, table, names, tail), arrays
        )
        return list(result.fetchall()) if result.returns_rows else []
    head, _, returning = tail.partition("RETURNING ")
    if returning:
        if "DO UPDATE" in head.upper():
            raise ValueError("insert_rows returns only the rows inserted, not those updated")
        before = connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one()
        insert_rows(connection, table, columns, rows, head.rstrip())
        found = connection.exec_driver_sql(
            f"SELECT json_group_array(json_array({returning})) FROM {table} WHERE rowid > ?", (before,)
        ).scalar_one()
        return list(json.loads(found))
    per_statement = max(1, min(_ROWS_PER_STATEMENT, _PARAMETERS // len(names)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        parameters = tuple(chain.from_iterable(chunk))
        connection.exec_driver_sql(_sqlite_statement(table, names, len(chunk), tail), parameters)
    return []


def chunked(items: Sequence[str], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[str]]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_json(key: SQLColumnExpression[str], values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """`key IN (...)` of `values` as ONE parameter, a JSON array the database takes apart.

    An expanding `IN` is a statement text per number of values, and SQLite's driver keeps
    each text it has prepared (a hundred of them): lookups of 1 to 500 addresses left that
    many prepared statements behind, the largest step in the recorder's memory. This one has
    one text whatever the count. Values no text column can hold are left out (`_storable`).
    """
    return key.in_(json_values(values, dialect))


def json_values(values: Sequence[str], dialect: str) -> TextualSelect:
    """`SELECT value FROM` the elements of one JSON array parameter of `values` (see `in_json`)."""
    elements = text(_JSON_ELEMENTS[dialect].format(":elements"))
    elements = elements.bindparams(elements=json.dumps(_storable(values)))
    return elements.columns(column("value", String))


def address_columns(
    connection: Connection, columns: str, addresses: Sequence[str]
) -> Iterator[Sequence[Any]]:
    """`columns` (SQL, e.g. "address, state") of the rows of those of `addresses` that have one.

    One statement per 5,000 addresses, which go as one JSON array (`json.dumps` is C code):
    SQLAlchemy's expanding `IN` coerces and names every value, three times the cost of the
    lookup itself when `clean` checks a million addresses, and psycopg turns a Python list
    into a PostgreSQL array in Python, element by element. `IN (subquery)` is planned as one
    index lookup per address on both databases (`= ANY(array)` of 5,000 was planned as a scan
    of the whole table on PostgreSQL). Addresses no row holds (with a NUL, or text that is not
    UTF-8, as a list read with `surrogateescape` may give) are left out: PostgreSQL would
    refuse the statement. The addresses must be normalised; rows come in no particular order.
    """
    dialect = connection.dialect.name
    elements = _JSON_ELEMENTS[dialect].format(_DRIVER_MARK[dialect])
    query = f"SELECT {columns} FROM addresses WHERE address IN ({elements})"
    for part in chunked(addresses):
        chunk = _storable(part)
        if chunk:
            yield from connection.exec_driver_sql(query, (json.dumps(chunk),))


def _storable(addresses: Sequence[str]) -> list[str]:
    """The ones of `addresses` a text column can hold (the common case checked all at once)."""
    joined = "".join(addresses)
    if joined.isascii() and "\x00" not in joined:
        return list(addresses)
    return [address for address in addresses if "\x00" not in address and _utf8(address)]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
