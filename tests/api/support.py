"""Helpers for the HTTP API tests: the committed samples, settings, DB counts, a uvicorn runner."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from bouncewarden.config import Settings, SnsSettings
from shared_files import SES_SAMPLES as SAMPLES

SAMPLE_TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
SAMPLE_CERT_URL = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-45f963eb98feae4adab41450285e638c.pem"
)
# Port 9 (discard) on loopback: nothing listens, so a call there fails at once.
CLOSED_ENDPOINT = "http://127.0.0.1:9"
# After every sample's Timestamp and inside the sample certificates' validity.
NOW = datetime(2025, 12, 1, tzinfo=UTC)


def sample(name: str) -> tuple[bytes, dict[str, str]]:
    """A committed SNS POST: its body and the headers SNS sent with it."""
    body = (SAMPLES / "sns" / f"{name}.json").read_bytes()
    headers: dict[str, Any] = json.loads((SAMPLES / "sns" / f"{name}.headers.json").read_text())
    # Host and Content-Length are the HTTP client's business.
    return body, {key: value for key, value in headers.items() if key not in {"Host", "Content-Length"}}


def sample_sns_settings(**overrides: Any) -> SnsSettings:
    """SNS settings that trust the sample PKI and topic."""
    options: dict[str, Any] = {
        "topic_arns": [SAMPLE_TOPIC],
        "ca_bundle": SAMPLES / "certs/sns-test-root-ca.pem",
        "pinned_certs": {SAMPLE_CERT_URL: SAMPLES / "certs/sns-test-signing-cert.pem"},
        "max_age_seconds": 365 * 86400,
    }
    return SnsSettings(**(options | overrides))


def with_sns(settings: Settings, sns: SnsSettings, endpoint_url: str | None = None) -> Settings:
    """`settings` with another [sns] section (and optionally an AWS endpoint)."""
    aws = settings.aws.model_copy(update={"endpoint_url": endpoint_url}) if endpoint_url else settings.aws
    return settings.model_copy(update={"sns": sns, "aws": aws})


def no_network(url: str) -> bytes:
    raise AssertionError(f"the app tried to fetch {url}")


class DatabaseCounts:
    """Row counts of the tables the endpoint may write."""

    def __init__(self, database_url: str) -> None:
        self._engine = sa.create_engine(database_url)

    def __call__(self) -> dict[str, int]:
        inspector = sa.inspect(self._engine)
        with self._engine.connect() as connection:
            return {
                table: connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table))
                ).scalar_one()
                for table in sorted(inspector.get_table_names())
                if table != "alembic_version"
            }

    def close(self) -> None:
        self._engine.dispose()


class _NotifyingServer(uvicorn.Server):
    """A uvicorn server that says when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = _NotifyingServer(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        if not server.ready.wait(timeout=15):
            raise RuntimeError("uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
