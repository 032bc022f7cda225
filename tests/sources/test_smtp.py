"""The SMTP receiver over a real store: an aiosmtpd server on 127.0.0.1 and smtplib clients."""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bouncewarden.config import Settings
from bouncewarden.config_mail import SmtpSettings
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import mail_recorder
from bouncewarden.sources.smtp import SmtpReceiver
from bouncewarden.store.models import Event, Quarantined
from mail_support import TcpProxy, dsn, free_port, human_reply, raw_session, stored_counts
from store_helpers import begin, connect

DOMAIN = "bounces.example.com"
Start = Callable[..., SmtpReceiver]


@pytest.fixture
def start_receiver(service: Service) -> Iterator[Start]:
    started: list[SmtpReceiver] = []

    def start(**options: Any) -> SmtpReceiver:
        settings = SmtpSettings(**{"port": 0, "domains": [DOMAIN], **options})
        receiver = SmtpReceiver(settings, mail_recorder(service))
        receiver.start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def _send(port: int, rcpt: str, data: bytes, sender: str = "<>") -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        assert client.mail(sender)[0] == 250
        code, text = client.rcpt(rcpt)
        if code != 250:
            return code, text
        return client.data(data)


def test_a_bounce_to_a_verp_address_is_recorded_before_250(service: Service, start_receiver: Start) -> None:
    receiver = start_receiver()
    code, text = _send(receiver.port, f"bounces+gone=example.com@{DOMAIN}", dsn("gone@example.com"))
    assert (code, text) == (250, b"2.0.0 OK: recorded")
    # The commit came before the reply: the state is there the moment 250 is read.
    assert service.admin.lookup(["gone@example.com"])["gone@example.com"].status is AddressStatus.SUPPRESSED
    with connect(service) as connection:
        event = connection.execute(select(Event)).one()
    assert (event.source, event.reason, event.sender) == ("smtp", "userunknown", "news@sender.example.com")
    # The same report again changes nothing.
    assert _send(receiver.port, f"bounces+gone=example.com@{DOMAIN}", dsn("gone@example.com")) == (
        250,
        b"2.0.0 OK: duplicate",
    )
    assert stored_counts(service)["events"] == 1


def test_the_verp_template_supplies_the_campaign_and_message_id(
    service: Service, start_receiver: Start
) -> None:
    receiver = start_receiver(verp_templates=["b.{campaign}.{message_id}.{local}={domain}"])
    rcpt = f"b.spring.m42.full=example.com@{DOMAIN}"
    assert _send(receiver.port, rcpt, dsn("full@example.com", status="4.2.2", original_id="<>"))[0] == 250
    with connect(service) as connection:
        event = connection.execute(select(Event)).one()
    assert (event.address, event.campaign, event.message_id) == ("full@example.com", "spring", "m42")


def test_a_recipient_outside_our_domains_gets_550_and_nothing_is_stored(
    service: Service, start_receiver: Start
) -> None:
    receiver = start_receiver(addresses=["fbl@example.net"])
    with smtplib.SMTP("127.0.0.1", receiver.port, timeout=10) as client:
        client.ehlo()
        client.mail("<>")
        code, text = client.rcpt("someone@elsewhere.example.org")
        assert code == 550 and text.startswith(b"5.7.1")
        assert client.rcpt("fbl@example.net")[0] == 250
        assert client.rcpt("fbl@sub.example.net")[0] == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused), smtplib.SMTP("127.0.0.1", receiver.port) as client:
        client.sendmail("<>", ["x@elsewhere.example.org"], dsn("a@example.com"))
    assert stored_counts(service) == {"evidence": 0, "events": 0, "quarantine": 0}
    assert receiver.stats.counts["refused_recipients"] == 3


def test_an_oversized_message_gets_552_at_mail_or_after_data(service: Service, start_receiver: Start) -> None:
    receiver = start_receiver(max_message_bytes=2000)
    big = dsn("big@example.com") + b"padding padding padding\r\n" * 100
    with (
        pytest.raises(smtplib.SMTPSenderRefused) as refused,  # smtplib announces SIZE= in MAIL
        smtplib.SMTP("127.0.0.1", receiver.port) as client,
    ):
        client.sendmail("<>", [f"b@{DOMAIN}"], big)
    assert refused.value.smtp_code == 552 and refused.value.smtp_error.startswith(b"5.3.4")
    assert _send(receiver.port, f"b@{DOMAIN}", big) == (552, b"5.3.4 Message too big for system")
    assert stored_counts(service) == {"evidence": 0, "events": 0, "quarantine": 0}


def test_too_many_sessions_from_one_client_get_421(start_receiver: Start) -> None:
    receiver = start_receiver(max_sessions_per_client=2)
    first, second = smtplib.SMTP("127.0.0.1", receiver.port), smtplib.SMTP("127.0.0.1", receiver.port)
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", receiver.port, timeout=10)
    assert refused.value.smtp_code == 421 and refused.value.smtp_error.startswith(b"4.7.0")
    first.quit()
    third = smtplib.SMTP("127.0.0.1", receiver.port, timeout=10)  # a slot is free again
    assert third.noop()[0] == 250
    second.quit()
    third.quit()


def test_too_many_sessions_in_all_get_421(start_receiver: Start) -> None:
    receiver = start_receiver(max_sessions=1)
    with smtplib.SMTP("127.0.0.1", receiver.port):
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", receiver.port, timeout=10)
        assert refused.value.smtp_code == 421


def test_a_connection_dropped_in_the_middle_of_data_stores_nothing(
    service: Service, start_receiver: Start
) -> None:
    receiver = start_receiver()
    with raw_session(receiver.port) as connection:
        for command in (
            b"EHLO client.example.org",
            b"MAIL FROM:<>",
            f"RCPT TO:<a@{DOMAIN}>".encode(),
            b"DATA",
        ):
            connection.sendall(command + b"\r\n")
            assert connection.recv(1024)[:1] in (b"2", b"3")
        connection.sendall(dsn("half@example.com")[:400])
    with smtplib.SMTP("127.0.0.1", receiver.port, timeout=10) as client:  # the server goes on
        assert client.noop()[0] == 250
    assert stored_counts(service) == {"evidence": 0, "events": 0, "quarantine": 0}


def test_bytes_that_are_not_mail_are_quarantined_as_they_came(
    service: Service, start_receiver: Start
) -> None:
    receiver = start_receiver()
    garbage = bytes(range(1, 256)).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n\x00\x00 not mail\r\n"
    assert _send(receiver.port, f"a@{DOMAIN}", garbage) == (250, b"2.0.0 OK: quarantined")
    with connect(service) as connection:
        row = connection.execute(select(Quarantined)).one()
    assert row.source == "smtp"
    assert "binary" in row.reason or "not an email message" in row.reason
    assert zlib.decompress(row.compressed) == garbage


@pytest.mark.parametrize("command", [b"MAIL FROM:user@", b"RCPT TO:x@", b"RCPT TO:<x@>"])
def test_an_address_with_an_empty_domain_is_a_syntax_error_not_an_exception(
    start_receiver: Start, command: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = start_receiver()
    with raw_session(receiver.port) as connection:
        for line in (b"HELO client.example.org", b"MAIL FROM:<>"):
            connection.sendall(line + b"\r\n")
            assert connection.recv(1024).startswith(b"250")
        if command.startswith(b"MAIL"):
            connection.sendall(b"RSET\r\n")
            assert connection.recv(1024).startswith(b"250")
        connection.sendall(command + b"\r\n")
        assert connection.recv(1024)[:4] in (b"501 ", b"553 ")  # syntax error / malformed address
    assert not [record for record in caplog.records if record.exc_info]


class _Sink:
    """An SMTP server that only collects what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.received.append(
            (envelope.mail_from or "", list(envelope.rcpt_tos), envelope.original_content or b"")
        )
        self.arrived.set()
        return "250 OK"


def test_a_human_reply_is_kept_labelled_and_forwarded(service: Service, start_receiver: Start) -> None:
    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        receiver = start_receiver(
            forward_not_feedback_to="desk@ops.example.net", forward_relay=f"127.0.0.1:{port}"
        )
        assert _send(receiver.port, f"bounces@{DOMAIN}", human_reply()) == (250, b"2.0.0 OK: not_feedback")
        with connect(service) as connection:
            kept = connection.execute(select(Quarantined.reason)).scalars().all()
        assert len(kept) == 1 and kept[0].startswith("not feedback: ")
        assert stored_counts(service)["events"] == 0
        assert sink.arrived.wait(10)
    finally:
        controller.stop()
    (sender, recipients, content) = sink.received[0]
    assert sender == "<>"
    assert recipients == ["desk@ops.example.net"] and b"please tell me more" in content


def test_starttls_with_a_configured_certificate(
    service: Service, start_receiver: Start, tmp_path: Path
) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost")
    certificate.private_key_pem.write_to_path(tmp_path / "key.pem")
    certificate.cert_chain_pems[0].write_to_path(tmp_path / "cert.pem")
    receiver = start_receiver(tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "key.pem")
    context = ssl.create_default_context()
    authority.configure_trust(context)
    with smtplib.SMTP("localhost", receiver.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        client.starttls(context=context)
        client.ehlo()
        client.sendmail("<>", [f"b@{DOMAIN}"], dsn("tls@example.com"))
    assert "tls@example.com" in service.admin.lookup(["tls@example.com"])


def test_no_starttls_without_a_certificate(start_receiver: Start) -> None:
    receiver = start_receiver()
    with smtplib.SMTP("127.0.0.1", receiver.port, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")


def test_an_idle_client_is_disconnected(start_receiver: Start) -> None:
    receiver = start_receiver(idle_timeout_seconds=0.3)
    with raw_session(receiver.port) as connection:
        assert connection.recv(1024) == b""  # the server closed: recv returns at once


def test_a_slow_client_is_cut_at_the_session_limit(start_receiver: Start) -> None:
    receiver = start_receiver(idle_timeout_seconds=5, session_timeout_seconds=0.5)
    with raw_session(receiver.port) as connection:
        connection.settimeout(0.1)
        closed = False
        for _ in range(50):  # a NOOP every 0.1 s keeps the idle timer alive
            try:
                connection.sendall(b"NOOP\r\n")
                if connection.recv(1024) == b"" or connection.recv(1024) == b"":
                    closed = True  # the second recv is the pause: it times out while the session lives
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed


def _proxy_v1(source: str) -> bytes:
    return f"PROXY TCP4 {source} 127.0.0.1 40000 25\r\n".encode()


def _proxy_v2(source: str) -> bytes:
    signature = b"\r\n\r\n\x00\r\nQUIT\n"
    body = socket.inet_aton(source) + socket.inet_aton("127.0.0.1") + (40000).to_bytes(2) + (25).to_bytes(2)
    return signature + b"\x21\x11" + len(body).to_bytes(2) + body


@pytest.mark.parametrize("header", [_proxy_v1, _proxy_v2])
def test_behind_a_proxy_the_per_client_cap_counts_the_real_client(
    service: Service, start_receiver: Start, header: Callable[[str], bytes]
) -> None:
    receiver = start_receiver(proxy_protocol=True, max_sessions_per_client=1, proxy_timeout_seconds=3)

    def session(source: str) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", receiver.port), timeout=10)
        connection.sendall(header(source))
        return connection

    first = session("192.0.2.10")
    assert first.recv(1024).startswith(b"220")
    second = session("192.0.2.10")
    assert second.recv(1024).startswith(b"421 4.7.0")
    other = session("192.0.2.20")
    assert other.recv(1024).startswith(b"220")
    for connection in (first, second, other):
        connection.close()


@pytest.mark.postgres
def test_with_the_database_down_the_reply_is_451_and_the_retry_is_stored(
    postgres_database: str, tmp_path: Path
) -> None:
    upstream = make_url(postgres_database)
    proxy = TcpProxy(upstream.port or 5432)
    url = upstream.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    service = Service.open(Settings(database_url=url, data_dir=tmp_path))
    receiver = SmtpReceiver(SmtpSettings(port=0, domains=[DOMAIN]), mail_recorder(service))
    receiver.start()
    try:
        with begin(service) as connection:  # this test's rows only
            for table in ("events", "evidence", "quarantine", "transitions", "addresses"):
                connection.execute(text(f"DELETE FROM {table}"))
        proxy.cut()
        code, reply = _send(receiver.port, f"b@{DOMAIN}", dsn("later@example.com"))
        assert (code, reply[:5]) == (451, b"4.3.0")
        assert receiver.stats.last_error
        proxy.restore()
        # The sending MTA retries; now it is stored, once.
        assert _send(receiver.port, f"b@{DOMAIN}", dsn("later@example.com")) == (250, b"2.0.0 OK: recorded")
        assert (
            service.admin.lookup(["later@example.com"])["later@example.com"].status
            is AddressStatus.SUPPRESSED
        )
        assert stored_counts(service)["events"] == 1
    finally:
        receiver.stop()
        service.close()
        proxy.close()
