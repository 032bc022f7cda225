"""A guard in front of every route: URLs with NUL bytes are refused with 400.

No path or query of ours can hold a NUL, and PostgreSQL refuses NUL in text, so a NUL that
reached a filter would turn a bad request into a server error. Checked once here, as plain
ASGI (no per-request middleware object), before routing.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RefuseNulBytes"]

_BODY = json.dumps({"detail": "the URL contains a NUL byte"}).encode()


class RefuseNulBytes:
    """ASGI middleware: 400 for an HTTP request whose path or query string holds a NUL byte."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"") or
            b"\x00" in scope.get("query_string", b"")
        ):  # fmt: skip
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": _BODY})
            return
        await self._app(scope, receive, send)
