"""Alert channels: a real SMTP server (aiosmtpd) and a Slack-style HTTP receiver on 127.0.0.1.

Notices are read from a stored cursor: each is told once, a failed one is told again at the
next run, and a new process (new objects over the same database) tells nothing twice.
"""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from bouncewarden.config import AlertEmailSettings, HealthSettings, Settings, SlackSettings
from bouncewarden.service import Service
from bouncewarden.store.notices import add_notice
from http_thread import serving
from mail_support import free_port
from store_helpers import begin

AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
RAISED = {
    "id": 7,
    "metric": "bounce_rate",
    "level": "pause_advised",
    "pause_advised": True,
    "value": 0.12,
    "threshold": 0.1,
    "volume": 4000,
    "raised_at": AT.isoformat(),
}
INCIDENT = {
    "id": 3,
    "provider": "microsoft",
    "reason": "blocked",
    "recipients": 240,
    "opened_at": AT.isoformat(),
    "sample": [{"recipient": "a@outlook.com", "diagnostic": "550 5.7.1 listed"}],
}


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or b""))
        return "250 OK"


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.accepted: list[str] = []
        self.failures_left = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/T000/B000"


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.failures_left:
            self.server.failures_left -= 1
            self.send_response(500)
        else:
            self.server.accepted.append(body["text"])
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    with serving(_Receiver()) as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[tuple[_Mailbox, int]]:
    box, port = _Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _settings(settings: Settings, slack: str, smtp_port: int, environment: pytest.MonkeyPatch) -> Settings:
    environment.setenv("BW_TEST_SLACK_URL", slack)  # a webhook URL is a credential: never a setting
    email_settings = AlertEmailSettings(to=["ops@example.com"], sender="bw@example.com", port=smtp_port)
    health = HealthSettings(
        slack=[SlackSettings(name="ops", url_env="BW_TEST_SLACK_URL")], email=email_settings
    )
    return settings.model_copy(update={"health": health})


def _notice(service: Service, topic: str, payload: dict[str, Any]) -> None:
    with begin(service) as connection:
        add_notice(connection, topic, "news@example.org", payload, at=AT)


def test_each_notice_is_told_once_across_restarts(
    settings: Settings, receiver: _Receiver, mailbox: tuple[_Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = mailbox
    configured = _settings(settings, receiver.url, port, monkeypatch)
    with Service.open(configured) as service:
        _notice(service, "alert.raised", RAISED)
        _notice(service, "address.other", {"ignored": True})  # not a topic the channels tell
        _notice(service, "incident.opened", INCIDENT)
        sent = service.alert_channels.deliver()
        assert sorted(sent.values()) == [2, 2]
        assert service.alert_channels.deliver() == dict.fromkeys(sent, 0)
    assert "PAUSE ADVISED" in receiver.accepted[0] and "12.000%" in receiver.accepted[0]
    assert (
        "microsoft refuses news@example.org" in receiver.accepted[1]
        and "550 5.7.1 listed" in receiver.accepted[1]
    )
    subjects = [message["Subject"] for message in box.messages]
    assert len(subjects) == 2 and subjects[0].startswith("[bouncewarden] PAUSE ADVISED: news@example.org")
    assert box.messages[0]["To"] == "ops@example.com"

    with Service.open(configured) as restarted:  # a new process: the cursors are in the database
        assert sum(restarted.alert_channels.deliver().values()) == 0
        _notice(restarted, "alert.resolved", RAISED | {"resolved_value": 0.01})
        assert sorted(restarted.alert_channels.deliver().values()) == [1, 1]
    assert len(receiver.accepted) == 3 and "resolved" in receiver.accepted[2]
    assert len(box.messages) == 3


def test_a_failing_channel_tries_the_same_notice_again_and_loses_nothing(
    settings: Settings, receiver: _Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()  # nothing listens: every email fails
    configured = _settings(settings, receiver.url, closed, monkeypatch)
    with Service.open(configured) as service:
        for number in range(3):
            _notice(service, "alert.raised", RAISED | {"id": number})
        receiver.failures_left = 1
        first = service.alert_channels.deliver()
        assert sorted(first.values()) == [0, 0]  # Slack said 500 on the first; email could not connect
        second = service.alert_channels.deliver()
        assert second == {"slack:ops": 3, "email:ops@example.com": 0}
        monkeypatch.delenv("BW_TEST_SLACK_URL")  # a missing secret fails the channel, not the run
        _notice(service, "alert.raised", RAISED | {"id": 3})
        assert service.alert_channels.deliver()["slack:ops"] == 0
        monkeypatch.setenv("BW_TEST_SLACK_URL", receiver.url)
        assert service.alert_channels.deliver()["slack:ops"] == 1
    told = [text.split("alert id ")[1].split(",")[0] for text in receiver.accepted]
    assert told == ["0", "1", "2", "3"]
