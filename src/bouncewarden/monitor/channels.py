"""Alert channels: the alert and incident notices, told to people by email and Slack-compatible webhooks.

Each channel reads the notices (`store.notices`) in id order from its own cursor
(`channel_cursors`), sends those whose topic it tells (`alert.raised`, `alert.resolved`,
`incident.opened`), and moves its cursor past each one as soon as it is sent. A channel that
fails (SMTP server down, webhook answering 500) stops where it is and tries the same notice
again at the next run, so across restarts nothing is lost; a crash between a send and the
cursor's commit sends that one notice again (at least once, never skipped).

- email: one message per notice through the configured SMTP relay (`[health.email]`), with
  STARTTLS and login when configured;
- Slack-compatible incoming webhooks (`[[health.slack]]`): a JSON POST `{"text": ...}`,
  which Slack, Mattermost, Rocket.Chat and Teams' Slack-compatible connectors accept. The URL
  is a credential, read from the environment or a file; the cursor is named after the
  webhook's `name`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import AlertEmailSettings, HealthSettings, SlackSettings
from bouncewarden.errors import ConfigurationError
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import ChannelCursor
from bouncewarden.store.notices import Notice, read_notices
from bouncewarden.store.recording import insert_ignore

__all__ = [
    "ALERT_TOPICS",
    "AlertChannels",
    "Channel",
    "EmailChannel",
    "SlackChannel",
    "describe",
    "make_channels",
]

ALERT_TOPICS = frozenset({"alert.raised", "alert.resolved", "incident.opened"})
_BATCH = 100
_log = logging.getLogger(__name__)


class Channel(Protocol):
    """Somewhere alerts are told; `send` raises when the notice was not taken."""

    @property
    def name(self) -> str:
        """The channel's cursor name (stable across restarts, no secrets)."""
        ...

    def send(self, subject: str, body: str, notice: Notice) -> None:
        """Tell one notice."""
        ...


def _percent(value: Any) -> str:
    return f"{float(value):.3%}" if isinstance(value, int | float) else "?"


def describe(notice: Notice) -> tuple[str, str]:
    """A one-line subject and a short text for `notice`."""
    data: Mapping[str, Any] = notice.payload
    who = notice.subject or "(unknown sender)"
    if notice.topic == "incident.opened":
        subject = (
            f"[bouncewarden] incident: {data.get('provider')} refuses {who} "
            f"({data.get('reason')}, {data.get('recipients')} recipients)"
        )
        samples = [f"  {item.get('recipient')}: {item.get('diagnostic')}" for item in data.get("sample", [])]
        return subject, "\n".join([subject, f"since {data.get('opened_at')}", "sample:", *samples])
    what = f"{data.get('metric')} {data.get('level')}"
    if notice.topic == "alert.resolved":
        subject = f"[bouncewarden] resolved: {who} {what} now {_percent(data.get('resolved_value'))}"
    else:
        subject = (
            f"[bouncewarden] {'PAUSE ADVISED' if data.get('pause_advised') else 'alert'}: {who} {what} "
            f"at {_percent(data.get('value'))} (threshold {_percent(data.get('threshold'))})"
        )
    lines = [
        subject,
        f"alert id {data.get('id')}, raised {data.get('raised_at')}, volume {data.get('volume')}",
    ]
    return subject, "\n".join(lines)


class EmailChannel:
    """Alerts by email through an SMTP relay."""

    def __init__(self, settings: AlertEmailSettings) -> None:
        self._settings = settings

    @property
    def name(self) -> str:
        """`email:` and the recipients."""
        return "email:" + ",".join(sorted(self._settings.to))

    def send(self, subject: str, body: str, notice: Notice) -> None:
        """Send one message to the configured recipients."""
        settings = self._settings
        message = EmailMessage()
        message["From"] = settings.sender
        message["To"] = ", ".join(settings.to)
        message["Subject"] = subject
        message["X-Bouncewarden-Notice"] = str(notice.id)
        message.set_content(body)
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password())
            smtp.send_message(message)


class SlackChannel:
    """Alerts to a Slack-compatible incoming webhook."""

    def __init__(self, settings: SlackSettings, *, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout

    @property
    def name(self) -> str:
        """`slack:` and the webhook's name."""
        return f"slack:{self._settings.name}"

    def send(self, subject: str, body: str, notice: Notice) -> None:
        """POST the text; anything but a 2xx answer is a failure."""
        response = httpx.post(self._settings.url(), json={"text": body}, timeout=self._timeout)
        response.raise_for_status()


def make_channels(settings: HealthSettings) -> list[Channel]:
    """The channels the settings configure."""
    channels: list[Channel] = [SlackChannel(slack) for slack in settings.slack]
    if settings.email is not None:
        channels.append(EmailChannel(settings.email))
    return channels


class AlertChannels:
    """Delivers new alert notices to each channel, from its stored cursor."""

    def __init__(self, engine: Engine, channels: Sequence[Channel], clock: Clock = system_clock) -> None:
        self._engine = engine
        self._channels = list(channels)
        self._clock = clock

    def deliver(self) -> dict[str, int]:
        """Send what each channel has not sent yet; the number sent per channel."""
        return {channel.name: self._deliver(channel) for channel in self._channels}

    def _cursor(self, name: str) -> int:
        with self._engine.connect() as connection:
            found = connection.execute(
                select(ChannelCursor.last_notice_id).where(ChannelCursor.channel == name)
            ).scalar()
        return int(found or 0)

    def _advance(self, name: str, notice_id: int, now: datetime) -> None:
        with self._engine.execution_options(**WRITE).begin() as connection:
            statement = insert_ignore(connection, ChannelCursor)
            statement = statement.on_conflict_do_update(
                index_elements=["channel"],
                set_={"last_notice_id": statement.excluded.last_notice_id, "updated_at": now},
            )
            connection.execute(statement, {"channel": name, "last_notice_id": notice_id, "updated_at": now})

    def _deliver(self, channel: Channel) -> int:
        sent = 0
        stored = after = self._cursor(channel.name)
        while True:
            with self._engine.connect() as connection:
                notices = read_notices(connection, after_id=after, limit=_BATCH)
            for notice in notices:
                if notice.topic in ALERT_TOPICS:
                    subject, body = describe(notice)
                    try:
                        channel.send(subject, body, notice)
                    except (OSError, smtplib.SMTPException, httpx.HTTPError, ConfigurationError) as err:
                        _log.warning("alert channel %s failed on notice %d: %s", channel.name, notice.id, err)
                        notices = []  # the cursor stays before this notice: tried again next run
                        break
                    sent += 1
                    self._advance(channel.name, notice.id, self._clock())
                    stored = notice.id
                after = notice.id
            if not notices:
                if after != stored:  # notices of other topics, passed over
                    self._advance(channel.name, after, self._clock())
                return sent
