"""Point Amazon SES at the feedback topic: identity notifications or a configuration set.

Two mechanisms, both SES v1 API (AWS SES guide, "Configuring Amazon SNS notifications" and
"Set up an Amazon SNS event destination"):

- identity notifications: `SetIdentityNotificationTopic` per type (Bounce, Complaint, Delivery)
  and `SetIdentityHeadersInNotificationsEnabled`, so notifications carry the original headers
  (where the `X-Campaign-Id` header comes from). `GetIdentityNotificationAttributes` tells what
  is set already;
- a configuration set's SNS event destination (`CreateConfigurationSetEventDestination`, or
  `Update...` when it exists but differs), which also gives DeliveryDelay, Send and Reject.

Messages sent with that configuration set then produce events; the set must be named when
sending (`ConfigurationSetName` or the `X-SES-CONFIGURATION-SET` header).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from bouncewarden.aws.plan import SetupPlan, Step, StepAction

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_ses.literals import EventTypeType, NotificationTypeType
    from mypy_boto3_ses.type_defs import (
        EventDestinationOutputTypeDef,
        EventDestinationTypeDef,
        IdentityNotificationAttributesTypeDef,
    )

__all__ = ["wire_ses"]


def wire_ses(ses: SESClient, plan: SetupPlan, topic_arn: str | None, *, dry_run: bool) -> list[Step]:
    """The steps that point SES at `topic_arn` (None: the topic does not exist yet, dry run)."""
    if plan.configuration_set:
        return _wire_configuration_set(ses, plan, plan.configuration_set, topic_arn, dry_run)
    return _wire_identity(ses, plan, topic_arn, dry_run)


def _identity_attributes(ses: SESClient, identity: str) -> IdentityNotificationAttributesTypeDef | None:
    response = ses.get_identity_notification_attributes(Identities=[identity])
    return response.get("NotificationAttributes", {}).get(identity)


def _wire_identity(ses: SESClient, plan: SetupPlan, topic_arn: str | None, dry_run: bool) -> list[Step]:
    identity = plan.identity
    current = _identity_attributes(ses, identity)
    steps: list[Step] = []
    for kind in plan.notification_types:
        notification: NotificationTypeType = kind  # type: ignore[assignment]  # checked by SES
        what = f"SES {kind} notifications of {identity} to the topic"
        if current is not None and topic_arn is not None and current.get(f"{kind}Topic") == topic_arn:
            steps.append(Step(StepAction.FOUND, what))
        else:
            steps.append(Step(StepAction.SET, what, topic_arn or "the new topic"))
            if not dry_run and topic_arn is not None:
                ses.set_identity_notification_topic(
                    Identity=identity, NotificationType=notification, SnsTopic=topic_arn
                )
        if not plan.include_headers:
            continue
        what = f"SES original headers in {kind} notifications of {identity}"
        if current is not None and current.get(f"HeadersIn{kind}NotificationsEnabled") is True:
            steps.append(Step(StepAction.FOUND, what))
        else:
            steps.append(Step(StepAction.SET, what, "enabled"))
            if not dry_run:
                ses.set_identity_headers_in_notifications_enabled(
                    Identity=identity, NotificationType=notification, Enabled=True
                )
    return steps


def _destination(plan: SetupPlan, topic_arn: str) -> EventDestinationTypeDef:
    types: list[EventTypeType] = list(plan.event_types)  # type: ignore[arg-type]  # checked by SES
    return {
        "Name": plan.event_destination_name,
        "Enabled": True,
        "MatchingEventTypes": types,
        "SNSDestination": {"TopicARN": topic_arn},
    }


def _matches(existing: EventDestinationOutputTypeDef, wanted: EventDestinationTypeDef) -> bool:
    return (
        bool(existing.get("Enabled"))
        and sorted(existing.get("MatchingEventTypes", [])) == sorted(wanted["MatchingEventTypes"])
        and existing.get("SNSDestination", {}).get("TopicARN") == wanted["SNSDestination"]["TopicARN"]
    )


def _wire_configuration_set(
    ses: SESClient, plan: SetupPlan, name: str, topic_arn: str | None, dry_run: bool
) -> list[Step]:
    steps: list[Step] = []
    try:
        described = ses.describe_configuration_set(
            ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations"]
        )
        existing = [
            d for d in described.get("EventDestinations", []) if d.get("Name") == plan.event_destination_name
        ]
        steps.append(Step(StepAction.FOUND, f"SES configuration set {name}"))
    except ClientError as err:
        if "ConfigurationSetDoesNotExist" not in str(err):
            raise
        existing = []
        steps.append(Step(StepAction.CREATE, f"SES configuration set {name}"))
        if not dry_run:
            ses.create_configuration_set(ConfigurationSet={"Name": name})
    what = f"SNS event destination {plan.event_destination_name} of configuration set {name}"
    detail = ", ".join(plan.event_types)
    if topic_arn is None:
        steps.append(Step(StepAction.CREATE, what, detail))
        return steps
    wanted = _destination(plan, topic_arn)
    if existing and _matches(existing[0], wanted):
        steps.append(Step(StepAction.FOUND, what))
    elif existing:
        steps.append(Step(StepAction.UPDATE, what, detail))
        if not dry_run:
            ses.update_configuration_set_event_destination(ConfigurationSetName=name, EventDestination=wanted)
    else:
        steps.append(Step(StepAction.CREATE, what, detail))
        if not dry_run:
            ses.create_configuration_set_event_destination(ConfigurationSetName=name, EventDestination=wanted)
    return steps
