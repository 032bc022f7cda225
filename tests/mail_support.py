"""Helpers for the mail source tests: synthesised messages, a free port, a cuttable TCP proxy.

The messages are written here (RFC 3464 DSN, RFC 5965 ARF, a human reply) with example.com
addresses; each call can carry its own Message-ID so every report is new to the store.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress

from sqlalchemy import func, select

from bouncewarden.service import Service
from bouncewarden.store.models import Event, Evidence, Quarantined
from store_helpers import connect


def dsn(
    recipient: str,
    *,
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    original_id: str = "<original-1@sender.example.com>",
    return_path: str = "bounces@bounces.example.com",
) -> bytes:
    """A Postfix-shaped RFC 3464 delivery status notification about `recipient`."""
    action = "failed" if status.startswith("5") else "delayed"
    text = f"""\
Date: Sat, 05 Dec 2026 10:00:00 +0000
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: {return_path}
Subject: Undelivered Mail Returned to Sender
Message-ID: <report-{original_id.strip("<>")}@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to {recipient}.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.org
Diagnostic-Code: {diagnostic.format(rcpt=recipient)}

--B1
Content-Type: message/rfc822

From: News <news@sender.example.com>
To: {recipient}
Subject: Hello
Message-ID: {original_id}

Hello.

--B1--
"""
    return text.replace("\n", "\r\n").encode("ascii")


def human_reply(sender: str = "person@example.org") -> bytes:
    """A person answering the newsletter at its return path: not feedback."""
    text = f"""\
Date: Sat, 05 Dec 2026 10:00:00 +0000
From: A Person <{sender}>
To: bounces@bounces.example.com
Subject: Re: Hello
Message-ID: <reply-1@example.org>

Thanks, but please tell me more about the offer.
"""
    return text.replace("\n", "\r\n").encode("ascii")


def stored_counts(service: Service) -> dict[str, int]:
    """Rows in the evidence, events and quarantine tables."""
    with connect(service) as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in (("evidence", Evidence), ("events", Event), ("quarantine", Quarantined))
        }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 to an upstream port, which a test can cut and restore."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._up = True
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Drop every connection and refuse new ones (by closing them at once)."""
        with self._lock:
            self._up = False
            for connection in self._open:
                connection.close()
            self._open.clear()

    def restore(self) -> None:
        """Forward new connections again."""
        with self._lock:
            self._up = True

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._up:
                    client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", self._upstream))
                self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with suppress(OSError):
                end.close()


@contextmanager
def raw_session(port: int) -> Iterator[socket.socket]:
    """A plain socket to the receiver, with the greeting already read."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        connection.recv(1024)
        yield connection
    finally:
        connection.close()


def arf(complainer: str, *, original_id: str = "<original-c@sender.example.com>") -> bytes:
    """An RFC 5965 abuse report from a mailbox provider's feedback loop about `complainer`."""
    text = f"""\
Date: Sat, 05 Dec 2026 10:00:00 +0000
From: Feedback Loop <fbl@isp.example.net>
To: fbl@bounces.example.com
Subject: Abuse report
Message-ID: <arf-{original_id.strip("<>")}@isp.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F1"

--F1
Content-Type: text/plain; charset=us-ascii

This is an email abuse report.

--F1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: {complainer}
Arrival-Date: Sat, 05 Dec 2026 09:00:00 +0000

--F1
Content-Type: message/rfc822

From: News <news@sender.example.com>
To: {complainer}
Subject: Hello
Message-ID: {original_id}

Hello.

--F1--
"""
    return text.replace("\n", "\r\n").encode("ascii")
