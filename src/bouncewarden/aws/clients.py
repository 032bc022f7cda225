"""boto3 clients built from settings: the region and an optional endpoint (moto, private links).

Credentials come from boto3's usual chain (environment, profile, instance role); bouncewarden
never stores them. Calls are retried by botocore's "standard" mode, which backs off on
throttling (SES allows GetSendStatistics once a second; SESv2 answers 429 when busy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from bouncewarden.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["ses_client", "sesv2_client", "sns_client", "sqs_client"]

# Read timeout above SQS's longest long poll (20 s), so a wait is never cut short.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=30, connect_timeout=10)


def _where(settings: Settings, endpoint_url: str | None, region: str | None) -> tuple[str, str | None]:
    return region or settings.aws.region, endpoint_url or settings.aws.endpoint_url


def sqs_client(settings: Settings, endpoint_url: str | None = None, region: str | None = None) -> SQSClient:
    """An SQS client for the configured region and endpoint."""
    region_name, endpoint = _where(settings, endpoint_url, region)
    return boto3.client("sqs", region_name=region_name, endpoint_url=endpoint, config=_CONFIG)


def sns_client(settings: Settings, endpoint_url: str | None = None, region: str | None = None) -> SNSClient:
    """An SNS client for the configured region and endpoint."""
    region_name, endpoint = _where(settings, endpoint_url, region)
    return boto3.client("sns", region_name=region_name, endpoint_url=endpoint, config=_CONFIG)


def ses_client(settings: Settings, endpoint_url: str | None = None, region: str | None = None) -> SESClient:
    """An SES (v1) client: identity notifications, quota and send statistics."""
    region_name, endpoint = _where(settings, endpoint_url, region)
    return boto3.client("ses", region_name=region_name, endpoint_url=endpoint, config=_CONFIG)


def sesv2_client(
    settings: Settings, endpoint_url: str | None = None, region: str | None = None
) -> SESV2Client:
    """An SESv2 client: the account-level suppression list and configuration sets."""
    region_name, endpoint = _where(settings, endpoint_url, region)
    return boto3.client("sesv2", region_name=region_name, endpoint_url=endpoint, config=_CONFIG)
