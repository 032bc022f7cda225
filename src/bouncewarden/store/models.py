"""The database tables, as typed SQLAlchemy 2 models.

    evidence         raw inputs (zlib-compressed), one row per distinct sha256
    events           FeedbackEvents, append-only, one per dedupe_key
    quarantine       inputs that could not be read, one per sha256, with the reason and their fate
    addresses        one row per address that feedback ever touched: its state and counters
    transitions      the audit trail of address state changes
    outbox           the same changes, for consumers that read them in order after commit
    notices          changes not about one address (alerts, incidents), for the same consumers
    hourly_counters  sends, deliveries, bounces, complaints per hour/sender/provider/campaign/config set
    sent_messages    message-recipient pairs already counted as sent (the first of their events)
    alerts           sender-health alerts: raised, resolved, acknowledged
    incidents        bursts of sender-side refusals at one provider, one row per burst
    channel_cursors  the last notice each alert channel (email, Slack) has delivered
    operator_rules   operators' classification overrides (pattern ==> severity, reason)
    file_positions   how far each followed file (accounting file, MTA log) has been read
    stream_memories  what the reader of each followed log remembers between lines (queue ids), in parts
    api_tokens       bearer tokens of the HTTP API (sha256 of the token), scope, last use
    users            people of the admin UI: scrypt password hash, role
    audit_log        every change made through the API or the admin UI, with who made it
    blocked_patterns whole domains or address patterns suppressed by an operator
    source_status    per mail source (the SMTP receiver, each mailbox): counts, last seen, last error
    mailbox_cursors  per mailbox folder: UIDVALIDITY and the highest UID read (IMAP)
    mailbox_seen     per mailbox: keys of messages read and left in place (POP3 UIDL, Maildir names)
    webhook_cursors  per outgoing webhook and stream (outbox, notices): the last id turned into deliveries
    webhook_deliveries one row per event and webhook: the signed body's content, state, attempts

The suppression list (`suppressions`) is a view over `addresses` in state `suppressed`; the
migration creates it. Closed vocabularies are stored as their StrEnum text values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bouncewarden.store.types import UtcDateTime

__all__ = [
    "Address",
    "AlertRow",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BlockedPattern",
    "ChannelCursor",
    "Event",
    "Evidence",
    "FilePosition",
    "HourlyCounter",
    "IncidentRow",
    "MailboxCursor",
    "MailboxSeen",
    "OperatorRule",
    "OutboxRow",
    "Quarantined",
    "SentMessage",
    "SourceStatus",
    "TransitionRow",
    "User",
    "WebhookCursor",
    "WebhookDelivery",
]


class Base(DeclarativeBase):
    """The declarative base of every table."""

    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)


class Evidence(Base):
    """A raw input kept so that every decision can be explained and replayed."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    compressed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Event(Base):
    """One stored FeedbackEvent (append-only)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_address_occurred_at", "address", "occurred_at"),
        # Sender-side refusals by time, for incident detection (a small part of all events).
        Index(
            "ix_events_sender_side_occurred_at",
            "occurred_at",
            sqlite_where=text("severity = 'sender'"),
            postgresql_where=text("severity = 'sender'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(Text)
    reply_code: Mapped[str | None] = mapped_column(Text)
    diagnostic: Mapped[str | None] = mapped_column(Text)
    remote_mta: Mapped[str | None] = mapped_column(Text)
    reporting_mta: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(Text)
    feedback_type: Mapped[str | None] = mapped_column(Text)
    provider_label: Mapped[str | None] = mapped_column(Text)
    counts_toward_rate: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    tags: Mapped[dict[str, Any]] = mapped_column(JSON)


class Quarantined(Base):
    """An input that could not be read, kept once per content hash with the reason and its fate."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    media_type: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    compressed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    origin: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), server_default="held")
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class Address(Base):
    """The state of one normalised address (see `bouncewarden.policy.AddressState`)."""

    __tablename__ = "addresses"
    __table_args__ = (
        CheckConstraint("state IN ('active', 'soft', 'suppressed')", name="ck_addresses_state"),
        Index("ix_addresses_state", "state"),
        Index("ix_addresses_next_retry_at", "next_retry_at"),
        Index("ix_addresses_first_soft_at", "first_soft_at"),
    )

    address: Mapped[str] = mapped_column(Text, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    suppression_reason: Mapped[str | None] = mapped_column(String(16))
    suppressed_at: Mapped[datetime | None]
    suppression_note: Mapped[str | None] = mapped_column(Text)
    suppression_source: Mapped[str | None] = mapped_column(Text)
    soft_count: Mapped[int] = mapped_column(Integer, default=0)
    first_soft_at: Mapped[datetime | None]
    last_soft_at: Mapped[datetime | None]
    next_retry_at: Mapped[datetime | None]
    retry_announced: Mapped[bool] = mapped_column(Boolean, default=False)
    last_delivery_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    soft_times: Mapped[list[str] | None] = mapped_column(JSON)
    """ISO 8601 times of the soft bounces counted now (newest `max_attempts`), for the soft window."""


class TransitionRow(Base):
    """One audited change of an address's state."""

    __tablename__ = "transitions"
    __table_args__ = (Index("ix_transitions_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    actor: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class OutboxRow(Base):
    """One address state change for later consumers, in commit order of its transaction."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class NoticeRow(Base):
    """One change that is not about a single address (an alert raised or resolved, an incident),
    for the consumers that tell others, in commit order of its transaction."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]


class HourlyCounter(Base):
    """Counts for one hour, sender identity, receiving provider, campaign and configuration set."""

    __tablename__ = "hourly_counters"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    sender_identity: Mapped[str] = mapped_column(Text, primary_key=True)
    provider: Mapped[str] = mapped_column(Text, primary_key=True)
    campaign: Mapped[str] = mapped_column(Text, primary_key=True)
    configuration_set: Mapped[str] = mapped_column(Text, primary_key=True)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    hard: Mapped[int] = mapped_column(Integer, default=0)
    soft: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    sender_side: Mapped[int] = mapped_column(Integer, default=0)


class SentMessage(Base):
    """A message-recipient pair already counted as one send (a digest of message id and address)."""

    __tablename__ = "sent_messages"
    __table_args__ = (Index("ix_sent_messages_first_at", "first_at"),)

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_at: Mapped[datetime]


class AlertRow(Base):
    """One crossing of a health threshold by one sender, from raised to resolved."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_resolved_at", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_identity: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    peak: Mapped[float] = mapped_column(Float)
    volume: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_value: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(Text)


class IncidentRow(Base):
    """Many recipients at one provider refusing one sender for one sender-side reason, at once."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_closed_at", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_identity: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[int] = mapped_column(Integer)
    sample: Mapped[list[Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime]
    last_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ChannelCursor(Base):
    """The id of the last notice an alert channel delivered (or gave up on)."""

    __tablename__ = "channel_cursors"

    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    last_notice_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class OperatorRule(Base):
    """An operator's override: diagnostics matching `pattern` get this severity (and reason, if set)."""

    __tablename__ = "operator_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_hit_at: Mapped[datetime | None]
    position: Mapped[int | None] = mapped_column(Integer)


class FilePosition(Base):
    """How far one file of a followed stream has been read, committed with the events it gave.

    A file is known by its content, not its name: `fingerprint` is the SHA-256 of its first
    `fingerprint_size` bytes (after decompression), so a file renamed or compressed by
    rotation is still the same file. `context` is what a reader needs before the next record
    (a PowerMTA header row).
    """

    __tablename__ = "file_positions"
    __table_args__ = (UniqueConstraint("stream", "fingerprint", name="uq_file_positions_stream_fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    fingerprint_size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    offset: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[int] = mapped_column(BigInteger)
    context: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class StreamMemory(Base):
    """One part of what the reader of a followed log stream remembers between lines: a whole
    `LogMemory.snapshot()` or the `changes()` of one batch, committed with the positions of its
    files. A stream's parts, in `id` order, give its memory back."""

    __tablename__ = "stream_memories"
    __table_args__ = (Index("ix_stream_memories_stream", "stream", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(Text)
    memory: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token of the HTTP API; only the sha256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class User(Base):
    """A person who signs in to the admin UI."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One change made by a person or a token: who, what, on what, and their note."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class BlockedPattern(Base):
    """A suppression of a whole domain (and its subdomains) or of an address glob pattern."""

    __tablename__ = "blocked_patterns"
    __table_args__ = (CheckConstraint("kind IN ('domain', 'pattern')", name="ck_blocked_patterns_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SourceStatus(Base):
    """What a mail source (`smtp`, `mailbox:NAME`) last reported: counts, last message, last error."""

    __tablename__ = "source_status"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class MailboxCursor(Base):
    """How far an IMAP folder has been read: its UIDVALIDITY and the highest UID handled."""

    __tablename__ = "mailbox_cursors"

    mailbox: Mapped[str] = mapped_column(Text, primary_key=True)
    folder: Mapped[str] = mapped_column(Text, primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class MailboxSeen(Base):
    """A message read and left in its mailbox (POP3 UIDL, Maildir file name): not read again."""

    __tablename__ = "mailbox_seen"

    mailbox: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    seen_at: Mapped[datetime]


class WebhookCursor(Base):
    """How far one outgoing webhook has read one stream (`outbox` or `notices`)."""

    __tablename__ = "webhook_cursors"

    webhook: Mapped[str] = mapped_column(Text, primary_key=True)
    stream: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)


class WebhookDelivery(Base):
    """One event for one outgoing webhook: the exact body sent at every attempt, and its fate.

    `ordering_key` is the address (or a notice's subject); `after_id` the delivery queued before
    this one for the same key and webhook, which holds this one back while it is pending.
    `next_attempt_at` is also the lease of an attempt in flight.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'delivered', 'dead')", name="ck_webhook_deliveries_state"),
        UniqueConstraint("event_id", name="uq_webhook_deliveries_event_id"),
        Index("ix_webhook_deliveries_queue", "webhook", "state", "id"),
        Index("ix_webhook_deliveries_key", "webhook", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(32))
    ordering_key: Mapped[str] = mapped_column(Text)
    after_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
