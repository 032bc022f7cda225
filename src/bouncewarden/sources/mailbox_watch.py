"""The mailbox scanner as `serve` runs it: scan, wait for mail, scan again, until stopped.

An IMAP mailbox waits with IDLE (RFC 2177) where the server offers it, so a bounce is read
seconds after it lands; other mailboxes, and IMAP servers without IDLE, are polled every
`poll_seconds`. A failed scan or wait (server away, store down, a password missing) is
logged and retried after `poll_seconds`: one bad mailbox never stops the service.
"""

from __future__ import annotations

import logging
import threading

from bouncewarden.config_mail import MailboxKind, MailboxSettings
from bouncewarden.errors import BouncewardenError
from bouncewarden.sources.mail_intake import MailRecorder
from bouncewarden.sources.mailbox import scan_mailbox
from bouncewarden.store.mail_sources import MailSourceLedger

__all__ = ["watch_mailbox"]

_log = logging.getLogger(__name__)


def watch_mailbox(
    settings: MailboxSettings, recorder: MailRecorder, ledger: MailSourceLedger, stop: threading.Event
) -> None:
    """Scan the mailbox whenever mail may have come, until `stop` is set."""
    from bouncewarden.sources.imap import wait_for_mail

    while not stop.is_set():
        try:
            report = scan_mailbox(settings, recorder, ledger)
        except BouncewardenError as err:
            _log.warning("mailbox %s: %s", settings.name, err)
            stop.wait(settings.poll_seconds)
            continue
        if report.counts:
            _log.info("%s", report.line())
        if report.error or settings.kind is not MailboxKind.IMAP:
            stop.wait(settings.poll_seconds)
            continue
        try:
            wait_for_mail(settings, stop)
        except (OSError, BouncewardenError) as err:
            _log.warning("mailbox %s: waiting for mail failed: %s", settings.name, err)
            stop.wait(settings.poll_seconds)
