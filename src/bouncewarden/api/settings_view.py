"""The settings as the API and the admin UI show them: read-only, nothing secret.

Database passwords are masked, and any field whose name suggests a secret (`secret`,
`password`, `token`, `key`) is replaced by `"***"` when set.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from bouncewarden.config import Settings

__all__ = ["visible_settings"]

_SECRET_WORDS = ("secret", "password", "token", "key")


def _mask(values: Any) -> Any:
    if isinstance(values, dict):
        return {
            name: ("***" if value and any(word in name.lower() for word in _SECRET_WORDS) else _mask(value))
            for name, value in values.items()
        }
    if isinstance(values, list):
        return [_mask(value) for value in values]
    return values


def visible_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-ready values, secrets masked."""
    values: dict[str, Any] = _mask(settings.model_dump(mode="json"))
    values["database_url"] = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    return values
