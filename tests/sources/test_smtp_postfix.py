"""End to end with a real MTA: postfix's own DSNs arrive at the SMTP receiver and set states.

A private postfix instance (tests/postfix_instance.py) relays example.com to a scripted
remote server on 127.0.0.1 that refuses by local part: `unknown` 550 5.1.1 at RCPT, `full`
552 5.2.2 at RCPT, `spam` 554 5.7.1 after DATA, `busy` 451 4.7.1 every time until postfix
gives up. Each message is sent with a VERP return path on bouncewarden's domain, which
postfix routes to the receiver; the receiver must record postfix's bounce for each.
"""

from __future__ import annotations

import shutil
import smtplib
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from bouncewarden.config import Settings
from bouncewarden.config_mail import SmtpSettings
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import mail_recorder
from bouncewarden.sources.smtp import SmtpReceiver
from bouncewarden.store.models import Event
from mail_support import free_port
from postfix_instance import QUEUE_LIFETIME_SECONDS, is_installed, running_postfix

pytestmark = pytest.mark.skipif(
    not is_installed(), reason="needs root and Debian's postfix (.ci/run installs it)"
)
DOMAIN = "bounces.example.com"
RCPT_REPLIES = {
    "unknown": "550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table",
    "full": "552 5.2.2 <{address}>: Recipient address rejected: Mailbox full",
    "busy": "451 4.7.1 <{address}>: Recipient address rejected: Greylisted, please try again later",
}
DATA_REPLIES = {"spam": "554 5.7.1 Message rejected: content looks like spam"}


class _ScriptedRemote:
    """The receiving side of the test mail: refuses by the recipient's local part."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = RCPT_REPLIES.get(address.partition("@")[0])
        if reply is not None:
            return reply.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for address in envelope.rcpt_tos:
            reply = DATA_REPLIES.get(address.partition("@")[0])
            if reply is not None:
                return reply
        return "250 2.0.0 OK"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Service]:
    service = Service.open(Settings(database_url=f"sqlite:///{tmp_path / 'bw.db'}", data_dir=tmp_path))
    yield service
    service.close()


def _message(recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "News <news@sender.example.com>"
    message["To"] = recipient
    message["Subject"] = "Hello"
    message["Message-ID"] = f"<{recipient.partition('@')[0]}@sender.example.com>"
    message.set_content("Hello.\n")
    return message


def test_postfix_bounces_reach_the_receiver_and_set_the_states(store: Service) -> None:
    remote_port = free_port()
    remote = Controller(_ScriptedRemote(), hostname="127.0.0.1", port=remote_port)
    remote.start()
    receiver = SmtpReceiver(SmtpSettings(port=0, domains=[DOMAIN]), mail_recorder(store))
    receiver.start()
    local_parts = ["unknown", "full", "spam", "busy"]
    # Not under pytest's tmp folder: postfix's unprivileged processes must reach the queue.
    folder = Path(tempfile.mkdtemp(prefix="bw-postfix-"))
    try:
        routes = {"example.com": remote_port, DOMAIN: receiver.port}
        with running_postfix(folder, routes) as postfix_port:
            with smtplib.SMTP("127.0.0.1", postfix_port, timeout=30) as client:
                for local in local_parts:
                    recipient = f"{local}@example.com"
                    sender = f"bounces+{local}=example.com@{DOMAIN}"
                    client.send_message(_message(recipient), from_addr=sender, to_addrs=[recipient])
            deadline = time.monotonic() + QUEUE_LIFETIME_SECONDS + 90
            while time.monotonic() < deadline and len(_events(store)) < len(local_parts):
                time.sleep(0.5)
    finally:
        receiver.stop()
        remote.stop()
        shutil.rmtree(folder, ignore_errors=True)
    events = _events(store)
    assert sorted(events) == sorted(f"{local}@example.com" for local in local_parts), events
    assert events["unknown@example.com"] == ("hard", "userunknown", "5.1.1")
    assert events["full@example.com"][:2] == ("soft", "mailboxfull")
    assert events["spam@example.com"][0] == "sender"
    assert events["busy@example.com"][0] != "hard"  # given up after retries: never held against the address
    states = store.admin.lookup([f"{local}@example.com" for local in local_parts])
    assert states["unknown@example.com"].status is AddressStatus.SUPPRESSED
    assert states["full@example.com"].status is AddressStatus.SOFT
    assert "spam@example.com" not in states or states["spam@example.com"].status is AddressStatus.ACTIVE
    assert receiver.stats.counts.get("recorded") == len(local_parts)


def _events(store: Service) -> dict[str, tuple[str, str, str | None]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(Event.address, Event.severity, Event.reason, Event.status)).all()
    return {row.address: (row.severity, row.reason, row.status) for row in rows}
