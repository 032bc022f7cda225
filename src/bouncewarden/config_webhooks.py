"""Settings of the outgoing webhooks: one `[[webhooks]]` table per receiver.

    [[webhooks]]
    name = "crm"                               # names its queue and cursor; keep it stable
    url = "https://crm.example.com/hooks/bouncewarden"
    secret_env = "CRM_WEBHOOK_SECRET"          # or secret_file = "/run/secrets/crm-webhook"
    topics = ["address.suppressed", "alert.*"] # empty: every topic
    timeout_seconds = 10
    max_attempts = 8                           # then the event is dead-lettered
    backoff_seconds = 30                       # first retry; doubles up to max_backoff_seconds
    keep_delivered_days = 7                    # then delivered events are forgotten

The signing secret is never a setting of its own (`bouncewarden.config_secrets`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from bouncewarden.config_secrets import read_secret

__all__ = ["WebhookSettings"]


class WebhookSettings(BaseModel):
    """One receiver of signed JSON events (see docs/webhooks.md)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str
    secret_env: str | None = None
    secret_file: Path | None = None
    topics: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(10.0, gt=0, le=300)
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_seconds: float = Field(30.0, gt=0)
    max_backoff_seconds: float = Field(3600.0, gt=0)
    keep_delivered_days: float = Field(7.0, gt=0)
    """Delivered events are forgotten after this long (dead letters stay until replayed)."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"a webhook url must be http:// or https:// with a host, not {url!r}")
        return url

    @field_validator("topics")
    @classmethod
    def _topic_patterns(cls, topics: list[str]) -> list[str]:
        for topic in topics:
            head, dot, tail = topic.partition(".")
            if not (head and dot and tail) or not (head + tail.removesuffix("*")).replace("_", "").isalnum():
                raise ValueError(f"a webhook topic is like 'address.suppressed' or 'alert.*', not {topic!r}")
        return topics

    def secret(self) -> str:
        """The signing secret, from the environment variable or the file the settings name."""
        return read_secret(f"webhook {self.name}", "secret", self.secret_env, self.secret_file)

    def wants(self, topic: str) -> bool:
        """True when events of `topic` go to this receiver."""
        if not self.topics:
            return True
        return any(
            topic == wanted or (wanted.endswith(".*") and topic.startswith(wanted[:-1]))
            for wanted in self.topics
        )

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return min(self.backoff_seconds * 2.0 ** max(attempts - 1, 0), self.max_backoff_seconds)
