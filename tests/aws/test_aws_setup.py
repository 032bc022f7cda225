"""`aws setup` against moto over HTTP (SES v1 gaps filled by the fake): creates, then changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest

from bouncewarden.aws.plan import SetupPlan, StepAction
from bouncewarden.aws.setup import run_setup
from fake_ses import FakeSes
from fixtures_moto import unique_name


def _clients(endpoint: str):  # type: ignore[no-untyped-def]
    region = "us-east-1"
    return (
        boto3.client("sns", region_name=region, endpoint_url=endpoint),
        boto3.client("sqs", region_name=region, endpoint_url=endpoint),
        boto3.client("ses", region_name=region, endpoint_url=endpoint),
    )


@pytest.fixture
def plan() -> SetupPlan:
    name = unique_name("bw-feedback")
    return SetupPlan(identity="news.example.com", topic_name=name, queue_name=name)


def test_setup_creates_everything(aws_env: dict[str, str], ses_fake: FakeSes, plan: SetupPlan) -> None:
    sns, sqs, ses = _clients(ses_fake.endpoint)
    report = run_setup(sns, sqs, ses, plan)
    assert report.changed
    assert report.topic_arn is not None and report.queue_url is not None and report.dead_letter_queue_url

    attributes = sqs.get_queue_attributes(QueueUrl=report.queue_url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=report.dead_letter_queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq["QueueArn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert int(dlq["MessageRetentionPeriod"]) > int(attributes["MessageRetentionPeriod"])
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "20"
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == report.topic_arn

    subscriptions = sns.list_subscriptions_by_topic(TopicArn=report.topic_arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("sqs", attributes["QueueArn"])]
    assert ses_fake.topics["news.example.com"] == {
        k: report.topic_arn for k in ("Bounce", "Complaint", "Delivery")
    }
    assert all(ses_fake.headers["news.example.com"].values())

    # The subscription really delivers: a publish arrives on the queue.
    sns.publish(TopicArn=report.topic_arn, Message='{"notificationType": "Bounce"}')
    received = sqs.receive_message(QueueUrl=report.queue_url, WaitTimeSeconds=2)["Messages"]
    assert json.loads(received[0]["Body"])["Type"] == "Notification"


def test_second_run_changes_nothing(aws_env: dict[str, str], ses_fake: FakeSes, plan: SetupPlan) -> None:
    sns, sqs, ses = _clients(ses_fake.endpoint)
    first = run_setup(sns, sqs, ses, plan)
    calls_before = list(ses_fake.calls)
    second = run_setup(sns, sqs, ses, plan)
    assert first.changed and not second.changed
    assert {step.action for step in second.steps} == {StepAction.FOUND}
    assert second.topic_arn == first.topic_arn and second.queue_url == first.queue_url
    assert [c for c in ses_fake.calls[len(calls_before) :] if c.startswith("Set")] == []
    assert len(sns.list_subscriptions_by_topic(TopicArn=first.topic_arn)["Subscriptions"]) == 1
    assert all("already in place" in step.describe(False) for step in second.steps)


def test_dry_run_changes_nothing(aws_env: dict[str, str], ses_fake: FakeSes, plan: SetupPlan) -> None:
    sns, sqs, ses = _clients(ses_fake.endpoint)
    report = run_setup(sns, sqs, ses, plan, dry_run=True)
    assert report.changed and report.topic_arn is None
    assert all(step.describe(True).startswith("would ") for step in report.steps)
    names = [t["TopicArn"].rsplit(":", 1)[-1] for t in sns.list_topics()["Topics"]]
    assert plan.topic_name not in names
    assert "news.example.com" not in ses_fake.topics


def test_drift_is_repaired(aws_env: dict[str, str], ses_fake: FakeSes, plan: SetupPlan) -> None:
    sns, sqs, ses = _clients(ses_fake.endpoint)
    first = run_setup(sns, sqs, ses, plan)
    assert first.queue_url is not None
    sqs.set_queue_attributes(QueueUrl=first.queue_url, Attributes={"VisibilityTimeout": "5"})
    ses_fake.topics["news.example.com"]["Complaint"] = "arn:aws:sns:us-east-1:123456789012:elsewhere"
    again = run_setup(sns, sqs, ses, plan)
    changed = [(step.action, step.what) for step in again.steps if step.changed]
    assert changed == [
        (StepAction.UPDATE, f"queue {plan.queue_name}"),
        (StepAction.SET, "SES Complaint notifications of news.example.com to the topic"),
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=first.queue_url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "60"


def test_configuration_set_destination(aws_env: dict[str, str], ses_fake: FakeSes, plan: SetupPlan) -> None:
    sns, sqs, ses = _clients(ses_fake.endpoint)
    configured = replace(plan, configuration_set="bw-marketing", raw_delivery=True)
    first = run_setup(sns, sqs, ses, configured)
    destination = ses_fake.configuration_sets["bw-marketing"]["bouncewarden-sns"]
    assert destination["topic"] == first.topic_arn
    assert "deliveryDelay" in destination["types"]  # type: ignore[operator]
    assert not run_setup(sns, sqs, ses, configured).changed
    subscription = sns.list_subscriptions_by_topic(TopicArn=first.topic_arn)["Subscriptions"][0]
    raw = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert raw["RawMessageDelivery"] == "true"
    # Switching to enveloped delivery updates the subscription in place.
    switched = run_setup(sns, sqs, ses, replace(configured, raw_delivery=False))
    assert [step.action for step in switched.steps if step.changed] == [StepAction.UPDATE]
    raw = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert raw["RawMessageDelivery"] == "false"
