"""Secrets named by the settings: read from an environment variable or a file, never written in
the settings themselves, so they stay out of settings files, command lines and `ps`."""

from __future__ import annotations

import os
from pathlib import Path

from bouncewarden.errors import ConfigurationError

__all__ = ["read_secret"]


def read_secret(owner: str, what: str, env: str | None, file: Path | None) -> str:
    """The secret `what` of `owner` (for messages), from the variable `env` or else the `file`.

    A file's trailing line break is dropped. Raises `ConfigurationError` when neither is set,
    the variable is missing or the file cannot be read.
    """
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigurationError(f"{owner}: environment variable {env} is not set")
        return value
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as err:
            raise ConfigurationError(f"{owner}: cannot read {what} file {file}: {err.strerror}") from err
    raise ConfigurationError(f"{owner}: set {what}_env or {what}_file")
