"""`bouncewarden aws setup`: the SNS topic, SQS queue and dead-letter queue that SES feedback needs.

What gets made (AWS, "Fanout to Amazon SQS queues" and "Amazon SQS dead-letter queues"):

1. an SNS topic for SES to publish to;
2. a dead-letter queue with a longer retention than the main queue (a message that moves there
   keeps its original enqueue time, so equal retention would expire it early);
3. the main queue: long polling, our visibility timeout, `RedrivePolicy` (after 5 receives a
   message goes to the dead-letter queue) and an access policy that lets only that topic send;
4. the queue's subscription to the topic, raw or enveloped;
5. SES pointed at the topic (`setup_ses.py`): identity notifications or a configuration set's
   event destination.

Each step looks first and changes only what differs, so a second run changes nothing and says
so; `dry_run` only looks. Existing queue policies keep their other statements.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from bouncewarden.aws.plan import SetupError, SetupPlan, Step, StepAction
from bouncewarden.aws.setup_ses import wire_ses

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

__all__ = ["SetupError", "SetupPlan", "SetupReport", "Step", "StepAction", "run_setup"]

_POLICY_SID = "bouncewarden-allow-sns-topic"


@dataclass(frozen=True, slots=True)
class SetupReport:
    """Every step `aws setup` took (or would take), and what it found or made."""

    steps: tuple[Step, ...]
    dry_run: bool
    topic_arn: str | None = None
    queue_url: str | None = None
    dead_letter_queue_url: str | None = None

    @property
    def changed(self) -> bool:
        """True when some step created or updated something (or would, in a dry run)."""
        return any(step.changed for step in self.steps)


@dataclass(slots=True)
class _Setup:
    sns: SNSClient
    sqs: SQSClient
    plan: SetupPlan
    dry_run: bool
    steps: list[Step] = field(default_factory=list)

    def note(self, action: StepAction, what: str, detail: str = "") -> None:
        self.steps.append(Step(action, what, detail))

    def topic(self) -> str | None:
        name = self.plan.topic_name
        for page in self.sns.get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                arn = topic.get("TopicArn", "")
                if arn.rsplit(":", 1)[-1] == name:
                    self.note(StepAction.FOUND, f"SNS topic {name}", arn)
                    return arn
        self.note(StepAction.CREATE, f"SNS topic {name}")
        if self.dry_run:
            return None
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        self.steps[-1] = Step(StepAction.CREATE, f"SNS topic {name}", arn)
        return arn

    def queue(
        self, name: str, wanted: Mapping[QueueAttributeNameType, str], what: str
    ) -> tuple[str | None, str | None]:
        """Find or create queue `name` with `wanted` attributes; its URL and ARN."""
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as err:
            if "NonExistentQueue" not in str(err) and "QueueDoesNotExist" not in str(err):
                raise
            self.note(StepAction.CREATE, f"{what} {name}", _describe(wanted))
            if self.dry_run:
                return None, None
            url = self.sqs.create_queue(QueueName=name, Attributes=dict(wanted))["QueueUrl"]
            return url, self._arn(url)
        current = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        differing = {key: value for key, value in wanted.items() if not _same(key, current.get(key), value)}
        if not differing:
            self.note(StepAction.FOUND, f"{what} {name}", url)
        else:
            self.note(StepAction.UPDATE, f"{what} {name}", _describe(differing))
            if not self.dry_run:
                self.sqs.set_queue_attributes(QueueUrl=url, Attributes=differing)
        return url, current.get("QueueArn")

    def _arn(self, url: str) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return attributes.get("Attributes", {})["QueueArn"]

    def subscription(self, topic_arn: str, queue_arn: str) -> None:
        raw = "true" if self.plan.raw_delivery else "false"
        what = f"subscription of queue {self.plan.queue_name} to the topic"
        for page in self.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
            for subscription in page.get("Subscriptions", []):
                if subscription.get("Protocol") != "sqs" or subscription.get("Endpoint") != queue_arn:
                    continue
                arn = subscription.get("SubscriptionArn", "")
                attributes = self.sns.get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
                if attributes.get("RawMessageDelivery", "false").lower() == raw:
                    self.note(StepAction.FOUND, what, f"raw delivery {raw}")
                    return
                self.note(StepAction.UPDATE, what, f"raw delivery {raw}")
                if not self.dry_run:
                    self.sns.set_subscription_attributes(
                        SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue=raw
                    )
                return
        self.note(StepAction.CREATE, what, f"raw delivery {raw}")
        if not self.dry_run:
            self.sns.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": raw},
                ReturnSubscriptionArn=True,
            )


def _describe(attributes: Mapping[QueueAttributeNameType, str]) -> str:
    return ", ".join(
        f"{key}={value if len(value) < 60 else '(policy)'}" for key, value in sorted(attributes.items())
    )


def _same(key: str, current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if key == "Policy":
        return _policy_allows(current, wanted)
    if key == "RedrivePolicy":
        try:
            return _normalised(json.loads(current)) == _normalised(json.loads(wanted))
        except ValueError:
            return False
    return current == wanted


def _normalised(document: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {}


def _statements(policy: str) -> list[dict[str, object]]:
    try:
        document = json.loads(policy)
    except ValueError:
        return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    return [item for item in statements if isinstance(item, dict)] if isinstance(statements, list) else []


def _policy_allows(current: str, wanted: str) -> bool:
    """True when the current policy already holds our statement (other statements may exist)."""
    ours = _statements(wanted)[0]
    return any(statement == ours for statement in _statements(current))


def _queue_policy(queue_arn: str, topic_arn: str, existing: str | None) -> str:
    statement = {
        "Sid": _POLICY_SID,
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }
    others = [item for item in _statements(existing or "") if item.get("Sid") != _POLICY_SID]
    return json.dumps({"Version": "2012-10-17", "Statement": [*others, statement]})


def _main_queue_attributes(
    plan: SetupPlan, dead_letter_arn: str, queue_arn: str, topic_arn: str, policy: str | None
) -> dict[QueueAttributeNameType, str]:
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": plan.max_receive_count}
    return {
        "VisibilityTimeout": str(plan.visibility_timeout),
        "ReceiveMessageWaitTimeSeconds": "20",
        "MessageRetentionPeriod": str(plan.retention_seconds),
        "RedrivePolicy": json.dumps(redrive),
        "Policy": _queue_policy(queue_arn, topic_arn, policy),
    }


def _existing_policy(sqs: SQSClient, name: str) -> str | None:
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError:
        return None
    return (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    )


def run_setup(
    sns: SNSClient, sqs: SQSClient, ses: SESClient, plan: SetupPlan, *, dry_run: bool = False
) -> SetupReport:
    """Make (or, with `dry_run`, only check) everything SES feedback needs; idempotent."""
    setup = _Setup(sns, sqs, plan, dry_run)
    try:
        topic_arn = setup.topic()
        dlq_attributes: dict[QueueAttributeNameType, str] = {
            "MessageRetentionPeriod": str(plan.dead_letter_retention_seconds)
        }
        dlq_url, dlq_arn = setup.queue(plan.dead_letter_name, dlq_attributes, "dead-letter queue")
        queue_url: str | None = None
        if topic_arn is not None and dlq_arn is not None:
            queue_arn = f"{dlq_arn.rsplit(':', 1)[0]}:{plan.queue_name}"  # same account and region
            policy = _existing_policy(sqs, plan.queue_name)
            wanted = _main_queue_attributes(plan, dlq_arn, queue_arn, topic_arn, policy)
            queue_url, _ = setup.queue(plan.queue_name, wanted, "queue")
            if queue_url is not None:
                setup.subscription(topic_arn, queue_arn)
            else:
                setup.note(StepAction.CREATE, f"subscription of queue {plan.queue_name} to the topic")
        else:
            for what in (f"queue {plan.queue_name}", f"subscription of queue {plan.queue_name} to the topic"):
                setup.note(StepAction.CREATE, what, "after the steps above")
        setup.steps.extend(wire_ses(ses, plan, topic_arn, dry_run=dry_run))
    except (ClientError, BotoCoreError) as err:
        done = "; ".join(step.describe(dry_run) for step in setup.steps[-1:])
        raise SetupError(f"AWS refused a setup step (last step: {done or 'none'}): {err}") from err
    return SetupReport(tuple(setup.steps), dry_run, topic_arn, queue_url, dlq_url)
