"""The HTTP server's limits (issue 8 risks): header timeout, no API docs, health off the busy pool,
certificate fetch failures cached and fetches bounded, one answer for every refusal."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.sns_signing import make_ca, make_signer, pem
from api.support import NOW, SAMPLE_TOPIC, with_sns
from bouncewarden.api.app import create_app
from bouncewarden.api.server import http_server
from bouncewarden.clock import fixed_clock
from bouncewarden.config import HttpSettings, Settings, SnsSettings
from bouncewarden.service import Service
from bouncewarden.sources.sns import CertificateUnavailable

BOUNCE = '{"notificationType": "Bounce"}'


@contextmanager
def running(app: FastAPI, **limits: float) -> Iterator[tuple[str, int]]:
    """`app` under `http_server` (the server `serve` runs) on a free port."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = http_server(app, HttpSettings(host="127.0.0.1", port=port, **limits))
    server.config.log_level = "warning"
    server.config.lifespan = "off"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        thread.join(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def closed_after(address: tuple[str, int], sent: bytes, wait: float) -> float | None:
    """Seconds until the server closed a connection that sent `sent`, or None if still open."""
    started = time.monotonic()
    with socket.create_connection(address) as connection:
        connection.sendall(sent)
        connection.settimeout(wait)
        try:
            while connection.recv(4096):
                pass
        except TimeoutError:
            return None
    return time.monotonic() - started


def test_half_sent_request_heads_are_cut_off(service: Service, settings: Settings) -> None:
    """Issue 8 risk: uvicorn held 300 half-open requests for 17 s and more (no header timeout)."""
    app = create_app(service, settings)
    with running(app, header_timeout_seconds=0.5) as address:
        with ThreadPoolExecutor(max_workers=20) as pool:
            partial = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
            waits = list(pool.map(lambda _: closed_after(address, partial, 5.0), range(20)))
        assert all(wait is not None and wait < 3.0 for wait in waits), waits
        silent = closed_after(address, b"", 5.0)
        assert silent is not None and silent < 3.0
        # A whole request is answered as before, and keeps its connection for the next one.
        with httpx.Client(base_url=f"http://{address[0]}:{address[1]}") as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            assert client.get("/healthz").status_code == 200


def test_api_docs_are_not_served(service: Service, settings: Settings) -> None:
    """Issue 8 risk: /docs and /redoc loaded Swagger UI and ReDoc scripts from a CDN.

    The API issue (14) publishes the OpenAPI document itself at /openapi.json: JSON, no script."""
    app = create_app(service, settings)
    with running(app) as (host, port), httpx.Client(base_url=f"http://{host}:{port}") as client:
        for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "cdn" not in response.text.lower()
        document = client.get("/openapi.json")
        assert document.headers["content-type"] == "application/json"
        assert "cdn" not in document.text.lower() and "/v1/check" in document.json()["paths"]


def test_health_answers_while_certificate_fetches_hang(
    service: Service, settings: Settings, tmp_path: Path
) -> None:
    """Issue 8 risk: 45 deliveries naming hanging certificate URLs starved /healthz (0.03 s -> 4.2 s)."""
    release = threading.Event()
    fetched: list[str] = []
    running_now = [0, 0]  # now, most at once
    lock = threading.Lock()

    def hanging(url: str) -> bytes:
        with lock:
            fetched.append(url)
            running_now[0] += 1
            running_now[1] = max(running_now)
        try:
            release.wait(20)
        finally:
            with lock:
                running_now[0] -= 1
        raise CertificateUnavailable(f"cannot fetch {url}: timed out")

    signer = make_signer(make_ca())
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(make_ca().cert))
    sns = SnsSettings(topic_arns=[SAMPLE_TOPIC], ca_bundle=bundle)
    app = create_app(service, with_sns(settings, sns), cert_fetcher=hanging, clock=fixed_clock(NOW))
    fields = {
        "Type": "Notification",
        "TopicArn": SAMPLE_TOPIC,
        "Message": BOUNCE,
        "Timestamp": "2025-11-30T23:55:00.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    bodies = [
        signer.sign(
            fields | {"MessageId": f"m-{n}"},
            "1",
            f"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-{n:016x}.pem",
        )
        for n in range(45)
    ]
    with running(app) as (host, port), httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as client:
        with ThreadPoolExecutor(max_workers=45) as pool:
            posts = [pool.submit(client.post, "/sns/ses", content=body) for body in bodies]
            time.sleep(0.5)  # let the deliveries take their threads (a wait for load, not for a result)
            started = time.monotonic()
            health = client.get("/healthz")
            took = time.monotonic() - started
            release.set()
            statuses = sorted({post.result().status_code for post in posts})
        assert health.json() == {"status": "ok"}
        assert took < 1.0, took
        assert statuses == [503]  # retryable: SNS tries again later
        assert running_now[1] == 4  # at most four fetches at a time
        # The failed URL is remembered: the same delivery again is answered at once, no fetch.
        before = len(fetched)
        started = time.monotonic()
        again = client.post("/sns/ses", content=bodies[0])
        assert again.status_code == 503 and time.monotonic() - started < 1.0
        assert len(fetched) == before


@pytest.mark.parametrize(
    "change",
    [
        {"TopicArn": "arn:aws:sns:us-east-1:123456789012:not-allowed"},
        {"Timestamp": "2020-01-01T00:00:00.000Z"},
        {"SignatureVersion": "3"},
    ],
    ids=["unknown-topic", "stale", "signature-version"],
)
def test_every_refusal_gets_the_same_answer(
    service: Service, settings: Settings, tmp_path: Path, change: dict[str, str]
) -> None:
    """Issue 8 risk: the 403 said whether a topic was allow-listed."""
    import json

    signer = make_signer(make_ca())
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(make_ca().cert))
    sns = SnsSettings(topic_arns=[SAMPLE_TOPIC], ca_bundle=bundle)
    app = create_app(
        service, with_sns(settings, sns), cert_fetcher=lambda url: signer.chain_pem, clock=fixed_clock(NOW)
    )
    fields = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": SAMPLE_TOPIC,
        "Message": BOUNCE,
        "Timestamp": "2025-11-30T23:55:00.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    body = json.loads(signer.sign(fields))
    body.update(change)
    with running(app) as (host, port), httpx.Client(base_url=f"http://{host}:{port}") as client:
        refused = client.post("/sns/ses", content=json.dumps(body).encode())
        garbage = client.post("/sns/ses", content=b"[]")
    assert refused.status_code == garbage.status_code == 403
    assert (
        refused.content == garbage.content == b'{"status":"refused","detail":"not a verified SNS delivery"}'
    )


def test_a_body_cut_off_mid_way_is_logged_without_a_traceback(
    service: Service, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that hangs up in the middle of a POST body gave a traceback in the log."""
    app = create_app(service, settings)
    with running(app) as address:
        head = (
            b"POST /sns/ses HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n"
        )
        with caplog.at_level(logging.WARNING), socket.create_connection(address) as connection:
            connection.sendall(head + b'{"Type": "Notification", ')
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while "before its body was complete" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://{address[0]}:{address[1]}") as client:
            assert client.get("/healthz").status_code == 200
    assert not [record for record in caplog.records if record.exc_info], caplog.text
    assert "Traceback" not in caplog.text
