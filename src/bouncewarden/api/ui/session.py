"""Sessions of the admin UI: a signed cookie, a CSRF token per session, a login rate limit.

The cookie holds the user's id, the session's CSRF token and an expiry, signed with
HMAC-SHA256 under a key made when the app starts (so a restart signs everyone out; nothing
secret is stored or written anywhere). It is `HttpOnly`, `SameSite=Strict`, and `Secure`
whenever the request came over HTTPS (behind a proxy, uvicorn's `--proxy-headers` says so).
Every form that changes something carries the CSRF token and is refused without it; the token
changes when someone signs in, so a token planted before login is worthless after it.
The user is read from the database on every request: a removed user or a changed role takes
effect at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from bouncewarden.errors import ConfigurationError

__all__ = ["COOKIE", "LoginLimiter", "SessionData", "SessionSigner", "session_key"]

COOKIE = "bw_session"
_LIFETIME = 8 * 3600


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the cookie says: who (None before login), the CSRF token, when it expires."""

    user_id: int | None
    csrf: str
    expires: float


_KEY_BYTES = 32


def session_key(path: Path | None) -> bytes | None:
    """The signing key kept in `path`, made (random, mode 600) if the file does not exist yet.

    None without a path: the signer then makes a key of its own for this process."""
    if path is None:
        return None
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) < _KEY_BYTES:
            raise ConfigurationError(f"{path}: a session key needs at least {_KEY_BYTES} bytes") from None
        return key
    key = secrets.token_bytes(_KEY_BYTES)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


class SessionSigner:
    """Reads and writes the session cookie."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def read(self, request: Request) -> SessionData | None:
        """The request's valid, unexpired session, or None."""
        value = request.cookies.get(COOKIE, "")
        body, _, signature = value.rpartition(".")
        if not body or not hmac.compare_digest(self._sign(body.encode()), signature):
            return None
        try:
            fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            data = SessionData(fields["u"], str(fields["c"]), float(fields["e"]))
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        return data if data.expires > time.time() else None

    def new(self, user_id: int | None) -> SessionData:
        """A fresh session (a fresh CSRF token) for `user_id`."""
        return SessionData(user_id, secrets.token_urlsafe(24), time.time() + _LIFETIME)

    def write(self, response: Response, request: Request, data: SessionData) -> None:
        """Set the cookie for `data` on `response`."""
        payload = json.dumps({"u": data.user_id, "c": data.csrf, "e": data.expires}).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        response.set_cookie(
            COOKIE,
            f"{body}.{self._sign(body.encode())}",
            max_age=_LIFETIME,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )


class LoginLimiter:
    """At most `attempts` failed logins per `window` seconds, per client address and per user name."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self._attempts = attempts
        self._window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and stamps[0] <= now - self._window:
            stamps.popleft()
        return stamps

    def blocked(self, client: str, username: str) -> bool:
        """Whether either key has used up its attempts."""
        now = time.monotonic()
        with self._lock:
            return any(
                len(self._recent(key, now)) >= self._attempts for key in (f"ip:{client}", f"user:{username}")
            )

    def failed(self, client: str, username: str) -> None:
        """Count one failed attempt against both keys."""
        now = time.monotonic()
        with self._lock:
            for key in (f"ip:{client}", f"user:{username}"):
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget idle keys so the table cannot grow without end
                for key in [key for key, stamps in self._failures.items() if not self._recent(key, now)]:
                    del self._failures[key]
