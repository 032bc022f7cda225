"""Consume SES feedback from an Amazon SQS queue (fed by an SNS topic, raw or enveloped).

The loop follows AWS's SQS guidance ("Amazon SQS short and long polling", "visibility timeout",
"dead-letter queues"): long polling (`WaitTimeSeconds` ≤ 20), up to 10 messages a call; the
whole receive batch goes through the intake (`bouncewarden.intake`) as one transaction, and a
message is deleted only after that committed. Standard queues deliver at least once and out of
order, and several consumers may share a queue: the events' dedupe keys make a second delivery
a no-op. A body that cannot be read is quarantined with the reason and deleted, so it does not
loop; a database outage leaves the messages to come back after their visibility timeout (and, after
`maxReceiveCount` tries, to move to the dead-letter queue that `aws setup` creates).

Every `depth_every` seconds (30 by default) the worker also asks the queue how many messages
wait and how many are in flight (`GetQueueAttributes`: `ApproximateNumberOfMessages`,
`ApproximateNumberOfMessagesNotVisible`) and keeps the answer as the source's status
(`sqs:QUEUE_URL` in `source_status`), which `/metrics` shows; a failed question is logged and
asked again next time.

`DeleteMessageBatch` takes at most 10 entries (moto does not enforce it, AWS does) and reports
per-entry failures in `Failed` even on HTTP 200; both are handled. While a slow batch is being
stored a heartbeat thread extends the messages' visibility so no other consumer picks them up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bouncewarden.clock import system_clock
from bouncewarden.config import Settings, SqsSettings
from bouncewarden.intake import Intake, Outcome, RawInput, Tally
from bouncewarden.store.mail_sources import MailSourceLedger, SourceState

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

__all__ = [
    "SOURCE",
    "ConsumerOptions",
    "QueueMessage",
    "consume_once",
    "delete_messages",
    "receive",
    "receive_unless_stopped",
    "record_queue_depth",
    "run_sqs_worker",
]

SOURCE = "sqs"
MAX_BATCH = 10
# How often a waiting long poll looks whether the worker was told to stop.
_STOP_CHECK_SECONDS = 0.2
_FIRST_BACKOFF = 1.0
_MAX_BACKOFF = 60.0
DEPTH_EVERY = 30.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConsumerOptions:
    """How to poll: long-poll wait, batch size, visibility timeout, and an optional slow-down."""

    wait_seconds: int = 20
    batch_size: int = MAX_BATCH
    visibility_timeout: int = 60
    per_message_delay: float = 0.0

    @classmethod
    def from_settings(cls, sqs: SqsSettings, per_message_delay: float = 0.0) -> ConsumerOptions:
        """The options of the `[sqs]` settings section."""
        return cls(
            wait_seconds=min(sqs.wait_seconds, 20),
            batch_size=min(sqs.batch_size, MAX_BATCH),
            visibility_timeout=sqs.visibility_timeout,
            per_message_delay=per_message_delay,
        )


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """One received SQS message."""

    message_id: str
    receipt_handle: str
    body: bytes
    receive_count: int = 1


class _Heartbeat:
    """Keeps extending the visibility of messages still being worked on."""

    def __init__(self, client: SQSClient, queue_url: str, visibility_timeout: int) -> None:
        self._client = client
        self._queue_url = queue_url
        self._timeout = visibility_timeout
        self._handles: dict[str, str] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqs-visibility-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if self._timeout > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def watch(self, messages: Iterable[QueueMessage]) -> None:
        with self._lock:
            self._handles.update((message.message_id, message.receipt_handle) for message in messages)

    def release(self, message: QueueMessage) -> None:
        with self._lock:
            self._handles.pop(message.message_id, None)

    def _run(self) -> None:
        # Extend at a third of the timeout so one missed beat still leaves time.
        while not self._done.wait(max(self._timeout / 3, 0.5)):
            with self._lock:
                entries = list(self._handles.items())
            for start in range(0, len(entries), MAX_BATCH):
                chunk = entries[start : start + MAX_BATCH]
                try:
                    self._client.change_message_visibility_batch(
                        QueueUrl=self._queue_url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": self._timeout}
                            for i, (_, handle) in enumerate(chunk)
                        ],
                    )
                except Exception as err:  # a missed beat only risks a duplicate delivery
                    _log.warning("could not extend visibility on %r: %r", self._queue_url, str(err))


def _to_message(raw: MessageTypeDef) -> QueueMessage:
    attributes = raw.get("Attributes", {})
    count = attributes.get("ApproximateReceiveCount", "1")
    return QueueMessage(
        message_id=raw.get("MessageId", ""),
        receipt_handle=raw.get("ReceiptHandle", ""),
        body=raw.get("Body", "").encode("utf-8"),
        receive_count=int(count) if count.isdigit() else 1,
    )


def receive(client: SQSClient, queue_url: str, options: ConsumerOptions) -> list[QueueMessage]:
    """One long poll: up to `batch_size` messages, hidden for `visibility_timeout` seconds."""
    response = client.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=options.batch_size,
        WaitTimeSeconds=options.wait_seconds,
        VisibilityTimeout=options.visibility_timeout,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    return [_to_message(message) for message in response.get("Messages", [])]


def delete_messages(
    client: SQSClient, queue_url: str, messages: Sequence[QueueMessage]
) -> tuple[int, list[str]]:
    """Delete in batches of at most 10; the number deleted and the ids SQS refused."""
    deleted, failures = 0, []
    for start in range(0, len(messages), MAX_BATCH):
        chunk = messages[start : start + MAX_BATCH]
        response = client.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": message.receipt_handle} for i, message in enumerate(chunk)
            ],
        )
        deleted += len(response.get("Successful", []))
        for failure in response.get("Failed", []):
            message = chunk[int(failure["Id"])]
            failures.append(message.message_id)
            _log.warning(
                "SQS refused to delete message %r (%r: %r); it will be delivered again and deduplicated",
                message.message_id,
                failure.get("Code"),
                failure.get("Message"),
            )
    return deleted, failures


def receive_unless_stopped(
    client: SQSClient, queue_url: str, options: ConsumerOptions, stop: threading.Event
) -> list[QueueMessage]:
    """`receive`, given up as soon as `stop` is set (SIGTERM must not wait out a 20 s long poll).

    The poll runs in a daemon thread; when it is abandoned, whatever it receives is neither
    stored nor deleted, so it simply becomes visible on the queue again after its visibility
    timeout.
    """
    received: list[QueueMessage] = []
    failed: list[BaseException] = []
    done = threading.Event()

    def poll() -> None:
        try:
            received.extend(receive(client, queue_url, options))
        except BaseException as err:  # handed to the caller's thread below
            failed.append(err)
        finally:
            done.set()

    threading.Thread(target=poll, name=f"sqs-poll:{queue_url}", daemon=True).start()
    while not done.wait(_STOP_CHECK_SECONDS):
        if stop.is_set():
            return []
    if failed:
        raise failed[0]
    return received


def consume_once(
    client: SQSClient,
    intake: Intake,
    queue_url: str,
    options: ConsumerOptions,
    stop: threading.Event | None = None,
) -> Tally:
    """Receive one batch, hand it to the intake as one transaction, delete what it dealt with.

    A message the store could not take (database unavailable) is left on the queue: it comes
    back after its visibility timeout. Once `stop` is set, a long poll is given up.
    """
    if stop is None:
        messages = receive(client, queue_url, options)
    else:
        messages = receive_unless_stopped(client, queue_url, options, stop)
    tally = Tally()
    if not messages:
        return tally
    with _Heartbeat(client, queue_url, options.visibility_timeout) as heartbeat:
        heartbeat.watch(messages)
        now = system_clock()
        raws = [
            RawInput(
                message.body,
                f"SQS message {message.message_id} (receive #{message.receive_count})",
                now,
                SOURCE,
            )
            for message in messages
        ]
        outcomes = intake.take(raws)
        if options.per_message_delay:  # tests: a slow batch, committed but not yet deleted
            time.sleep(options.per_message_delay * len(messages))
    done = []
    for message, outcome in zip(messages, outcomes, strict=True):
        tally.add(outcome)
        if outcome.is_stored:
            done.append(message)
        if outcome.outcome is Outcome.QUARANTINED:
            _log.warning("quarantined %r: %r", outcome.origin, outcome.reason)
    delete_messages(client, queue_url, done)
    return tally


def record_queue_depth(client: SQSClient, queue_url: str, ledger: MailSourceLedger, now: datetime) -> None:
    """Ask `queue_url` how many messages wait and are in flight; keep it as the source's status."""
    answer = client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    attributes = answer.get("Attributes", {})
    waiting = int(attributes.get("ApproximateNumberOfMessages", "0"))
    in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0"))
    ledger.save_state(
        SourceState(
            name=f"{SOURCE}:{queue_url}",
            kind=SOURCE,
            counts={"waiting": waiting, "in_flight": in_flight},
            started_at=None,
            last_seen_at=now,
            last_error=None,
            last_error_at=None,
            updated_at=now,
        )
    )


class _DepthWatch:
    """Records the queue's depth at most every `every` seconds, never failing the worker."""

    def __init__(
        self, client: SQSClient, queue_url: str, ledger: MailSourceLedger | None, every: float
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._ledger = ledger
        self._every = every
        self._next = 0.0

    def tick(self) -> None:
        if self._ledger is None or time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self._every
        try:
            record_queue_depth(self._client, self._queue_url, self._ledger, system_clock())
        except Exception as err:  # SQS or the database unreachable: the depth waits for next time
            _log.warning("queue depth of %r not recorded (%r)", self._queue_url, str(err))


def run_sqs_worker(
    intake: Intake,
    settings: Settings,
    queue_url: str,
    stop: threading.Event,
    *,
    client: SQSClient | None = None,
    per_message_delay: float = 0.0,
    ledger: MailSourceLedger | None = None,
    depth_every: float = DEPTH_EVERY,
) -> None:
    """Consume `queue_url` until `stop` is set (a long poll in progress is given up at once).

    SQS errors and database outages both make the worker wait (1 s, doubling up to 60 s) and
    try again; it never stops on its own. With a `ledger`, the queue's depth is recorded every
    `depth_every` seconds.
    """
    if client is None:
        from bouncewarden.aws.clients import sqs_client

        client = sqs_client(settings)
    options = ConsumerOptions.from_settings(settings.sqs, per_message_delay)
    depth = _DepthWatch(client, queue_url, ledger, depth_every)
    backoff = _FIRST_BACKOFF
    _log.info("consuming %r", queue_url)
    while not stop.is_set():
        depth.tick()
        try:
            tally = consume_once(client, intake, queue_url, options, stop)
        except Exception as err:  # SQS unreachable or refusing: wait, then try again
            _log.warning(
                "SQS receive/delete failed on %r (%r); retrying in %.0f s", queue_url, str(err), backoff
            )
            stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
            continue
        if tally[Outcome.STORE_UNAVAILABLE]:
            _log.warning("database unavailable; %r left on the queue, retrying in %.0f s", queue_url, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
            continue
        backoff = _FIRST_BACKOFF
        if tally.inputs:
            counts = tally.counts
            _log.info(
                "%r: %d received, %d new events, %d duplicates, %d quarantined",
                queue_url,
                tally.inputs,
                counts.new_events,
                counts.duplicates,
                tally[Outcome.QUARANTINED],
            )
    _log.info("stopped consuming %r", queue_url)
