"""Confirming SNS subscriptions through the SNS API, never by fetching a URL from a message.

A `SubscriptionConfirmation` carries a `SubscribeURL`; fetching whatever URL a request names
is an SSRF waiting to happen, so we call `ConfirmSubscription(TopicArn, Token)` through boto3
instead, in the topic's own region (AWS, "Step 2: Confirm the subscription"). The call needs
no signature unless the topic sets `AuthenticateOnUnsubscribe`; when no credentials are
configured the request goes unsigned.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bouncewarden.config import AwsSettings
from bouncewarden.errors import SourceError

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

__all__ = ["SubscriptionConfirmer", "region_of_topic"]

_TOPIC_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov)?:sns:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:[\w-]{1,256}"
)
# SNS wants an answer within 15 s; keep the whole call well inside that.
_CLIENT_CONFIG = Config(
    connect_timeout=3, read_timeout=4, retries={"total_max_attempts": 2, "mode": "standard"}
)


def region_of_topic(topic_arn: str) -> str:
    """The region named in an SNS topic ARN."""
    match = _TOPIC_ARN.fullmatch(topic_arn)
    if match is None:
        raise SourceError(f"{topic_arn!r} is not an SNS topic ARN")
    return match["region"]


class SubscriptionConfirmer:
    """Calls SNS ConfirmSubscription for a verified confirmation request."""

    def __init__(self, aws: AwsSettings) -> None:
        self._endpoint_url = aws.endpoint_url

    def confirm(self, topic_arn: str, token: str) -> str:
        """Confirm the subscription; returns its ARN."""
        client = self._client(region_of_topic(topic_arn))
        try:
            response = client.confirm_subscription(TopicArn=topic_arn, Token=token)
        except (BotoCoreError, ClientError) as err:
            raise SourceError(f"ConfirmSubscription for {topic_arn} failed: {err}") from err
        return response.get("SubscriptionArn", "")

    def _client(self, region: str) -> SNSClient:
        session = boto3.session.Session(region_name=region)
        config = _CLIENT_CONFIG
        if session.get_credentials() is None:
            config = config.merge(Config(signature_version=UNSIGNED))
        return session.client("sns", endpoint_url=self._endpoint_url, config=config)
