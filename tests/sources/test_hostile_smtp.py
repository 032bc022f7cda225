"""Hostile input on the SMTP receiver (issue 8): a real receiver on 127.0.0.1, raw sockets.

Every message ends recorded (250 after the commit), quarantined or kept (250, with its
reason), or refused with a clear 4xx/5xx; never aiosmtpd's `500 Error: (SomeException)`,
never a 451 while the store is up, never a traceback in the log, never a dead server: after
each case a plain bounce still gets 250 and is recorded.
"""

from __future__ import annotations

import itertools
import logging
import socket
import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bouncewarden.config_mail import SmtpSettings
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import mail_recorder
from bouncewarden.sources.smtp import SmtpReceiver
from hostile import CONTROL_TEXT, HOSTILE_ADDRESSES, hostile_input
from mail_support import dsn, stored_counts

DOMAIN = "bounces.example.com"
STORED = {"recorded", "duplicate", "quarantined", "not_feedback"}
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_serial = itertools.count()


@pytest.fixture
def receiver(service: Service) -> Iterator[SmtpReceiver]:
    started = SmtpReceiver(
        SmtpSettings(port=0, domains=[DOMAIN], idle_timeout_seconds=3), mail_recorder(service)
    )
    started.start()
    yield started
    started.stop()


def _long_lines(width: int) -> bytes:
    return dsn("wide@example.com") + b"X-Wide: " + b"w" * width + b"\r\n\r\n" + b"b" * width + b"\r\n"


def _bare_line_ends(data: bytes, ending: bytes) -> bytes:
    return data.replace(b"\r\n", ending)


mail_data = st.one_of(
    hostile_input,
    st.builds(_long_lines, st.integers(min_value=1000, max_value=200_000)),
    st.builds(_bare_line_ends, st.just(dsn("bare@example.com")), st.sampled_from([b"\r", b"\n", b"\r\r\n"])),
    st.binary(max_size=512).map(lambda junk: dsn("nul@example.com") + b"\x00" + junk),
)


class Client:
    """A raw SMTP client: send lines, read (possibly multi-line) replies."""

    def __init__(self, port: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=20)
        self._file = self.connection.makefile("rb")
        self.greeting = self.reply()

    def reply(self) -> tuple[int, bytes]:
        """The next reply: its code (0 when the server closed) and its last line."""
        while True:
            line = self._file.readline()
            if not line:
                return 0, b""
            if line[3:4] != b"-":
                return int(line[:3]), line.rstrip(b"\r\n")

    def command(self, line: bytes) -> tuple[int, bytes]:
        self.connection.sendall(line + b"\r\n")
        return self.reply()

    def data(self, content: bytes) -> tuple[int, bytes]:
        """DATA with the content dot-stuffed (RFC 5321 4.5.2) and terminated."""
        code, text = self.command(b"DATA")
        if code != 354:
            return code, text
        self.connection.sendall(_stuffed(content))
        return self.reply()

    def close(self) -> None:
        self._file.close()
        self.connection.close()


def _stuffed(content: bytes) -> bytes:
    body = content.replace(b"\r\n.", b"\r\n..")
    body = b"." + body if body.startswith(b".") else body
    return body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _assert_clear(code: int, text: bytes) -> None:
    event(f"DATA answered {text[:40].decode('ascii', 'replace')}")
    assert code != 0, "the server closed the connection without a reply"
    assert not text.startswith(b"500 Error: ("), text[:300]  # aiosmtpd's reply to an exception
    if code == 250:
        assert text.removeprefix(b"250 2.0.0 OK: ").decode() in STORED, text[:300]
    else:
        assert 400 <= code < 600 and code != 451, text[:300]  # 451: the store failed, it is up here
        assert len(text) > 4, text  # a reason, not a bare code


def _assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]
    caplog.clear()


def _assert_alive(service: Service, receiver: SmtpReceiver) -> None:
    """A plain bounce still gets 250 and is recorded."""
    address = f"alive{next(_serial)}@example.com"
    client = Client(receiver.port)
    try:
        for line in (b"EHLO alive.example.org", b"MAIL FROM:<>", f"RCPT TO:<b@{DOMAIN}>".encode()):
            assert client.command(line)[0] == 250
        assert client.data(dsn(address)) == (250, b"250 2.0.0 OK: recorded")
    finally:
        client.close()
    assert service.admin.lookup([address])[address].status is AddressStatus.SUPPRESSED


@HYPOTHESIS
@given(content=mail_data)
def test_hostile_data_is_stored_or_refused_clearly(
    service: Service, receiver: SmtpReceiver, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    before = stored_counts(service)
    client = Client(receiver.port)
    try:
        for line in (b"EHLO hostile.example.org", b"MAIL FROM:<>", f"RCPT TO:<h@{DOMAIN}>".encode()):
            assert client.command(line)[0] == 250
        code, text = client.data(content)
    finally:
        client.close()
    _assert_clear(code, text)
    after = stored_counts(service)
    if text.endswith(b"recorded"):  # committed before the reply (a quarantine copy is kept once per content)
        assert after["events"] > before["events"]
    elif code != 250:
        assert after == before
    _assert_no_traceback(caplog)
    _assert_alive(service, receiver)


def _envelope_text(text: str) -> bytes:
    # A newline ends the command: what follows is a pipelined command (its own test).
    return text.replace("\n", "").encode("utf-8", "surrogatepass")


hostile_local = st.one_of(
    CONTROL_TEXT,
    st.text(max_size=300),
    st.sampled_from([a.partition("@")[0] for a in HOSTILE_ADDRESSES]),
    st.integers(min_value=60, max_value=3000).map(lambda n: "v" * n),
).map(_envelope_text)
hostile_domain = st.sampled_from(
    [
        DOMAIN.encode(),
        DOMAIN.upper().encode(),
        "bounces.exämple.com".encode(),
        b"xn--bcher-kva.example",
        b"xn--.example",
        b"xn--zz\xff.example",
        b"[127.0.0.1]",
        b"[IPv6:::1]",
        b"",
        b"." + DOMAIN.encode(),
        DOMAIN.encode() + b".",
    ]
)
verp_junk = st.builds(
    lambda local, domain: b"bounces+" + local + b"=" + domain + b"@" + DOMAIN.encode(),
    hostile_local,
    hostile_local | hostile_domain,
)


@HYPOTHESIS
@given(
    sender=st.builds(lambda local, domain: local + b"@" + domain, hostile_local, hostile_domain)
    | hostile_local,
    recipient=verp_junk
    | st.builds(lambda local, domain: local + b"@" + domain, hostile_local, hostile_domain),
    bracket=st.booleans(),
)
def test_hostile_envelope_addresses_are_answered_clearly(
    service: Service,
    receiver: SmtpReceiver,
    caplog: pytest.LogCaptureFixture,
    sender: bytes,
    recipient: bytes,
    bracket: bool,
) -> None:
    client = Client(receiver.port)
    try:
        assert client.command(b"EHLO hostile.example.org")[0] == 250
        wrap: tuple[bytes, bytes] = (b"<", b">") if bracket else (b"", b"")
        code, text = client.command(b"MAIL FROM:" + wrap[0] + sender + wrap[1])
        event(f"MAIL FROM answered {code}")
        assert code != 0 and not text.startswith(b"500 Error: (")
        if code == 250:
            code, text = client.command(b"RCPT TO:" + wrap[0] + recipient + wrap[1])
            event(f"RCPT TO answered {code}")
            assert code != 0 and not text.startswith(b"500 Error: (")
            if code == 250:
                _assert_clear(*client.data(dsn(f"env{next(_serial)}@example.com")))
    finally:
        client.close()
    _assert_no_traceback(caplog)
    _assert_alive(service, receiver)


COMMANDS = [
    b"EHLO x",
    b"HELO \x00\xff",
    b"MAIL FROM:<>",
    f"RCPT TO:<p@{DOMAIN}>".encode(),
    b"DATA",
    b"RSET",
    b"NOOP",
    b"VRFY root",
    b"EXPN all",
    b"STARTTLS",
    b"AUTH PLAIN AGFAAGI=",
    b"BDAT 10 LAST",
    b"HELP",
    b"MAIL FROM:<> SIZE=99999999999999999999 BODY=8BITMIME SMTPUTF8",
    b"MAIL FROM:<> SIZE=-1",
    b"RCPT TO:<postmaster>",
    b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2",
    b"GET / HTTP/1.1",
    b"\x16\x03\x01\x02\x00\x01",  # a TLS ClientHello's first bytes
]


@HYPOTHESIS
@given(
    lines=st.lists(
        st.sampled_from(COMMANDS) | st.binary(max_size=700).map(lambda b: b.replace(b"\n", b"")),
        max_size=30,
    )
)
def test_pipelined_junk_commands_get_replies_and_the_server_lives(
    service: Service, receiver: SmtpReceiver, caplog: pytest.LogCaptureFixture, lines: list[bytes]
) -> None:
    connection = socket.create_connection(("127.0.0.1", receiver.port), timeout=20)
    try:
        # All at once, then end any DATA the junk began, then QUIT.
        connection.sendall(b"\r\n".join(lines) + b"\r\n.\r\nQUIT\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"no end to the session; got {received[-300:]!r}")
    finally:
        connection.close()
    assert b"500 Error: (" not in received, received[-500:]
    assert received.startswith(b"220 ")
    _assert_no_traceback(caplog)
    _assert_alive(service, receiver)


@HYPOTHESIS
@given(content=mail_data, cut=st.floats(min_value=0.0, max_value=0.99), reset=st.booleans())
def test_a_disconnect_in_the_middle_of_data_stores_nothing_and_harms_nothing(
    service: Service,
    receiver: SmtpReceiver,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
    cut: float,
    reset: bool,
) -> None:
    before = stored_counts(service)
    client = Client(receiver.port)
    try:
        for line in (b"EHLO gone.example.org", b"MAIL FROM:<>", f"RCPT TO:<g@{DOMAIN}>".encode()):
            assert client.command(line)[0] == 250
        assert client.command(b"DATA")[0] == 354
        stuffed = _stuffed(content)[:-3]  # never the final ".\r\n"
        client.connection.sendall(stuffed[: int(len(stuffed) * cut)])
        if reset:  # an RST rather than a FIN
            client.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        client.close()
    _assert_alive(service, receiver)
    after = stored_counts(service)
    assert after["quarantine"] == before["quarantine"]
    assert after["events"] == before["events"] + 1  # the live check's bounce only
    _assert_no_traceback(caplog)
