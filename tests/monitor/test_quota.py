"""SES quota use from GetSendQuota, against moto in server mode: an alert above 80 %."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from bouncewarden.config import AwsSettings, HealthSettings, Settings
from bouncewarden.monitor.thresholds import Level, Metric
from bouncewarden.service import Service
from fixtures_moto import aws_env, moto_endpoint

__all__ = ["aws_env", "moto_endpoint"]

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_quota_use_above_the_warning_raises_an_alert(
    settings: Settings, moto_endpoint: str, aws_env: dict[str, str]
) -> None:
    # moto keeps its counts for the whole session: a region of this test's own per database.
    region = "ca-central-1" if settings.resolved_database_url.startswith("sqlite") else "eu-north-1"
    configured = settings.model_copy(
        update={
            "aws": AwsSettings(region=region, endpoint_url=moto_endpoint),
            "health": HealthSettings(check_ses_quota=True),
        }
    )
    ses = boto3.client("ses", region_name=region, endpoint_url=moto_endpoint)
    ses.verify_email_identity(EmailAddress="news@example.org")
    quota = ses.get_send_quota()
    assert quota["Max24HourSend"] == 200 and quota["SentLast24Hours"] == 0

    def send(count: int) -> None:
        for start in range(0, count, 40):
            recipients = [f"user{n}@example.com" for n in range(start, min(count, start + 40))]
            ses.send_email(
                Source="news@example.org",
                Destination={"ToAddresses": recipients},
                Message={"Subject": {"Data": "hello"}, "Body": {"Text": {"Data": "hello"}}},
            )

    with Service.open(configured) as service:
        send(150)  # 75 %
        assert service.run_due_jobs(NOW).health is not None
        assert service.health.alerts() == []
        send(20)  # 85 %
        report = service.run_due_jobs(NOW).health
        assert report is not None
        [alert] = report.raised
        assert (alert.sender_identity, alert.metric, alert.level) == (
            f"ses:{region}",
            Metric.QUOTA_USE,
            Level.WARNING,
        )
        assert alert.value == 170 / 200 and alert.volume == 170
        assert service.run_due_jobs(NOW).health.raised == ()  # type: ignore[union-attr]
