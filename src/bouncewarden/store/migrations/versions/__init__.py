"""Alembic revision scripts, oldest first; `bouncewarden.store.engine.HEAD_REVISION` names the newest."""
