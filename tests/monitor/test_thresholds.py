"""Judging a reading against a threshold, with hysteresis."""

from __future__ import annotations

from bouncewarden.config import HealthSettings
from bouncewarden.monitor.thresholds import Level, Metric, Threshold, Verdict, judge, thresholds

BOUNCE_REVIEW = Threshold(Metric.BOUNCE_RATE, Level.REVIEW, 0.05)
VOLUME = Threshold(Metric.VOLUME_DROP, Level.WARNING, 0.5, below=True)


def _run(threshold: Threshold, values: list[float]) -> list[Verdict]:
    """The verdicts of a series of readings, the alert opening and closing as told."""
    verdicts, is_open = [], False
    for value in values:
        verdict = judge(threshold, value, is_open=is_open, resolve_fraction=0.8)
        is_open = (is_open or verdict is Verdict.RAISE) and verdict is not Verdict.RESOLVE
        verdicts.append(verdict)
    return verdicts


def test_a_rate_wavering_at_its_limit_raises_once() -> None:
    values = [0.03, 0.05, 0.049, 0.051, 0.045, 0.06, 0.041, 0.039, 0.052]
    assert _run(BOUNCE_REVIEW, values) == [
        Verdict.KEEP,
        Verdict.RAISE,  # at the limit
        Verdict.KEEP,  # just under: still open
        Verdict.KEEP,
        Verdict.KEEP,
        Verdict.KEEP,
        Verdict.KEEP,  # 0.041 is above 80 % of the limit
        Verdict.RESOLVE,  # 0.039 is below it
        Verdict.RAISE,  # a new crossing
    ]


def test_a_falling_measure_raises_below_and_resolves_above_the_margin() -> None:
    assert _run(VOLUME, [1.0, 0.49, 0.55, 0.62, 0.63, 0.3]) == [
        Verdict.KEEP,
        Verdict.RAISE,
        Verdict.KEEP,
        Verdict.KEEP,  # 0.62 < 0.5 / 0.8
        Verdict.RESOLVE,
        Verdict.RAISE,
    ]


def test_the_defaults_follow_amazon_ses() -> None:
    limits = {(t.metric, t.level): t.limit for t in thresholds(HealthSettings())}
    assert limits[Metric.BOUNCE_RATE, Level.WARNING] == 0.02
    assert limits[Metric.BOUNCE_RATE, Level.REVIEW] == 0.05
    assert limits[Metric.BOUNCE_RATE, Level.PAUSE_ADVISED] == 0.10
    assert limits[Metric.COMPLAINT_RATE, Level.WARNING] == 0.0005
    assert limits[Metric.COMPLAINT_RATE, Level.REVIEW] == 0.001
    assert limits[Metric.COMPLAINT_RATE, Level.PAUSE_ADVISED] == 0.005
    assert limits[Metric.VOLUME_DROP, Level.WARNING] == 0.5
    assert limits[Metric.QUOTA_USE, Level.WARNING] == 0.8
