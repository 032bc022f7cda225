"""The admin UI's session key: kept in `[http] session_key_file` so sessions outlive a restart."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.responses import Response

from bouncewarden.api.ui.session import COOKIE, SessionSigner, session_key
from bouncewarden.errors import ConfigurationError


def _request(cookie: str | None = None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "scheme": "http", "headers": headers, "path": "/", "query_string": b""})


def _cookie(signer: SessionSigner, user_id: int) -> str:
    response = Response()
    signer.write(response, _request(), signer.new(user_id))
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_a_key_file_is_made_private_once_and_shared_by_every_signer(tmp_path: Path) -> None:
    path = tmp_path / "session.key"
    first = SessionSigner(session_key(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cookie = _cookie(first, 7)
    # Another process (or the same one after a restart) reads the same key and the same session.
    again = SessionSigner(session_key(path))
    found = again.read(_request(cookie))
    assert found is not None and found.user_id == 7
    # Without a key file every signer has a key of its own: the cookie means nothing to it.
    assert SessionSigner(session_key(None)).read(_request(cookie)) is None


def test_a_short_key_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "session.key"
    path.write_bytes(b"short")
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        session_key(path)
