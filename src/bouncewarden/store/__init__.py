"""Storage: SQLAlchemy models, the write path of `Service.record`, Alembic migrations.

Nothing outside `bouncewarden.service` and `bouncewarden.jobs` should need these modules;
they are public for tools and tests.
"""

from bouncewarden.store.engine import HEAD_REVISION, current_revision, make_engine, upgrade

__all__ = ["HEAD_REVISION", "current_revision", "make_engine", "upgrade"]
