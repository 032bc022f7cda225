"""`POST /sns/ses` through FastAPI's TestClient: what is accepted, refused, stored, confirmed."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from api.sns_signing import DEFAULT_CERT_URL, Authority, Signer, make_ca, make_signer, pem
from api.support import (
    NOW,
    SAMPLE_TOPIC,
    DatabaseCounts,
    no_network,
    sample,
    sample_sns_settings,
    with_sns,
)
from bouncewarden.api.app import create_app
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings, SnsSettings
from bouncewarden.service import Service
from fixtures_moto import aws_env, moto_endpoint, unique_name
from shared_files import SES_SAMPLES
from store_helpers import suppressed_addresses

__all__ = ["aws_env", "moto_endpoint"]  # fixtures used by name below

BOUNCE_MESSAGE = (SES_SAMPLES / "notification" / "bounce-permanent-general.json").read_text()


class _LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


REFUSED = {"status": "refused", "detail": "not a verified SNS delivery"}


def _post(
    client: TestClient, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """Status and reply; for a 403 the reply is the one refusal, and `detail` is what the log says why."""
    recorder = _LogRecorder()
    logger = logging.getLogger("bouncewarden.api.sns")
    logger.addHandler(recorder)
    try:
        response = client.post(
            "/sns/ses", content=body, headers=headers or {"Content-Type": "text/plain; charset=UTF-8"}
        )
    finally:
        logger.removeHandler(recorder)
    reply: dict[str, Any] = response.json()
    if response.status_code == 403:
        assert reply == REFUSED  # issue 8: the same answer for every refusal
        (logged,) = recorder.records
        reply = {**reply, "detail": logged.getMessage()}
    return response.status_code, reply


# --- the committed samples -------------------------------------------------------------------


def test_sigv1_bounce_is_recorded_once(client: TestClient, service: Service, counts: DatabaseCounts) -> None:
    before = counts()
    body, headers = sample("http-notification-bounce-sigv1")
    status, reply = _post(client, body, headers)
    assert (status, reply["status"], reply["new_events"]) == (200, "recorded", 1)
    assert "dana.whitfield@example.org" in set(suppressed_addresses(service))
    after_first = counts()
    assert after_first != before
    # SNS retries reuse the MessageId; the events' dedupe keys make the retry a no-op.
    status, reply = _post(client, body, headers)
    assert (status, reply["new_events"], reply["duplicates"]) == (200, 0, 1)


def test_sigv2_complaint_event_is_recorded(client: TestClient, service: Service) -> None:
    status, reply = _post(client, *sample("http-notification-event-complaint-sigv2"))
    assert (status, reply["status"], reply["new_events"]) == (200, "recorded", 1)
    assert "r.iyer@example.com" in set(suppressed_addresses(service))


def test_verified_message_that_is_not_ses_json_is_quarantined(
    client: TestClient, counts: DatabaseCounts
) -> None:
    before = counts()
    status, reply = _post(client, *sample("http-notification-with-subject"))
    assert (status, reply["status"]) == (200, "quarantined")
    assert isinstance(reply["quarantine_id"], int)
    after = counts()
    assert after["quarantine"] == before["quarantine"] + 1
    assert after["events"] == before["events"]


def test_unsubscribe_confirmation_is_acknowledged_and_stores_nothing(
    client: TestClient, counts: DatabaseCounts
) -> None:
    before = counts()
    status, reply = _post(client, *sample("http-unsubscribe-confirmation"))
    assert (status, reply["status"]) == (200, "unsubscribed")
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("http-notification-tampered", "does not verify"),
        ("http-notification-cert-url-plain-http", "not https"),
        ("http-notification-cert-url-s3-lookalike", "does not match the trusted pattern"),
        ("http-raw-delivery-event-bounce", "raw message delivery"),
    ],
)
def test_bad_samples_get_403_and_store_nothing(
    client: TestClient, counts: DatabaseCounts, name: str, words: str
) -> None:
    before = counts()
    status, reply = _post(client, *sample(name))
    assert status == 403
    assert reply["status"] == "refused" and words in reply["detail"]
    assert counts() == before


def test_raw_body_without_the_header_gets_403(client: TestClient, counts: DatabaseCounts) -> None:
    before = counts()
    body, _ = sample("http-raw-delivery-event-bounce")
    status, reply = _post(client, body)
    assert status == 403 and "raw delivery cannot be authenticated" in reply["detail"]
    assert counts() == before


@pytest.mark.parametrize("body", [b"", b"<xml/>", b"[]", b'{"Type": "Notification", "Signature": "x"}'])
def test_garbage_gets_403(client: TestClient, counts: DatabaseCounts, body: bytes) -> None:
    before = counts()
    assert _post(client, body)[0] == 403
    assert counts() == before


def test_oversize_body_gets_413(client: TestClient) -> None:
    assert _post(client, b"{" + b" " * (600 * 1024) + b"}")[0] == 413


def test_empty_topic_list_refuses_everything(
    service: Service, settings: Settings, counts: DatabaseCounts
) -> None:
    app = create_app(
        service,
        with_sns(settings, sample_sns_settings(topic_arns=[])),
        cert_fetcher=no_network,
        clock=fixed_clock(NOW),
    )
    before = counts()
    with TestClient(app) as client:
        status, reply = _post(client, *sample("http-notification-bounce-sigv1"))
    assert status == 403 and "sns.topic_arns is empty" in reply["detail"]
    assert counts() == before


# --- messages signed by our own test PKI -----------------------------------------------------


def _own_app(
    service: Service, settings: Settings, tmp_path: Path, trusted: Authority, signer: Signer
) -> TestClient:
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(trusted.cert))
    sns = SnsSettings(topic_arns=[SAMPLE_TOPIC], ca_bundle=bundle)
    app = create_app(
        service, with_sns(settings, sns), cert_fetcher=lambda url: signer.chain_pem, clock=fixed_clock(NOW)
    )
    return TestClient(app)


def _bounce(**changes: Any) -> dict[str, Any]:
    fields = {
        "Type": "Notification",
        "MessageId": "9e3a1c52-0d4e-4f5b-8a6c-7d8e9f0a1b2c",
        "TopicArn": SAMPLE_TOPIC,
        "Message": BOUNCE_MESSAGE,
        "Timestamp": "2025-11-30T23:55:00.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    return fields | changes


@pytest.mark.parametrize("version", ["1", "2"])
def test_own_pki_message_is_recorded(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts, version: str
) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        status, reply = _post(client, signer.sign(_bounce(), version))
    assert (status, reply["status"], reply["new_events"]) == (200, "recorded", 1)


def test_operator_rules_classify_what_the_endpoint_records(
    service: Service, settings: Settings, tmp_path: Path
) -> None:
    from bouncewarden.classify import parse_rule

    full = (SES_SAMPLES / "notification" / "bounce-transient-mailboxfull.json").read_text()
    service.rules.add_operator_rule(parse_rule("user is over quota ==> hard userunknown"))
    ca = make_ca()
    signer = make_signer(ca)
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        status, reply = _post(client, signer.sign(_bounce(Message=full), "2"))
    assert (status, reply["status"]) == (200, "recorded")
    # Without the rule a full mailbox is soft; the operator made it a hard bounce.
    assert "grace.holm@example.com" in set(suppressed_addresses(service))


def _refused(client: TestClient, counts: DatabaseCounts, body: bytes) -> str:
    before = counts()
    status, reply = _post(client, body)
    assert status == 403, reply
    assert counts() == before
    return str(reply["detail"])


def test_signature_version_3_gets_403(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = json.loads(signer.sign(_bounce(), "2"))
    body["SignatureVersion"] = "3"
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        assert "SignatureVersion '3'" in _refused(client, counts, json.dumps(body).encode())


def test_expired_certificate_gets_403(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    from datetime import UTC, datetime

    ca = make_ca()
    signer = make_signer(
        ca, not_before=datetime(2024, 1, 1, tzinfo=UTC), not_after=datetime(2025, 6, 1, tzinfo=UTC)
    )
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        assert "not valid at validation time" in _refused(client, counts, signer.sign(_bounce()))


def test_leaf_from_an_untrusted_ca_gets_403(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    signer = make_signer(make_ca())
    with _own_app(service, settings, tmp_path, make_ca(), signer) as client:
        assert "trusted root" in _refused(client, counts, signer.sign(_bounce()))


def test_unknown_topic_gets_403(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = signer.sign(_bounce(TopicArn="arn:aws:sns:us-east-1:210987654321:not-ours"))
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        assert "not in sns.topic_arns" in _refused(client, counts, body)


def test_changed_byte_gets_403(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = signer.sign(_bounce())
    tampered = body.replace(b"dana.whitfield@example.org", b"dana.whitfielf@example.org", 1)
    assert tampered != body
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        assert "does not verify" in _refused(client, counts, tampered)


def test_certificate_fetch_failure_asks_sns_to_retry(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    from bouncewarden.sources.sns import CertificateUnavailable

    def unreachable(url: str) -> bytes:
        raise CertificateUnavailable(f"cannot fetch {url}: connection refused")

    signer = make_signer(make_ca())
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(make_ca().cert))
    sns = SnsSettings(topic_arns=[SAMPLE_TOPIC], ca_bundle=bundle)
    before = counts()
    app = create_app(service, with_sns(settings, sns), cert_fetcher=unreachable, clock=fixed_clock(NOW))
    with TestClient(app) as client:
        status, reply = _post(client, signer.sign(_bounce()))
    assert (status, reply["status"]) == (503, "retry")
    assert counts() == before
    assert DEFAULT_CERT_URL in reply["detail"]


# --- subscription confirmation against moto in server mode -----------------------------------


def _confirmation(topic_arn: str, token: str) -> dict[str, Any]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "Token": token,
        "TopicArn": topic_arn,
        "Message": f"You have chosen to subscribe to the topic {topic_arn}.",
        "SubscribeURL": f"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic_arn}",
        "Timestamp": "2025-11-30T23:59:00.000Z",
    }


def test_subscription_confirmation_calls_confirm_subscription_in_moto(
    service: Service,
    settings: Settings,
    tmp_path: Path,
    counts: DatabaseCounts,
    moto_endpoint: str,
    aws_env: dict[str, str],
) -> None:
    sns_client = boto3.client("sns", region_name="eu-west-1", endpoint_url=moto_endpoint)
    topic_arn = sns_client.create_topic(Name=unique_name("bw-feedback"))["TopicArn"]
    missing_arn = topic_arn + "-never-created"
    ca = make_ca()
    signer = make_signer(ca)
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(ca.cert))
    sns = SnsSettings(topic_arns=[topic_arn, missing_arn], ca_bundle=bundle)
    app = create_app(
        service,
        with_sns(settings, sns, endpoint_url=moto_endpoint),
        cert_fetcher=lambda url: signer.chain_pem,
        clock=fixed_clock(NOW),
    )
    before = counts()
    with TestClient(app) as client:
        status, reply = _post(client, signer.sign(_confirmation(topic_arn, "a1b2c3d4e5f6"), "2"))
        assert (status, reply["status"]) == (200, "confirmed")
        # moto answers ConfirmSubscription with a subscription ARN under the topic.
        assert reply["detail"].startswith(f"subscribed: {topic_arn}:")
        # A topic moto does not know: the call reaches moto and fails there.
        status, reply = _post(client, signer.sign(_confirmation(missing_arn, "a1b2c3d4e5f6"), "2"))
        assert (status, reply["status"]) == (502, "error")
        assert "Topic does not exist" in reply["detail"]
    assert counts() == before


def test_sample_subscription_confirmation_is_confirmed_in_moto(
    service: Service, settings: Settings, counts: DatabaseCounts, moto_endpoint: str, aws_env: dict[str, str]
) -> None:
    # moto's default account is the samples' 123456789012, so this is the samples' topic.
    sns_client = boto3.client("sns", region_name="us-east-1", endpoint_url=moto_endpoint)
    assert sns_client.create_topic(Name="ses-feedback")["TopicArn"] == SAMPLE_TOPIC
    configured = with_sns(settings, sample_sns_settings(), endpoint_url=moto_endpoint)
    app = create_app(service, configured, cert_fetcher=no_network, clock=fixed_clock(NOW))
    before = counts()
    with TestClient(app) as client:
        status, reply = _post(client, *sample("http-subscription-confirmation"))
    assert (status, reply["status"]) == (200, "confirmed")
    assert reply["detail"].startswith(f"subscribed: {SAMPLE_TOPIC}:")
    assert counts() == before


def test_failed_confirmation_is_a_502(client: TestClient) -> None:
    status, reply = _post(client, *sample("http-subscription-confirmation"))
    assert (status, reply["status"]) == (502, "error")
    assert "ConfirmSubscription" in reply["detail"]


def test_subscription_confirmation_for_an_unknown_topic_is_not_confirmed(
    client: TestClient, counts: DatabaseCounts
) -> None:
    body, headers = sample("http-subscription-confirmation")
    envelope = json.loads(body)
    envelope["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:someone-else"
    headers["x-amz-sns-topic-arn"] = envelope["TopicArn"]
    status, reply = _post(client, json.dumps(envelope).encode(), headers)
    assert status == 403 and "not in sns.topic_arns" in reply["detail"]


# --- hostile bodies (issue 8) ------------------------------------------------------------------


def test_deeply_nested_unsigned_body_gets_403_without_traceback(
    client: TestClient, counts: DatabaseCounts, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 2: 400 kB of `[` answered 500 and logged a 30-line traceback each time."""
    before = counts()
    for body in (b"[" * 400_000, b'{"Type": "Notification", "x": ' + b"[" * 200_000 + b"}"):
        response = client.post("/sns/ses", content=body)
        assert response.status_code == 403
        assert response.json() == REFUSED
    assert [record for record in caplog.records if record.exc_info] == []
    assert counts() == before


def test_signed_notification_with_nested_message_is_quarantined(
    service: Service,
    settings: Settings,
    tmp_path: Path,
    counts: DatabaseCounts,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Defect 2: a signed notification whose Message is deeply nested was a 500, retried by SNS for ever."""
    ca = make_ca()
    signer = make_signer(ca)
    before = counts()
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        status, reply = _post(client, signer.sign(_bounce(Message='{"mail": ' + "[" * 100_000 + "}")))
    assert (status, reply["status"]) == (200, "quarantined"), reply
    assert "nested too deeply" in reply["detail"]
    assert [record for record in caplog.records if record.exc_info] == []
    after = counts()
    assert after["quarantine"] == before["quarantine"] + 1 and after["events"] == before["events"]


def test_topic_arn_with_a_newline_is_logged_escaped(
    client: TestClient, counts: DatabaseCounts, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 3: a TopicArn holding a newline wrote a second log line that looked like a real one."""
    forged = "arn:aws:sns:us-east-1:123456789012:x\nINFO bouncewarden.api.sns: SNS message 'm': 9 new events"
    body, headers = sample("http-notification-bounce-sigv1")
    envelope = json.loads(body)
    envelope["TopicArn"] = forged
    status, _ = _post(client, json.dumps(envelope).encode(), headers)
    assert status == 403
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("bouncewarden")]
    assert messages and not any("\n" in message for message in messages)
    assert any("123456789012:x\\" in message for message in messages)  # the newline, escaped


def test_signed_message_id_with_a_newline_is_logged_escaped(
    service: Service, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 3: outside values of a verified delivery (MessageId, TopicArn) are logged escaped."""
    ca = make_ca()
    signer = make_signer(ca)
    forged = "m-1\n2025-12-01 00:00:00 INFO bouncewarden.api.sns: SNS message m-2: 9 new events"
    caplog.set_level(logging.INFO, logger="bouncewarden")
    with _own_app(service, settings, tmp_path, ca, signer) as client:
        recorded = _post(client, signer.sign(_bounce(MessageId=forged)))
        quarantined = _post(client, signer.sign(_bounce(MessageId=forged + "!", Message="{}")))
    assert (recorded[1]["status"], quarantined[1]["status"]) == ("recorded", "quarantined")
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("bouncewarden")]
    assert len([message for message in messages if "m-1\\n2025" in message]) == 2
    assert not any("\n" in message for message in messages)
