"""SNS envelope verification: the committed samples, a test PKI of our own, and real HTTPS fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from api.sns_signing import (
    DEFAULT_CERT_URL,
    Authority,
    CertificateServer,
    Signer,
    make_ca,
    make_signer,
    pem,
    serve_certificates,
)
from bouncewarden.clock import fixed_clock
from bouncewarden.config import SnsSettings
from bouncewarden.errors import InvalidSignature, UntrustedCertificateURL, VerificationError
from bouncewarden.sources.sns import (
    CertificateStore,
    CertificateUnavailable,
    HttpsCertificateFetcher,
    MalformedEnvelope,
    MessageType,
    RawDeliveryRefused,
    SnsVerifier,
    StaleMessage,
    UnknownTopic,
    UntrustedCertificate,
    check_certificate_url,
    parse_envelope,
    string_to_sign,
)
from shared_files import SES_SAMPLES as SAMPLES

SNS_SAMPLES = SAMPLES / "sns"
SAMPLE_CERT_URL = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-45f963eb98feae4adab41450285e638c.pem"
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
NOW = datetime(2025, 12, 1, tzinfo=UTC)


def _sample(name: str) -> tuple[bytes, dict[str, str]]:
    body = (SNS_SAMPLES / f"{name}.json").read_bytes()
    headers = json.loads((SNS_SAMPLES / f"{name}.headers.json").read_text())
    return body, {key.lower(): value for key, value in headers.items()}


def _sample_verifier(**overrides: Any) -> SnsVerifier:
    options: dict[str, Any] = {
        "topic_arns": [TOPIC],
        "ca_bundle": SAMPLES / "certs/sns-test-root-ca.pem",
        "pinned_certs": {SAMPLE_CERT_URL: SAMPLES / "certs/sns-test-signing-cert.pem"},
        "max_age_seconds": 365 * 86400,
    }
    settings = SnsSettings(**(options | overrides))
    clock = fixed_clock(NOW)
    store = CertificateStore(settings, fetcher=_no_network, clock=clock, include_system_roots=False)
    return SnsVerifier(settings, store, clock=clock)


def _no_network(url: str) -> bytes:
    raise AssertionError(f"tried to fetch {url}")


# --- the committed samples -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message_type"),
    [
        ("http-notification-bounce-sigv1", MessageType.NOTIFICATION),
        ("http-notification-event-complaint-sigv2", MessageType.NOTIFICATION),
        ("http-notification-with-subject", MessageType.NOTIFICATION),
        ("http-subscription-confirmation", MessageType.SUBSCRIPTION_CONFIRMATION),
        ("http-unsubscribe-confirmation", MessageType.UNSUBSCRIBE_CONFIRMATION),
    ],
)
def test_valid_samples_verify(name: str, message_type: MessageType) -> None:
    body, headers = _sample(name)
    envelope = _sample_verifier().verify(body, headers)
    assert envelope.type is message_type
    assert envelope.topic_arn == TOPIC
    assert envelope.message_id == headers["x-amz-sns-message-id"]


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("http-notification-tampered", InvalidSignature, "does not verify"),
        ("http-notification-cert-url-plain-http", UntrustedCertificateURL, "not https"),
        ("http-notification-cert-url-s3-lookalike", UntrustedCertificateURL, "does not match"),
        ("http-raw-delivery-event-bounce", RawDeliveryRefused, "raw"),
    ],
)
def test_bad_samples_are_refused(name: str, error: type[VerificationError], words: str) -> None:
    body, headers = _sample(name)
    with pytest.raises(error, match=words):
        _sample_verifier().verify(body, headers)


def test_raw_delivery_is_refused_even_without_the_header() -> None:
    body, _ = _sample("http-raw-delivery-event-bounce")
    with pytest.raises(RawDeliveryRefused, match="cannot be authenticated"):
        _sample_verifier().verify(body, {})


def test_subject_is_part_of_the_string_to_sign() -> None:
    body, _ = _sample("http-notification-with-subject")
    envelope = parse_envelope(body)
    assert envelope.subject == "Test from the SNS console"
    signed = string_to_sign(envelope).decode("utf-8")
    assert signed.startswith('Message\nManual test publish.\nSecond line with "quotes", a tab\there')
    assert "\nSubject\nTest from the SNS console\nTimestamp\n" in signed
    assert signed.endswith("Type\nNotification\n")


def test_string_to_sign_keys_per_type() -> None:
    notification = parse_envelope(_sample("http-notification-bounce-sigv1")[0])
    confirmation = parse_envelope(_sample("http-subscription-confirmation")[0])
    assert [key for key, _ in notification.fields] == [
        "Message",
        "MessageId",
        "Timestamp",
        "TopicArn",
        "Type",
    ]
    assert [key for key, _ in confirmation.fields] == [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ]


def test_lambda_key_spellings_are_normalised() -> None:
    data = json.loads(_sample("http-subscription-confirmation")[0])
    data["SigningCertUrl"] = data.pop("SigningCertURL")
    data["SubscribeUrl"] = data.pop("SubscribeURL")
    envelope = _sample_verifier().verify(json.dumps(data).encode())
    assert envelope.signing_cert_url == SAMPLE_CERT_URL
    assert envelope.token is not None


def test_both_spellings_of_a_key_are_refused() -> None:
    data = json.loads(_sample("http-notification-bounce-sigv1")[0])
    data["SigningCertUrl"] = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00.pem"
    with pytest.raises(MalformedEnvelope, match="Lambda spelling"):
        parse_envelope(json.dumps(data))


def test_headers_must_agree_with_the_body() -> None:
    body, headers = _sample("http-notification-bounce-sigv1")
    headers["x-amz-sns-topic-arn"] = "arn:aws:sns:us-east-1:123456789012:other"
    with pytest.raises(MalformedEnvelope, match="disagrees"):
        _sample_verifier().verify(body, headers)


def test_sample_is_stale_with_the_default_age_limit() -> None:
    body, headers = _sample("http-notification-bounce-sigv1")
    with pytest.raises(StaleMessage, match="old"):
        _sample_verifier(max_age_seconds=3600).verify(body, headers)


def test_sample_chain_fails_once_the_certificate_expired() -> None:
    body, headers = _sample("http-notification-bounce-sigv1")
    settings = SnsSettings(
        topic_arns=[TOPIC],
        ca_bundle=SAMPLES / "certs/sns-test-root-ca.pem",
        pinned_certs={SAMPLE_CERT_URL: SAMPLES / "certs/sns-test-signing-cert.pem"},
        max_age_seconds=20 * 365 * 86400,
    )
    later = fixed_clock(datetime(2035, 6, 1, tzinfo=UTC))
    store = CertificateStore(settings, fetcher=_no_network, clock=later, include_system_roots=False)
    with pytest.raises(UntrustedCertificate, match="not valid at validation time"):
        SnsVerifier(settings, store, clock=later).verify(body, headers)


def test_repeated_keys_are_refused() -> None:
    body = _sample("http-notification-bounce-sigv1")[0].replace(
        b'"Type" : "Notification",', b'"Type" : "Notification", "Message": "x",'
    )
    with pytest.raises(MalformedEnvelope, match="appears twice"):
        parse_envelope(body)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'{"Type": "Notification"}', b'{"Type": "Surprise", "Signature": "x"}'],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedEnvelope):
        _sample_verifier().verify(body)


# --- certificate URL rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3250158c6b8f4d0a8b5b3b2c1f1e2d3c.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-0a1b2c.pem",
    ],
)
def test_default_pattern_accepts_aws_regional_hosts(url: str) -> None:
    check_certificate_url(url, SnsSettings().cert_url_pattern)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem",
        "https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0a1b.pem",
        "https://sns.us-east-1.amazonaws.com.example.com/SimpleNotificationService-0a1b.pem",
        "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0a1b.pem",
        "https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem?x=1",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem#x",
        "https://sns.us-east-1.amazonaws.com/other/SimpleNotificationService-0a1b.pem",
        "https://s3.amazonaws.com/SimpleNotificationService-0a1b.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem\n",
    ],
)
def test_default_pattern_refuses_anything_else(url: str) -> None:
    with pytest.raises(UntrustedCertificateURL):
        check_certificate_url(url, SnsSettings().cert_url_pattern)


# --- our own PKI: sign fresh messages -------------------------------------------------------


def _notification(**changes: Any) -> dict[str, Any]:
    fields = {
        "Type": "Notification",
        "MessageId": "4c1f3a52-7d3e-4b8f-9d3a-1f0e2a6b7c8d",
        "TopicArn": TOPIC,
        "Message": '{"notificationType":"Bounce","note":"Zürich ✓\\n"}',
        "Timestamp": "2025-11-30T23:30:00.000Z",
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
    }
    return fields | changes


def _own_verifier(tmp_path: Path, trusted: Authority, signer: Signer, **overrides: Any) -> SnsVerifier:
    bundle = tmp_path / "trusted.pem"
    bundle.write_bytes(pem(trusted.cert))
    options: dict[str, Any] = {"topic_arns": [TOPIC], "ca_bundle": bundle}
    settings = SnsSettings(**(options | overrides))
    clock = fixed_clock(NOW)
    store = CertificateStore(
        settings, fetcher=lambda url: signer.chain_pem, clock=clock, include_system_roots=False
    )
    return SnsVerifier(settings, store, clock=clock)


@pytest.mark.parametrize("version", ["1", "2"])
def test_own_pki_signature_versions(tmp_path: Path, version: str) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    envelope = _own_verifier(tmp_path, ca, signer).verify(signer.sign(_notification(), version))
    assert envelope.message == '{"notificationType":"Bounce","note":"Zürich ✓\\n"}'


def test_unknown_signature_version_is_refused(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = json.loads(signer.sign(_notification(), "2"))
    body["SignatureVersion"] = "3"
    with pytest.raises(InvalidSignature, match="unsupported SNS SignatureVersion '3'"):
        _own_verifier(tmp_path, ca, signer).verify(json.dumps(body).encode())


def test_version_1_signature_does_not_pass_as_version_2(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = json.loads(signer.sign(_notification(), "1"))
    body["SignatureVersion"] = "2"
    with pytest.raises(InvalidSignature, match="does not verify"):
        _own_verifier(tmp_path, ca, signer).verify(json.dumps(body).encode())


@pytest.mark.parametrize("field", ["Message", "MessageId", "Timestamp", "Type"])
def test_a_changed_byte_breaks_the_signature(tmp_path: Path, field: str) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = json.loads(signer.sign(_notification()))
    value = body[field]
    replacement = {"Type": "SubscriptionConfirmation"}.get(field)
    body[field] = replacement or value[:-3] + chr(ord(value[-3]) ^ 1) + value[-2:]
    with pytest.raises(VerificationError):
        _own_verifier(tmp_path, ca, signer).verify(json.dumps(body).encode())


def test_changed_byte_in_message_is_an_invalid_signature(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = signer.sign(_notification())
    tampered = body.replace(b"Bounce", b"Bouncf")
    assert tampered != body
    with pytest.raises(InvalidSignature):
        _own_verifier(tmp_path, ca, signer).verify(tampered)


def test_null_subject_is_left_out(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = json.loads(signer.sign(_notification()))
    body["Subject"] = None
    envelope = _own_verifier(tmp_path, ca, signer).verify(json.dumps(body).encode())
    assert envelope.subject is None


def test_expired_certificate_is_refused(tmp_path: Path) -> None:
    ca = make_ca()
    expired = make_signer(
        ca, not_before=datetime(2024, 1, 1, tzinfo=UTC), not_after=datetime(2025, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(UntrustedCertificate, match="not valid at validation time"):
        _own_verifier(tmp_path, ca, expired).verify(expired.sign(_notification()))


def test_leaf_from_another_ca_is_refused(tmp_path: Path) -> None:
    trusted, stranger = make_ca(), make_ca()
    signer = make_signer(stranger)
    with pytest.raises(UntrustedCertificate, match="chaining to a trusted root"):
        _own_verifier(tmp_path, trusted, signer).verify(signer.sign(_notification()))


def test_leaf_for_another_name_is_refused(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca, "mail.example.com")
    with pytest.raises(UntrustedCertificate, match=r"sns\.amazonaws\.com"):
        _own_verifier(tmp_path, ca, signer).verify(signer.sign(_notification()))


def test_intermediate_served_with_the_leaf_builds_the_chain(tmp_path: Path) -> None:
    root = make_ca()
    signer = make_signer(make_ca(root))
    assert signer.chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert (
        _own_verifier(tmp_path, root, signer).verify(signer.sign(_notification())).type
        is MessageType.NOTIFICATION
    )


def test_leaf_alone_needs_its_intermediate_in_the_bundle(tmp_path: Path) -> None:
    root = make_ca()
    intermediate = make_ca(root)
    signer = make_signer(intermediate)
    signer.chain_pem = (
        signer.chain_pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
    )
    with pytest.raises(UntrustedCertificate):
        _own_verifier(tmp_path, root, signer).verify(signer.sign(_notification()))
    assert _own_verifier(tmp_path, intermediate, signer).verify(signer.sign(_notification()))


AMAZON_STYLE_ISSUER_URL = "http://crt.r2m99.amazontrust.com/r2m99.cer"


def _aia_verifier(
    tmp_path: Path, root: Authority, files: dict[str, bytes], fetched: list[str]
) -> SnsVerifier:
    def fetcher(url: str) -> bytes:
        fetched.append(url)
        return files[url]

    bundle = tmp_path / "root.pem"
    bundle.write_bytes(pem(root.cert))
    settings = SnsSettings(topic_arns=[TOPIC], ca_bundle=bundle)
    store = CertificateStore(settings, fetcher=fetcher, clock=fixed_clock(NOW), include_system_roots=False)
    return SnsVerifier(settings, store, clock=fixed_clock(NOW))


def test_missing_intermediate_is_fetched_from_the_ca_issuers_url(tmp_path: Path) -> None:
    root = make_ca()
    intermediate = make_ca(root)
    signer = make_signer(intermediate, serve_chain=False, ca_issuers_url=AMAZON_STYLE_ISSUER_URL)
    der = intermediate.cert.public_bytes(serialization.Encoding.DER)
    fetched: list[str] = []
    files = {DEFAULT_CERT_URL: signer.chain_pem, AMAZON_STYLE_ISSUER_URL: der}
    verifier = _aia_verifier(tmp_path, root, files, fetched)
    for message_id in ("one", "two"):
        verifier.verify(signer.sign(_notification(MessageId=message_id)))
    assert fetched == [DEFAULT_CERT_URL, AMAZON_STYLE_ISSUER_URL]


def test_ca_issuers_url_off_the_pattern_is_not_fetched(tmp_path: Path) -> None:
    root = make_ca()
    intermediate = make_ca(root)
    elsewhere = "http://169.254.169.254/latest/meta-data/x.cer"
    signer = make_signer(intermediate, serve_chain=False, ca_issuers_url=elsewhere)
    fetched: list[str] = []
    files = {
        DEFAULT_CERT_URL: signer.chain_pem,
        elsewhere: intermediate.cert.public_bytes(serialization.Encoding.DER),
    }
    with pytest.raises(UntrustedCertificate, match="trusted root"):
        _aia_verifier(tmp_path, root, files, fetched).verify(signer.sign(_notification()))
    assert fetched == [DEFAULT_CERT_URL]


def test_fetched_issuer_must_itself_chain_to_a_trusted_root(tmp_path: Path) -> None:
    root, stranger = make_ca(), make_ca()
    intermediate = make_ca(stranger)
    signer = make_signer(intermediate, serve_chain=False, ca_issuers_url=AMAZON_STYLE_ISSUER_URL)
    fetched: list[str] = []
    files = {DEFAULT_CERT_URL: signer.chain_pem, AMAZON_STYLE_ISSUER_URL: pem(intermediate.cert)}
    with pytest.raises(UntrustedCertificate, match="trusted root"):
        _aia_verifier(tmp_path, root, files, fetched).verify(signer.sign(_notification()))
    assert fetched == [DEFAULT_CERT_URL, AMAZON_STYLE_ISSUER_URL]


def test_unknown_topic_is_refused_before_fetching(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    body = signer.sign(_notification(TopicArn="arn:aws:sns:us-east-1:123456789012:someone-else"))
    verifier = _own_verifier(tmp_path, ca, signer)
    verifier._certificates._fetcher = _no_network  # the topic check comes first
    with pytest.raises(UnknownTopic, match=r"not in sns\.topic_arns"):
        verifier.verify(body)


def test_empty_allow_list_refuses_everything(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    with pytest.raises(UnknownTopic, match="empty"):
        _own_verifier(tmp_path, ca, signer, topic_arns=[]).verify(signer.sign(_notification()))


@pytest.mark.parametrize("timestamp", ["2025-11-30T22:59:59.000Z", "2025-12-01T00:06:00.000Z"])
def test_stale_or_future_timestamp_is_refused(tmp_path: Path, timestamp: str) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    with pytest.raises(StaleMessage):
        _own_verifier(tmp_path, ca, signer).verify(signer.sign(_notification(Timestamp=timestamp)))


def test_certificates_are_cached_by_url(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    fetched: list[str] = []

    def fetcher(url: str) -> bytes:
        fetched.append(url)
        return signer.chain_pem

    verifier = _own_verifier(tmp_path, ca, signer)
    verifier._certificates._fetcher = fetcher
    for message_id in ("one", "two", "three"):
        verifier.verify(signer.sign(_notification(MessageId=message_id)))
    assert fetched == [DEFAULT_CERT_URL]


# --- fetching over real HTTPS from 127.0.0.1 ------------------------------------------------


@pytest.fixture
def certificate_server() -> Iterator[CertificateServer]:
    with serve_certificates() as server:
        yield server


def _fetcher_for(server: CertificateServer, tmp_path: Path) -> HttpsCertificateFetcher:
    bundle = tmp_path / "tls-ca.pem"
    server.tls_ca.cert_pem.write_to_path(str(bundle))
    return HttpsCertificateFetcher(bundle, timeout=5.0)


def test_fetch_over_https(certificate_server: CertificateServer, tmp_path: Path) -> None:
    pem = _fetcher_for(certificate_server, tmp_path)(
        f"{certificate_server.base}/SimpleNotificationService-aaa1.pem"
    )
    assert pem.count(b"BEGIN CERTIFICATE") == 1


def test_redirect_is_not_followed(certificate_server: CertificateServer, tmp_path: Path) -> None:
    with pytest.raises(UntrustedCertificate, match="redirects are not followed"):
        _fetcher_for(certificate_server, tmp_path)(
            f"{certificate_server.base}/SimpleNotificationService-bbb2.pem"
        )
    assert certificate_server.requests == ["/SimpleNotificationService-bbb2.pem"]


@pytest.mark.parametrize("name", ["ccc3", "ddd4"])
def test_oversize_body_is_refused(certificate_server: CertificateServer, tmp_path: Path, name: str) -> None:
    with pytest.raises(UntrustedCertificate, match="16384"):
        _fetcher_for(certificate_server, tmp_path)(
            f"{certificate_server.base}/SimpleNotificationService-{name}.pem"
        )


def test_server_errors_are_retryable(certificate_server: CertificateServer, tmp_path: Path) -> None:
    with pytest.raises(CertificateUnavailable, match="503"):
        _fetcher_for(certificate_server, tmp_path)(
            f"{certificate_server.base}/SimpleNotificationService-eee5.pem"
        )


def test_untrusted_tls_is_refused(certificate_server: CertificateServer) -> None:
    with pytest.raises(UntrustedCertificate, match="TLS certificate"):
        HttpsCertificateFetcher()(f"{certificate_server.base}/SimpleNotificationService-aaa1.pem")
    assert certificate_server.requests == []


def test_verifier_fetches_through_https_end_to_end(
    certificate_server: CertificateServer, tmp_path: Path
) -> None:
    signing_ca = make_ca()
    signer = make_signer(signing_ca)
    certificate_server.served["/SimpleNotificationService-f00d.pem"] = signer.chain_pem
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(certificate_server.tls_ca.cert_pem.bytes() + pem(signing_ca.cert))
    settings = SnsSettings(
        topic_arns=[TOPIC],
        ca_bundle=bundle,
        cert_url_pattern=r"https://127\.0\.0\.1:\d+/SimpleNotificationService-[0-9a-f]+\.pem",
    )
    store = CertificateStore(settings, clock=fixed_clock(NOW), include_system_roots=False)
    verifier = SnsVerifier(settings, store, clock=fixed_clock(NOW))
    good = f"{certificate_server.base}/SimpleNotificationService-f00d.pem"
    for message_id in ("one", "two"):
        envelope = verifier.verify(signer.sign(_notification(MessageId=message_id), "2", good))
        assert envelope.message_id == message_id
    # The other served certificate comes from a CA we do not trust for signing.
    other = f"{certificate_server.base}/SimpleNotificationService-aaa1.pem"
    with pytest.raises(UntrustedCertificate, match="trusted root"):
        verifier.verify(signer.sign(_notification(), "2", other))
    assert certificate_server.requests == [
        "/SimpleNotificationService-f00d.pem",
        "/SimpleNotificationService-aaa1.pem",
    ]


def test_timestamp_now_is_accepted(tmp_path: Path) -> None:
    ca = make_ca()
    signer = make_signer(ca)
    stamp = (NOW - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert _own_verifier(tmp_path, ca, signer).verify(signer.sign(_notification(Timestamp=stamp)))
