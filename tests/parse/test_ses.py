"""SES feedback JSON -> FeedbackEvents: every shared sample against ses_expected.tsv, plus edge cases."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.parse.ses import SesPayloadError, read_ses
from shared_files import SES_SAMPLES as SAMPLES

EXPECTED = Path(__file__).with_name("ses_expected.tsv")


def ses_events(data: bytes | str, **options: Any) -> list[FeedbackEvent]:
    """The events of one SES payload, as the reader gets them."""
    return list(read_ses(data, **options).events)


def _rows() -> dict[str, list[list[str]]]:
    table: dict[str, list[list[str]]] = {}
    for line in EXPECTED.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        sample, *row = line.split("\t")
        table.setdefault(sample, []).append(row)
    return table


TABLE = _rows()


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _json(name: str) -> dict[str, object]:
    loaded = json.loads(_sample(name))
    assert isinstance(loaded, dict)
    return loaded


def test_every_sample_has_rows() -> None:
    payloads = {
        path.relative_to(SAMPLES).as_posix()
        for folder in ("notification", "event", "sns", "sqs")
        for path in (SAMPLES / folder).iterdir()
        if not path.name.endswith(".headers.json") and not path.name.startswith("receive-message")
    }
    assert payloads == set(TABLE)


@pytest.mark.parametrize("sample", sorted(TABLE))
def test_sample_gives_expected_events(sample: str) -> None:
    rows = TABLE[sample]
    if rows[0][1] == "error":
        with pytest.raises(SesPayloadError):
            ses_events(_sample(sample))
        return
    events = ses_events(_sample(sample))
    got = [
        [
            event.recipient,
            event.kind.value,
            event.reason.value,
            event.severity.value,
            str(event.counts_toward_rate).lower(),
            event.dedupe_key,
        ]
        for event in events
    ]
    assert got == rows
    assert all(event.source == "ses" for event in events)


def test_malformed_body_error_says_why() -> None:
    with pytest.raises(SesPayloadError, match="not valid JSON"):
        ses_events(_sample("sqs/body-malformed.txt"))


def test_receive_message_bodies_parse() -> None:
    for name in ("receive-message-response-envelope.json", "receive-message-response-raw.json"):
        response = _json(f"sqs/{name}")
        messages = response["Messages"]
        assert isinstance(messages, list)
        kinds = [event.kind for message in messages for event in ses_events(message["Body"])]
        assert len(kinds) == 2
        assert Kind.BOUNCE in kinds


def test_bounce_fields_are_carried() -> None:
    (event,) = ses_events(_sample("notification/bounce-permanent-general.json"))
    assert event.status == "5.1.1"
    assert event.reply_code == "550"
    # The RFC 3464 diagnostic-type ("smtp;") is dropped, as the DSN parser drops it.
    assert event.diagnostic is not None and event.diagnostic.startswith("550 5.1.1")
    assert event.remote_mta == "198.51.100.23"
    assert event.reporting_mta == "a8-42.smtp-out.amazonses.com"
    assert event.sender == "digest@news.example.com"
    assert event.message_id == "0100019a9da078e7-78bb5021-1719-487a-bd68-9052f05d86bc-000000"
    assert event.campaign is not None  # from the X-Campaign-Id header: notifications carry no tags
    assert event.provider_label == "Permanent/General"
    assert event.occurred_at == datetime(2025, 11, 3, 9, 14, 23, 517000, tzinfo=UTC)


def test_event_format_fields() -> None:
    (event,) = ses_events(_sample("event/complaint-abuse.json"))
    assert event.sender == "digest@news.example.com"  # display-name form parsed
    assert event.campaign == "nov-2025-digest"
    assert event.tags["ses:configuration-set"] == "bw-marketing"
    assert event.feedback_type == "abuse"


def test_only_bounced_recipients_not_destination() -> None:
    document = _json("notification/bounce-permanent-general.json")
    mail = document["mail"]
    assert isinstance(mail, dict) and len(mail["destination"]) == 3
    assert [event.recipient for event in ses_events(json.dumps(document))] == ["dana.whitfield@example.org"]


def _as_event(notification: dict[str, object], feedback_id: str) -> dict[str, object]:
    event = copy.deepcopy(notification)
    kind = event.pop("notificationType")
    event["eventType"] = kind
    payload = event[str(kind).lower()]
    assert isinstance(payload, dict)
    payload["feedbackId"] = feedback_id
    mail = event["mail"]
    assert isinstance(mail, dict)
    mail["tags"] = {"ses:configuration-set": ["bw-marketing"], "campaign": ["nov"]}
    return event


@pytest.mark.parametrize(
    "sample",
    ["notification/bounce-permanent-general.json", "notification/complaint-abuse-with-feedback.json"],
)
def test_notification_and_event_of_one_failure_share_keys(sample: str) -> None:
    notification = _json(sample)
    event = _as_event(notification, "0100019aother-feedback-id-000000")
    keys_a = [e.dedupe_key for e in ses_events(json.dumps(notification))]
    keys_b = [e.dedupe_key for e in ses_events(json.dumps(event))]
    assert keys_a == keys_b
    assert len(keys_a) == 1


def test_timestamp_with_spaced_offset() -> None:
    document = _json("notification/bounce-permanent-noemail.json")
    bounce = document["bounce"]
    assert isinstance(bounce, dict)
    bounce["timestamp"] = "2018-10-08T14:05:45 +0000"
    (event,) = ses_events(json.dumps(document))
    assert event.occurred_at == datetime(2018, 10, 8, 14, 5, 45, tzinfo=UTC)


def _bounce(bounce_type: str, sub_type: str, **recipient: str) -> str:
    document = _json("notification/bounce-permanent-noemail.json")
    bounce = document["bounce"]
    assert isinstance(bounce, dict)
    bounce["bounceType"] = bounce_type
    bounce["bounceSubType"] = sub_type
    bounce["bouncedRecipients"] = [{"emailAddress": "li.wei@example.net", **recipient}]
    bounce["someFieldSesAddsLater"] = {"nested": [1, 2]}
    return json.dumps(document)


@pytest.mark.parametrize(
    ("bounce_type", "sub_type", "recipient", "reason", "severity"),
    [
        ("Permanent", "UnsubscribedRecipient", {"status": "5.1.1"}, Reason.USERUNKNOWN, Severity.HARD),
        ("Permanent", "SomethingNew", {}, Reason.USERUNKNOWN, Severity.HARD),
        ("Transient", "SomethingNew", {"status": "4.2.2"}, Reason.MAILBOXFULL, Severity.SOFT),
        ("Transient", "SomethingNew", {}, Reason.UNDEFINED, Severity.SOFT),
        ("Permanent", "General", {"action": "delayed", "status": "4.0.0"}, Reason.UNDEFINED, Severity.SOFT),
        (
            "Undetermined",
            "Undetermined",
            {"diagnosticCode": "smtp; 550 5.1.1 no such user"},
            Reason.USERUNKNOWN,
            Severity.HARD,
        ),
        ("NewType", "NewSubType", {}, Reason.UNDEFINED, Severity.SOFT),
    ],
)
def test_unknown_and_mixed_labels(
    bounce_type: str, sub_type: str, recipient: dict[str, str], reason: Reason, severity: Severity
) -> None:
    (event,) = ses_events(_bounce(bounce_type, sub_type, **recipient))
    assert (event.reason, event.severity) == (reason, severity)
    assert event.provider_label == f"{bounce_type}/{sub_type}"


def test_unknown_event_type_is_other() -> None:
    document = _json("event/send.json")
    document["eventType"] = "BrandNewThing"
    document["brandNewThing"] = {"timestamp": "2025-11-10T08:00:00.000Z", "x": 1}
    (event,) = ses_events(json.dumps(document))
    assert (event.kind, event.severity) == (Kind.OTHER, Severity.NONE)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "not an object"),
        (b'{"hello": 1}', "neither"),
        (b'{"notificationType": "Bounce"}', "no mail"),
        (b'{"notificationType": "Bounce", "mail": {"messageId": "m"}}', "no bounce"),
        (b'{"notificationType": "Bounce", "mail": {}, "bounce": {}}', "messageId"),
        (b'{"Type": "Notification", "Message": "{\\"a\\": 1}"}', "neither"),
    ],
)
def test_unreadable_payloads_say_why(body: bytes, words: str) -> None:
    with pytest.raises(SesPayloadError, match=words):
        ses_events(body)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(body: bytes) -> None:
    with contextlib.suppress(SesPayloadError):
        ses_events(body)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


_MUTABLE = [
    _json("notification/bounce-permanent-general.json"),
    _json("event/deliverydelay-mailboxfull.json"),
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(_MUTABLE))), st.data(), _JSON_VALUES)
def test_mutated_documents_never_crash(which: int, data: st.DataObject, replacement: object) -> None:
    document = copy.deepcopy(_MUTABLE[which])
    path = data.draw(st.sampled_from(_paths(document)))
    target: object = document
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = replacement  # type: ignore[index]
    with contextlib.suppress(SesPayloadError):
        ses_events(json.dumps(document))
