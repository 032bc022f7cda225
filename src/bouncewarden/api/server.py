"""The uvicorn server `bouncewarden serve` runs the HTTP app in, with limits a public port needs.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) and answers 503 beyond a
number of open connections (`limit_concurrency`), but waits forever for a request head that
arrives a byte at a time (slowloris): 300 such connections were held for 17 s and more. So
the h11 protocol is extended with a header timeout: a connection that is waiting for a
request head, or is in the middle of one, is closed when the head is not complete within
`http.header_timeout_seconds`. A request whose head has arrived is not timed here (its body
is read by the endpoint, which caps its size).

Behind a reverse proxy (nginx, Caddy, a cloud load balancer), keep these limits anyway and
let the proxy buffer requests; README's "Running behind a reverse proxy" shows a set-up.
"""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from bouncewarden.config import HttpSettings

__all__ = ["HeaderTimeoutProtocol", "http_server"]


class HeaderTimeoutProtocol(H11Protocol):
    """h11 as uvicorn speaks it, plus a deadline for each request head."""

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn narrows the base type
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._cancel_header_timer()  # idle again: uvicorn's keep-alive timeout takes over

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _waiting_for_head(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _arm_header_timer(self) -> None:
        if not self._waiting_for_head():
            self._cancel_header_timer()
        elif self._header_timer is None and self.cycle is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self._waiting_for_head() and self.cycle is None:
            self.transport.close()


def http_server(app: FastAPI, settings: HttpSettings) -> uvicorn.Server:
    """A uvicorn server for `app` with the header and keep-alive timeouts and the connection limit."""
    protocol = type(
        "BouncewardenH11Protocol",
        (HeaderTimeoutProtocol,),
        {"header_timeout": settings.header_timeout_seconds},
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        http=protocol,
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.max_connections,
        server_header=False,
    )
    return uvicorn.Server(config)
