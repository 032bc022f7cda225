"""Hostile input on the HTTP doors (issue 8): `POST /sns/ses`, signed and unsigned, and the rest.

Unsigned bodies must be refused (403, or 413 when too large), signed notifications carrying a
hostile `Message` must be recorded or quarantined (200) so SNS does not retry them for ever,
and no request may answer 500 or log a traceback. Example counts are modest for CI
(`HTTP_EXAMPLES`, per database).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.sns_signing import make_ca, make_signer, pem
from api.support import NOW, SAMPLE_TOPIC, with_sns
from bouncewarden.api.app import create_app
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings, SnsSettings
from bouncewarden.service import Service
from hostile import CONTROL_TEXT, hostile_input

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

HTTP_EXAMPLES = {"unsigned": 80, "signed": 60, "paths": 30}
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
CA = make_ca()
SIGNER = make_signer(CA)


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "\n" in record.getMessage():
            self.found.append(record.getMessage())


@pytest.fixture
def own_client(service: Service, settings: Settings, tmp_path: Path) -> TestClient:
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(CA.cert))
    sns = SnsSettings(topic_arns=[SAMPLE_TOPIC], ca_bundle=bundle)
    app = create_app(
        service, with_sns(settings, sns), cert_fetcher=lambda url: SIGNER.chain_pem, clock=fixed_clock(NOW)
    )
    return TestClient(app, raise_server_exceptions=False)


def _post(client: TestClient, body: bytes, headers: dict[str, str] | None = None) -> int:
    recorder = _Tracebacks()
    logger = logging.getLogger("bouncewarden")
    logger.addHandler(recorder)
    try:
        response = client.post("/sns/ses", content=body, headers=headers or {})
    finally:
        logger.removeHandler(recorder)
    assert recorder.found == [], recorder.found[:1]
    return response.status_code


header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@settings(max_examples=HTTP_EXAMPLES["unsigned"], deadline=None, suppress_health_check=FIXTURES)
@given(body=hostile_input, message_type=header_values)
def test_unsigned_bodies_are_refused(own_client: TestClient, body: bytes, message_type: str) -> None:
    status = _post(own_client, body, {"x-amz-sns-message-type": message_type})
    assert status in {403, 413}


def _bounce(message: str, message_id: str, topic: str = SAMPLE_TOPIC) -> dict[str, str]:
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic,
        "Message": message,
        "Timestamp": "2025-11-30T23:55:00.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }


@settings(max_examples=HTTP_EXAMPLES["signed"], deadline=None, suppress_health_check=FIXTURES)
@given(message=hostile_input, message_id=CONTROL_TEXT | st.text(max_size=80))
def test_signed_hostile_messages_are_recorded_or_quarantined(
    own_client: TestClient, message: bytes, message_id: str
) -> None:
    body = SIGNER.sign(_bounce(message.decode("utf-8", "replace"), message_id))
    status = _post(own_client, body)
    if len(body) > 512 * 1024:
        assert status == 413
    else:
        assert status == 200


@settings(max_examples=HTTP_EXAMPLES["paths"], deadline=None, suppress_health_check=FIXTURES)
@given(
    path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80),
    body=st.binary(max_size=512),
)
def test_other_paths_never_answer_500(own_client: TestClient, path: str, body: bytes) -> None:
    for method in ("GET", "POST"):
        response = own_client.request(method, "/" + path.lstrip("/"), content=body)
        assert response.status_code < 500 or response.status_code == 503, (method, path)


def test_signed_envelope_with_hostile_fields_is_never_500(own_client: TestClient) -> None:
    """Fields of the envelope itself (not the Message) full of control characters and nesting."""
    for value in ["\x00", "a\nb", "\u2028", "x" * 100_000]:
        fields = _bounce(json.dumps({"notificationType": "Bounce"}), "m-" + value[:50], SAMPLE_TOPIC)
        fields["Subject"] = value
        assert _post(own_client, SIGNER.sign(fields)) == 200
