"""One SMTP session of the bounce receiver: aiosmtpd's `SMTP` with the limits an MX needs.

aiosmtpd (https://aiosmtpd.aio-libs.org) implements RFC 5321; this subclass adds what a
server exposed to the internet must refuse:

- too many sessions at once, or from one client address: the connection is greeted with
  `421 4.7.0` and closed (RFC 5321 section 3.1 lets a server open with 421); behind a load
  balancer speaking the PROXY protocol the per-client count uses the address the proxy
  reports, checked once the PROXY header is read;
- a session longer than the session timeout (a client trickling bytes to keep an idle
  timer alive) is closed; aiosmtpd's own timeout covers a client that goes silent;
- aiosmtpd answers an oversized message with a bare `552`; we give the RFC 3463 status too:
  `552 5.3.4 Message too big for system`.

The limits object lives on the event loop's thread, so its counts need no lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP

__all__ = ["GuardedSMTP", "SessionLimits"]

_log = logging.getLogger(__name__)
TOO_BIG = "552 5.3.4 Message too big for system"


@dataclass(slots=True)
class SessionLimits:
    """Counts of open sessions, overall and per client address."""

    max_sessions: int
    max_per_client: int
    open_sessions: int = 0
    refused: int = 0
    _per_client: Counter[str] = field(default_factory=Counter)

    def admit(self, client: str) -> str | None:
        """Count a new session from `client`; the refusal text when it is one too many."""
        if self.open_sessions >= self.max_sessions:
            self.refused += 1
            return "Too many connections, try again later"
        if self._per_client[client] >= self.max_per_client:
            self.refused += 1
            return f"Too many connections from {client}, try again later"
        self.open_sessions += 1
        self._per_client[client] += 1
        return None

    def move(self, old: str, new: str) -> str | None:
        """Re-count an admitted session under another client address (the PROXY source)."""
        self._per_client[old] -= 1
        if self._per_client[new] >= self.max_per_client:
            self._per_client[old] += 1
            self.refused += 1
            return f"Too many connections from {new}, try again later"
        self._per_client[new] += 1
        return None

    def release(self, client: str) -> None:
        """Forget one ended session of `client`."""
        self.open_sessions -= 1
        self._per_client[client] -= 1
        if self._per_client[client] <= 0:
            del self._per_client[client]


class GuardedSMTP(SMTP):
    """`SMTP` that admits sessions through `SessionLimits` and caps their length."""

    def __init__(
        self, handler: Any, *, limits: SessionLimits, session_timeout: float, **options: Any
    ) -> None:
        super().__init__(handler, **options)
        self._limits = limits
        self._session_timeout = session_timeout
        self._client: str | None = None
        self._refused = False
        self._deadline: asyncio.TimerHandle | None = None

    @property
    def client(self) -> str | None:
        """The address this session is counted under."""
        return self._client

    def recount_client(self, client: str) -> str | None:
        """Count this session under `client` (from PROXY); the refusal text if over the cap."""
        if self._client is None or client == self._client:
            return None
        refusal = self._limits.move(self._client, client)
        if refusal is None:
            self._client = client
        return refusal

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None and self._original_transport is None:  # a new connection, not STARTTLS
            peer = transport.get_extra_info("peername")
            client = str(peer[0]) if peer else "unknown"
            refusal = self._limits.admit(client)
            if refusal is not None:
                _log.info("refused a session from %s: %s", client, refusal)
                self._refused = True
                transport.write(f"421 4.7.0 {refusal}\r\n".encode("ascii"))  # type: ignore[attr-defined]
                transport.close()
                return
            self._client = client
            self._deadline = self.loop.call_later(self._session_timeout, self._session_expired)
        super().connection_made(transport)

    def _session_expired(self) -> None:
        _log.info("session from %s exceeded %g s; closing", self._client, self._session_timeout)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return
        if self._client is not None:
            self._limits.release(self._client)
            self._client = None
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(error)

    def eof_received(self) -> bool | None:
        if self._refused:
            return False
        return super().eof_received()

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    async def push(self, status: AnyStr) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else str(status)
        if text.startswith("552 Error"):
            text = TOO_BIG
        await super().push(text)
