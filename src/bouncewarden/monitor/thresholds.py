"""The levels each health measure is judged against, and the judgement itself (pure).

Amazon SES puts an account under review at a 5 % bounce rate or a 0.1 % complaint rate and
may pause its sending at 10 % / 0.5 %; its console warns from 2 % / 0.05 %. Those are the
defaults (`[health]` in the settings). Two more measures: the day's sends falling below a
fraction of their trailing 7-day daily average (`volume_drop`, a sign that a sender stopped or
was stopped), and the SES sending quota in use (`quota_use`).

`judge` compares one reading with one threshold and says what to do with its alert: raise it
when the value crosses the limit, resolve it when the value is back past the limit by the
hysteresis margin (`resolve_fraction`), otherwise keep things as they are. A rate wavering
around its limit therefore raises one alert, not one per evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bouncewarden.config import HealthSettings
from bouncewarden.monitor.rates import SenderRates

__all__ = [
    "Level",
    "Metric",
    "Reading",
    "Threshold",
    "Verdict",
    "judge",
    "rate_readings",
    "thresholds",
]


class Metric(StrEnum):
    """What is measured."""

    BOUNCE_RATE = "bounce_rate"
    COMPLAINT_RATE = "complaint_rate"
    VOLUME_DROP = "volume_drop"
    QUOTA_USE = "quota_use"


class Level(StrEnum):
    """How bad a crossing is; `pause_advised` is the level a sending application should act on."""

    WARNING = "warning"
    REVIEW = "review"
    PAUSE_ADVISED = "pause_advised"


class Verdict(StrEnum):
    """What to do with the alert of one threshold and sender."""

    RAISE = "raise"
    RESOLVE = "resolve"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Threshold:
    """One limit: crossed upward (`below` false) or downward (`below` true)."""

    metric: Metric
    level: Level
    limit: float
    below: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """One sender's value of one measure, and the volume it stands on."""

    sender_identity: str
    metric: Metric
    value: float
    volume: int


def thresholds(settings: HealthSettings) -> tuple[Threshold, ...]:
    """The configured limits, as fractions (the settings give percentages)."""
    percent = 100.0
    return (
        Threshold(Metric.BOUNCE_RATE, Level.WARNING, settings.bounce_warning / percent),
        Threshold(Metric.BOUNCE_RATE, Level.REVIEW, settings.bounce_review / percent),
        Threshold(Metric.BOUNCE_RATE, Level.PAUSE_ADVISED, settings.bounce_pause / percent),
        Threshold(Metric.COMPLAINT_RATE, Level.WARNING, settings.complaint_warning / percent),
        Threshold(Metric.COMPLAINT_RATE, Level.REVIEW, settings.complaint_review / percent),
        Threshold(Metric.COMPLAINT_RATE, Level.PAUSE_ADVISED, settings.complaint_pause / percent),
        Threshold(Metric.VOLUME_DROP, Level.WARNING, settings.volume_drop_fraction, below=True),
        Threshold(Metric.QUOTA_USE, Level.WARNING, settings.quota_warning / percent),
    )


def rate_readings(rates: Sequence[SenderRates]) -> list[Reading]:
    """The bounce and complaint rates that reach the minimum volume (the others are not judged)."""
    readings: list[Reading] = []
    for sender in rates:
        if sender.bounce_judged and sender.bounce_rate is not None:
            readings.append(
                Reading(sender.sender_identity, Metric.BOUNCE_RATE, sender.bounce_rate, sender.counts.sends)
            )
        if sender.complaint_judged and sender.complaint_rate is not None:
            readings.append(
                Reading(
                    sender.sender_identity,
                    Metric.COMPLAINT_RATE,
                    sender.complaint_rate,
                    sender.counts.deliveries,
                )
            )
    return readings


def judge(threshold: Threshold, value: float, *, is_open: bool, resolve_fraction: float) -> Verdict:
    """Raise, resolve or keep the alert of `threshold` given the new `value` (see the module docstring)."""
    if threshold.below:
        crossed = value < threshold.limit
        recovered = value >= threshold.limit / resolve_fraction
    else:
        crossed = value >= threshold.limit
        recovered = value < threshold.limit * resolve_fraction
    if not is_open and crossed:
        return Verdict.RAISE
    if is_open and recovered:
        return Verdict.RESOLVE
    return Verdict.KEEP
