"""The demo data of `bouncewarden serve --demo`: something to look at on a first run.

Two parts, both stored through the normal roads so the demo shows what real use shows:

- the bundled files in `samples/` (bounce emails written by a real postfix on loopback, SES
  notifications, one unreadable message) read by the one reader and recorded or quarantined
  as `ingest` would;
- two weeks of generated traffic ending at `now`: sends over three campaigns, deliveries,
  mailbox-full and unknown-user bounces, sender-side refusals and complaints, at rates a
  real sender might see, recorded as canonical events. The generator is seeded, so two demos
  show the same figures.

Every address is at example.com, example.net or example.org (RFC 2606).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import Feedback, RawInput, ReadInput, Tally
from bouncewarden.parse.report import ParsedReport
from bouncewarden.service import Service

__all__ = ["DemoSummary", "load_demo"]

SAMPLES = Path(__file__).resolve().parent / "samples"
_DOMAINS = ("example.com", "example.net", "example.org")
_CAMPAIGNS = ("welcome", "newsletter", "receipts")
_SOURCE = "demo"
_SAMPLE_SUFFIXES = (".eml", ".json")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loaded: the bundled files' ingest counts and the generated events."""

    files: Tally
    generated: int


def load_demo(service: Service, *, now: datetime, days: int = 14, seed: int = 14) -> DemoSummary:
    """Store the bundled samples and `days` days of generated traffic ending at `now`."""
    summary = Tally()
    paths = [path for path in sorted(SAMPLES.iterdir()) if path.suffix in _SAMPLE_SUFFIXES]
    for outcome in service.intake.take(
        [RawInput(path.read_bytes(), path.name, now, _SOURCE) for path in paths]
    ):
        summary.add(outcome)
    generator = random.Random(seed)
    generated = 0
    for day in range(days, 0, -1):
        events = _one_day(generator, now - timedelta(days=day), day)
        reading = Feedback(ParsedReport((), _SOURCE), tuple(events))
        raw = RawInput(b"", f"generated demo traffic, day -{day}", now, _SOURCE)
        service.recorder.record([ReadInput.of(raw, reading)])
        generated += len(events)
    return DemoSummary(summary, generated)


def _event(kind: Kind, number: int, at: datetime, key: str, **fields: object) -> FeedbackEvent:
    values: dict[str, object] = {
        "severity": Severity.NONE,
        "reason": Reason.DELIVERED if kind is Kind.DELIVERY else Reason.UNDEFINED,
    } | fields
    return FeedbackEvent(
        kind=kind,
        recipient=f"user{number}@{_DOMAINS[number % 3]}",
        dedupe_key=f"demo:{key}",
        occurred_at=at,
        source=_SOURCE,
        sender="news@example.com",
        campaign=_CAMPAIGNS[number % 3],
        **values,  # type: ignore[arg-type]  # severity, reason and the optional fields, typed above
    )


# What may follow a send, with its share of sends (cumulative order), kind and fields.
_OUTCOMES: tuple[tuple[float, Kind, dict[str, object]], ...] = (
    (0.02, Kind.BOUNCE, {
        "severity": Severity.HARD, "reason": Reason.USERUNKNOWN, "status": "5.1.1", "reply_code": "550",
        "diagnostic": "550 5.1.1 The email account that you tried to reach does not exist",
    }),
    (0.04, Kind.BOUNCE, {
        "severity": Severity.SOFT, "reason": Reason.MAILBOXFULL, "status": "4.2.2", "reply_code": "452",
        "diagnostic": "452 4.2.2 The recipient's mailbox is full",
    }),
    (0.015, Kind.BOUNCE, {
        "severity": Severity.SENDER, "reason": Reason.BLOCKED, "status": "5.7.1", "reply_code": "554",
        "diagnostic": "554 5.7.1 Service unavailable; client host blocked using a blocklist",
    }),
    (0.005, Kind.COMPLAINT, {
        "severity": Severity.COMPLAINT, "reason": Reason.FEEDBACK, "feedback_type": "abuse",
    }),
)  # fmt: skip
_BAD_DAYS = (3, 4)  # two days of a bad list import: three times the hard bounces


def _one_day(generator: random.Random, start: datetime, day: int) -> list[FeedbackEvent]:
    events: list[FeedbackEvent] = []
    for index in range(generator.randint(120, 200)):
        number = generator.randint(1, 900)
        at = start + timedelta(minutes=generator.randint(0, 1439))
        key = f"{day}:{index}"
        events.append(_event(Kind.SEND, number, at, f"send:{key}"))
        later = at + timedelta(minutes=generator.randint(1, 180))
        roll = generator.random()
        for share, kind, fields in _OUTCOMES:
            share *= (
                3 if day in _BAD_DAYS and kind is Kind.BOUNCE and fields["severity"] is Severity.HARD else 1
            )
            if roll < share:
                events.append(_event(kind, number, later, f"{kind.value}:{key}", **fields))
                break
            roll -= share
        else:
            events.append(_event(Kind.DELIVERY, number, later, f"delivery:{key}"))
    return events
