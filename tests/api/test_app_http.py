"""The app over real HTTP: uvicorn on 127.0.0.1, certificates fetched from a local HTTPS server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from api.sns_signing import make_ca, make_signer, pem, serve_certificates
from api.support import NOW, SAMPLE_TOPIC, DatabaseCounts, sample, sample_sns_settings, serve_app, with_sns
from bouncewarden.api.app import create_app
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings, SnsSettings
from bouncewarden.service import Service
from shared_files import SES_SAMPLES

BOUNCE_MESSAGE = (SES_SAMPLES / "notification" / "bounce-permanent-noemail.json").read_text()


def test_end_to_end_with_a_fetched_certificate(
    service: Service, settings: Settings, tmp_path: Path, counts: DatabaseCounts
) -> None:
    signing_ca = make_ca()
    signer = make_signer(signing_ca)
    with serve_certificates() as certificates:
        certificates.served["/SimpleNotificationService-5e11.pem"] = signer.chain_pem
        bundle = tmp_path / "bundle.pem"
        bundle.write_bytes(certificates.tls_ca.cert_pem.bytes() + pem(signing_ca.cert))
        sns = SnsSettings(
            topic_arns=[SAMPLE_TOPIC],
            ca_bundle=bundle,
            cert_url_pattern=r"https://127\.0\.0\.1:\d+/SimpleNotificationService-[0-9a-f]+\.pem",
        )
        app = create_app(service, with_sns(settings, sns), clock=fixed_clock(NOW))
        cert_url = f"{certificates.base}/SimpleNotificationService-5e11.pem"
        redirecting_url = f"{certificates.base}/SimpleNotificationService-bbb2.pem"
        fields = {
            "Type": "Notification",
            "MessageId": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            "TopicArn": SAMPLE_TOPIC,
            "Message": BOUNCE_MESSAGE,
            "Timestamp": "2025-11-30T23:58:00.000Z",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
        headers = {"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification"}
        before = counts()
        with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            # A certificate URL that redirects: refused, nothing stored, the redirect not followed.
            refused = http.post(
                "/sns/ses", content=signer.sign(fields, "2", redirecting_url), headers=headers
            )
            assert refused.status_code == 403
            assert refused.json() == {"status": "refused", "detail": "not a verified SNS delivery"}
            assert counts() == before
            first = http.post("/sns/ses", content=signer.sign(fields, "2", cert_url), headers=headers)
            assert first.status_code == 200, first.text
            assert first.json()["new_events"] == 1
            again = http.post("/sns/ses", content=signer.sign(fields, "2", cert_url), headers=headers)
            assert again.json()["duplicates"] == 1
        assert certificates.requests == [
            "/SimpleNotificationService-bbb2.pem",
            "/SimpleNotificationService-5e11.pem",
        ]
    assert counts() != before


def test_committed_samples_over_real_http(
    service: Service, settings: Settings, counts: DatabaseCounts
) -> None:
    def no_network(url: str) -> bytes:
        raise AssertionError(url)

    app = create_app(
        service, with_sns(settings, sample_sns_settings()), cert_fetcher=no_network, clock=fixed_clock(NOW)
    )
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        before = counts()
        for name in ("http-notification-tampered", "http-raw-delivery-event-bounce"):
            response = http.post("/sns/ses", content=sample(name)[0], headers=sample(name)[1])
            assert response.status_code == 403, name
        assert counts() == before
        body, headers = sample("http-notification-event-complaint-sigv2")
        response = http.post("/sns/ses", content=body, headers=headers)
        assert response.status_code == 200
        assert json.loads(response.text)["status"] == "recorded"
