"""The SMTP receiver's aiosmtpd hooks: who may be written to, and what DATA does.

- `RCPT TO` is accepted only for the configured `domains` (any local part, so VERP
  addresses work) and `addresses`; everything else gets `550 5.7.1` and is never stored or
  relayed: this server delivers only to itself.
- After DATA the message, with `Return-Path:` and `X-Original-To:` trace fields on top
  (RFC 5321 section 4.4, as Postfix writes them), goes to the `MailRecorder` through the
  `BatchWriter`; the reply waits for the commit: `250` once the evidence or the quarantine
  row is committed, `451 4.3.0` when the store could not commit, so the sending MTA retries.
- The envelope recipient is VERP-decoded (the configured templates, then the plain
  `prefix+local=domain` form), filling in sender, message and campaign ids the report lacks.
- A message that is not feedback is kept with its label and, when `forward_not_feedback_to`
  is set, forwarded there through `forward_relay` after the commit.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiosmtpd.smtp import Envelope, Session

from bouncewarden.clock import Clock
from bouncewarden.config_mail import SmtpSettings
from bouncewarden.intake import Outcome
from bouncewarden.parse.email_checks import email_problem
from bouncewarden.parse.verp import VerpAddress, VerpTemplate, decode_envelope_recipient
from bouncewarden.sources.mail_intake import MailResult, ReceivedMail
from bouncewarden.sources.smtp_session import GuardedSMTP
from bouncewarden.sources.smtp_writer import BatchWriter

__all__ = ["SMTP_SOURCE", "BounceHandler", "ReceiverStats"]

SMTP_SOURCE = "smtp"
_log = logging.getLogger(__name__)
_MAX_RECIPIENTS = 100
_NOT_LOCAL = "550 5.7.1 <{}>: relay access denied; this server only takes mail for its own domains"
_UNAVAILABLE = "451 4.3.0 Temporary failure storing the message, please try again later"


@dataclass(slots=True)
class ReceiverStats:
    """What the receiver has done since it started (shown by `smtp status`)."""

    started_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    last_message_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None

    def count(self, name: str) -> None:
        """Add one to a named count."""
        self.counts[name] = self.counts.get(name, 0) + 1


class BounceHandler:
    """aiosmtpd hooks: who may be written to, and what DATA does."""

    def __init__(
        self, settings: SmtpSettings, writer: BatchWriter, stats: ReceiverStats, clock: Clock
    ) -> None:
        self._settings = settings
        self._writer = writer
        self._stats = stats
        self._clock = clock
        self._domains = frozenset(settings.domains)
        self._addresses = frozenset(settings.addresses)
        self._templates = [VerpTemplate(template) for template in settings.verp_templates]

    def accepts(self, address: str) -> bool:
        """Whether mail for `address` is ours to take."""
        address = address.lower()
        return address in self._addresses or address.rpartition("@")[2] in self._domains

    async def handle_PROXY(
        self, server: GuardedSMTP, session: Session, envelope: Envelope, proxy: Any
    ) -> bool:
        """Count the session under the client the load balancer reports."""
        source = getattr(proxy, "src_addr", None)
        if source is None:
            return True  # a PROXY "LOCAL" or "UNKNOWN" header: the balancer's own check
        refusal = server.recount_client(str(source))
        if refusal is not None:  # counted by the limits, shown as refused_sessions
            await server.push(f"421 4.7.0 {refusal}")
            return False
        return True

    async def handle_RCPT(
        self, server: GuardedSMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Accept only our own domains and addresses; never relay."""
        if not self.accepts(address):
            self._stats.count("refused_recipients")
            return _NOT_LOCAL.format(address)
        if len(envelope.rcpt_tos) >= _MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: GuardedSMTP, session: Session, envelope: Envelope) -> str:
        """Commit the message, then answer: 250 when stored, 451 when the store could not commit."""
        content = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        mail = ReceivedMail(
            data=_with_trace_fields(content, envelope),
            origin=f"smtp:{peer}",
            source=SMTP_SOURCE,
            received_at=self._clock(),
            verp=self._verp(envelope.rcpt_tos),
        )
        result = await asyncio.wrap_future(self._writer.submit(mail))
        return self._reply(result, mail, envelope)

    def _verp(self, recipients: list[str]) -> VerpAddress | None:
        for recipient in recipients:
            decoded = decode_envelope_recipient(recipient, self._templates)
            if decoded is not None:
                return decoded
        return None

    def _reply(self, result: MailResult, mail: ReceivedMail, envelope: Envelope) -> str:
        self._stats.count(result.outcome.value)
        if not result.committed:
            self._stats.last_error = result.detail
            self._stats.last_error_at = self._clock()
            return _UNAVAILABLE
        self._stats.last_message_at = mail.received_at
        if result.outcome is Outcome.NOT_FEEDBACK and self._settings.forward_not_feedback_to:
            forward = threading.Thread(target=self._forward, args=(envelope.original_content,), daemon=True)
            forward.start()
        return f"250 2.0.0 OK: {result.outcome.value}"

    def _forward(self, content: bytes | None) -> None:
        target = self._settings.forward_not_feedback_to
        host, _, port = self._settings.forward_relay.rpartition(":")
        try:
            with smtplib.SMTP(host or "127.0.0.1", int(port or 25), timeout=30) as client:
                client.sendmail("<>", [str(target)], content or b"")
        except (OSError, smtplib.SMTPException) as err:
            _log.warning("could not forward a non-feedback message to %s: %s", target, err)
            self._stats.count("forward_failures")
        else:
            self._stats.count("forwarded")


def _with_trace_fields(content: bytes, envelope: Envelope) -> bytes:
    """The message with Return-Path and X-Original-To on top, unless it is no message at all.

    Bytes that are not mail are kept exactly as they came, so the quarantine shows them.
    """
    if email_problem(content) is not None:
        return content
    sender = envelope.mail_from or ""
    sender = "" if sender == "<>" else sender
    lines = [f"Return-Path: <{sender}>"] + [f"X-Original-To: {rcpt}" for rcpt in envelope.rcpt_tos]
    newline = "\r\n" if b"\r\n" in content[:1000] else "\n"
    return (newline.join(lines) + newline).encode("utf-8", "replace") + content
