"""The Amazon SES sending quota in use, from `GetSendQuota` (SES API v1).

`Max24HourSend` is how many messages the account may send in a rolling 24 hours and
`SentLast24Hours` how many it sent; their ratio is the `quota_use` measure, judged against
`[health] quota_warning` (80 % by default). Asked only when `[health] check_ses_quota` is on,
with the `[aws]` region and endpoint. A sandbox or unlimited account reports a maximum of
zero or less: nothing to judge. An AWS error is logged and the evaluation goes on without it.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from bouncewarden.aws.clients import ses_client
from bouncewarden.config import Settings
from bouncewarden.monitor.thresholds import Metric, Reading

__all__ = ["read_send_quota"]

_log = logging.getLogger(__name__)


def read_send_quota(settings: Settings) -> Reading | None:
    """The account's quota use as a reading (subject `ses:<region>`), or None when there is none."""
    try:
        quota = ses_client(settings).get_send_quota()
    except (BotoCoreError, ClientError) as err:
        _log.warning("GetSendQuota failed, quota use not judged: %s", err)
        return None
    maximum = float(quota.get("Max24HourSend", 0.0))
    if maximum <= 0:
        return None
    sent = float(quota.get("SentLast24Hours", 0.0))
    return Reading(f"ses:{settings.aws.region}", Metric.QUOTA_USE, sent / maximum, int(sent))
