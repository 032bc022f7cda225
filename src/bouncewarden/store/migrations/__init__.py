"""Alembic migrations of the bouncewarden schema, run programmatically by `bouncewarden.store.engine`."""
