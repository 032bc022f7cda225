"""`[policy] unreadable`: what a failure nobody could read does to its address.

Pure mapping first, then through the recorder and `bouncewarden history` on SQLite and
PostgreSQL (the `database_url` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bouncewarden.cli import main
from bouncewarden.config import PolicySettings, Settings, load_settings
from bouncewarden.errors import ConfigurationError
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.policy import AddressStatus, apply_unreadable, unreadable_note
from bouncewarden.service import Service
from store_helpers import record

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _event(reason: Reason, severity: Severity = Severity.SOFT, kind: Kind = Kind.BOUNCE) -> FeedbackEvent:
    return FeedbackEvent(kind, "reader@example.com", severity, reason, f"k-{reason}-{kind}", T0, "smtp")


@pytest.mark.parametrize(
    ("setting", "severity"),
    [("soft", Severity.SOFT), ("hard", Severity.HARD), ("ignore", Severity.NONE)],
)
@pytest.mark.parametrize("reason", [Reason.ONHOLD, Reason.UNDEFINED])
def test_unreadable_failures_take_the_setting(setting: str, severity: Severity, reason: Reason) -> None:
    policy = PolicySettings.model_validate({"unreadable": setting})
    changed = apply_unreadable(_event(reason), policy)
    assert changed.severity is severity
    assert changed.tags.get("unreadable") == (None if setting == "soft" else setting)
    assert unreadable_note(changed.kind.value, changed.severity.value, changed.reason.value) == (
        f"unreadable failure: [policy] unreadable = {setting}"
    )


@pytest.mark.parametrize(
    "event",
    [
        _event(Reason.MAILBOXFULL),  # a known cause
        _event(Reason.ONHOLD, kind=Kind.DELAY),  # still being tried
        _event(Reason.ONHOLD, severity=Severity.SENDER),  # an operator rule decided
        _event(Reason.USERUNKNOWN, severity=Severity.HARD),
    ],
    ids=["known-cause", "delay", "operator-rule", "hard"],
)
def test_other_events_are_untouched(event: FeedbackEvent) -> None:
    assert apply_unreadable(event, PolicySettings.model_validate({"unreadable": "hard"})) == event


def test_the_setting_is_checked(tmp_path: Path) -> None:
    assert PolicySettings().unreadable == "soft"
    config = tmp_path / "bw.toml"
    config.write_text('[policy]\nunreadable = "hard"\n')
    assert load_settings(config).policy.unreadable == "hard"
    config.write_text('[policy]\nunreadable = "maybe"\n')
    with pytest.raises(ConfigurationError):
        load_settings(config)


@pytest.mark.parametrize(
    ("setting", "status", "shown"),
    [
        ("soft", AddressStatus.SOFT, "bounce soft onhold"),
        ("hard", AddressStatus.SUPPRESSED, "bounce hard onhold"),
        ("ignore", AddressStatus.ACTIVE, "bounce none onhold"),
    ],
)
def test_recorded_and_explained_by_history(
    database_url: str, tmp_path: Path, setting: str, status: AddressStatus, shown: str
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        policy=PolicySettings.model_validate({"unreadable": setting}),
    )
    with Service.open(settings) as service:
        outcome = record(service, [_event(Reason.ONHOLD)], raw=b"unreadable bounce", source="smtp")
        assert outcome.new_events == 1
        state = service.admin.lookup(["reader@example.com"]).get("reader@example.com")
    assert (state.status if state is not None else AddressStatus.ACTIVE) is status
    result = CliRunner().invoke(main, ["history", "reader@example.com", "--db", database_url])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "\tevent " in line)
    assert shown in line
    assert line.endswith(f"; unreadable failure: [policy] unreadable = {setting}")
