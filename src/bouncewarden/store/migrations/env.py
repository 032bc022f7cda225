"""Alembic environment: runs on the connection `bouncewarden.store.engine.upgrade` passes in.

There is no alembic.ini at run time; the caller builds the Alembic `Config` and puts an open
connection (inside its transaction) in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bouncewarden.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("bouncewarden migrations run through bouncewarden.store.engine.upgrade only")
_run(_connection)
