"""The SMTP receiver: bouncewarden as the MX of the return-path domains (RFC 5321).

Bounces (RFC 3464 DSNs, and every MTA's own form), feedback-loop reports (RFC 5965 ARF)
and auto-replies are sent to the envelope sender of the original message. Point the MX of
that domain here and they arrive within seconds. `SmtpReceiver` runs an asyncio server on a
thread of its own, one `GuardedSMTP` session per connection (limits: `smtp_session`), the
hooks of `smtp_handler.BounceHandler` (who may be written to, and what DATA does), and one
`BatchWriter` that commits what the sessions received before they answer. Its status goes to
the store every few seconds for `bouncewarden smtp status`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
import weakref

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config_mail import SmtpSettings
from bouncewarden.sources.mail_intake import IntakeMailRecorder
from bouncewarden.sources.smtp_handler import SMTP_SOURCE, BounceHandler, ReceiverStats
from bouncewarden.sources.smtp_session import GuardedSMTP, SessionLimits
from bouncewarden.sources.smtp_writer import BatchWriter
from bouncewarden.store.mail_sources import MailSourceLedger, SourceState

__all__ = ["SMTP_SOURCE", "SmtpReceiver"]

_log = logging.getLogger(__name__)


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


class SmtpReceiver:
    """The receiver: an asyncio server on its own thread, and its writer."""

    def __init__(
        self,
        settings: SmtpSettings,
        recorder: IntakeMailRecorder,
        *,
        ledger: MailSourceLedger | None = None,
        status_interval: float = 5.0,
        clock: Clock = system_clock,
    ) -> None:
        self._settings = settings
        self._ledger = ledger
        self._status_interval = status_interval
        self._stopping = threading.Event()
        self._status_thread = threading.Thread(target=self._report_status, name="smtp-status", daemon=True)
        self._clock = clock
        self.stats = ReceiverStats(started_at=clock())
        self.limits = SessionLimits(settings.max_sessions, settings.max_sessions_per_client)
        self._writer = BatchWriter(recorder, batch_size=settings.batch_size)
        self._handler = BounceHandler(settings, self._writer, self.stats, clock)
        self._tls = _tls_context(settings)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp", daemon=True)
        self._sessions: weakref.WeakSet[GuardedSMTP] = weakref.WeakSet()
        self.port = settings.port

    def _session(self) -> GuardedSMTP:
        settings = self._settings
        session = GuardedSMTP(
            self._handler,
            limits=self.limits,
            session_timeout=settings.session_timeout_seconds,
            data_size_limit=settings.max_message_bytes,
            hostname=settings.hostname,
            ident="bouncewarden",
            tls_context=self._tls,
            timeout=settings.idle_timeout_seconds,
            proxy_protocol_timeout=settings.proxy_timeout_seconds if settings.proxy_protocol else None,
            loop=self._loop,
        )
        self._sessions.add(session)
        return session

    def start(self) -> None:
        """Listen on the configured host and port (port 0: any free one, see `port`)."""
        self._writer.start()
        self._thread.start()
        create = self._loop.create_server(self._session, self._settings.host, self._settings.port)
        try:
            self._server = asyncio.run_coroutine_threadsafe(create, self._loop).result(timeout=30)
        except OSError:
            self.stop()
            raise
        self.port = int(self._server.sockets[0].getsockname()[1])
        _log.info("SMTP receiver listening on %s:%d", self._settings.host, self.port)
        if self._ledger is not None:
            self._status_thread.start()

    def status(self) -> SourceState:
        """The receiver's status now, as `smtp status` shows it."""
        stats = self.stats
        counts = dict(stats.counts)
        counts["refused_sessions"] = counts.get("refused_sessions", 0) + self.limits.refused
        counts["open_sessions"] = self.limits.open_sessions
        return SourceState(
            name=SMTP_SOURCE,
            kind=SMTP_SOURCE,
            counts=counts,
            started_at=stats.started_at,
            last_seen_at=stats.last_message_at,
            last_error=stats.last_error,
            last_error_at=stats.last_error_at,
            updated_at=self._clock(),
        )

    def _save_status(self) -> None:
        if self._ledger is None:
            return
        try:
            self._ledger.save_state(self.status())
        except Exception as err:  # the store may be down; the next round tries again
            _log.warning("could not save the SMTP receiver's status: %s", err)

    def _report_status(self) -> None:
        self._save_status()
        while not self._stopping.wait(self._status_interval):
            self._save_status()

    def stop(self) -> None:
        """Stop listening, close the sessions, let the writer finish what it holds, end the thread."""
        self._stopping.set()
        if self._status_thread.is_alive():
            self._status_thread.join()
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._writer.stop()
        if not self._loop.is_closed():
            self._loop.close()
        if self._status_thread.ident is not None:
            self._save_status()

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        # Let the sessions' tasks see their connections end.
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=5)
        if server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), timeout=5)
        for _ in range(3):  # closing a transport takes a turn or two of the loop
            await asyncio.sleep(0)
