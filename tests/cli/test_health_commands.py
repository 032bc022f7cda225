"""`record-sends`, `stats --since` and `alerts list|ack` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from bouncewarden.cli import main
from bouncewarden.cli.health import sparkline
from bouncewarden.config import Settings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.service import Service
from store_helpers import record

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def invoke(database_url: str, *arguments: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, [*arguments, "--db", database_url], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 4, 8]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"


def test_record_sends_from_csv_and_json_lines(database_url: str, tmp_path: Path, settings: Settings) -> None:
    csv_file = tmp_path / "sends.csv"
    csv_file.write_text(
        "recipient,sender,message_id,campaign,sent_at\n"
        f"a@gmail.com,news@example.org,<1@example.org>,spring,{NOW.isoformat()}\n"
        f"not an address,news@example.org,<2@example.org>,spring,{NOW.isoformat()}\n"
        f"b@yahoo.com,news@example.org,<3@example.org>,,{NOW.isoformat()}\n"
    )
    first = json.loads(invoke(database_url, "record-sends", str(csv_file), "--json").stdout)
    assert first == {"recorded": 2, "duplicates": 0, "quarantined": 1, "unavailable": 0}
    again = json.loads(invoke(database_url, "record-sends", str(csv_file), "--json").stdout)
    assert (again["recorded"], again["duplicates"]) == (0, 2)
    lines = tmp_path / "sends.jsonl"
    lines.write_text(
        json.dumps(
            {
                "recipient": "c@icloud.com",
                "message_id": "<4@example.org>",
                "sender": "news@example.org",
                "configuration_set": "marketing",
                "sent_at": NOW.isoformat(),
            }
        )
        + "\n{broken\n"
    )
    text = invoke(database_url, "record-sends", str(lines)).stdout
    assert "1 sends recorded, 0 already known, 1 lines quarantined" in text
    with Service.open(settings) as service:
        held = service.quarantine.entries()
        reasons = sorted(entry.reason for entry in held)
        assert reasons[0].startswith("line 2: not JSON")
        assert reasons[1].startswith("line 3: recipient") and "not an email address" in reasons[1]
        record(service, [_delivery(1, NOW)])  # the send's own delivery: not a second send
        [sender] = service.health.rates(NOW + timedelta(hours=1))
    assert (sender.counts.sends, sender.counts.deliveries) == (3, 1)


def _delivery(number: int, at: datetime, *, kind: Kind = Kind.DELIVERY) -> FeedbackEvent:
    hard = kind is Kind.BOUNCE
    return FeedbackEvent(
        kind=kind,
        recipient="a@gmail.com" if number == 1 else f"user{number}@gmail.com",
        severity=Severity.HARD if hard else Severity.NONE,
        reason=Reason.USERUNKNOWN if hard else Reason.DELIVERED,
        dedupe_key=f"cli-health:{number}",
        occurred_at=at,
        source="test",
        sender="news@example.org",
        message_id=f"<{number}@example.org>",
    )


def test_stats_per_sender_and_alerts(database_url: str, settings: Settings) -> None:
    with Service.open(settings) as service:
        events = [_delivery(n, NOW - timedelta(days=n % 3, hours=1)) for n in range(10, 310)]
        events += [_delivery(n, NOW - timedelta(hours=2), kind=Kind.BOUNCE) for n in range(400, 1400)]
        events += [_delivery(n, NOW - timedelta(hours=2)) for n in range(2000, 2400)]
        record(service, events)
        service.run_due_jobs(NOW)
    data = json.loads(
        invoke(database_url, "stats", "--since", "3d", "--now", NOW.isoformat(), "--json").stdout
    )
    [sender] = data["senders"]
    assert sender["sender_identity"] == "news@example.org"
    assert sender["counts"]["sends"] == 1700 and sender["counts"]["hard"] == 1000
    assert [day["sends"] for day in sender["days"]] == [0, 100, 100, 1500]
    assert sender["bounce_rate"] == 1000 / 1700
    assert {alert["level"] for alert in data["open_alerts"]} == {"warning", "review", "pause_advised"}
    text = invoke(database_url, "stats", "--since", "3d", "--now", NOW.isoformat()).stdout
    row = next(line for line in text.splitlines() if "news@example.org" in line and "58.82%" in line)
    assert row.endswith("▁▁▁█") and "open alerts: 3" in text

    listed = json.loads(invoke(database_url, "alerts", "list", "--json").stdout)
    pause = next(alert for alert in listed if alert["pause_advised"])
    acknowledged = json.loads(invoke(database_url, "alerts", "ack", str(pause["id"]), "--json").stdout)
    assert acknowledged["acknowledged_by"].startswith("cli")
    assert "ack by cli" in invoke(database_url, "alerts", "list", "--open").stdout
    missing = invoke(database_url, "alerts", "ack", "999999", code=1)
    assert "no alert with id 999999" in missing.output
    assert invoke(database_url, "stats", "--since", "a week", code=2).exit_code == 2


def test_record_sends_refuses_or_quarantines_hostile_files(
    database_url: str, tmp_path: Path, settings: Settings
) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
    result = invoke(database_url, "record-sends", str(deep), "--json")
    assert json.loads(result.stdout) == {"recorded": 0, "duplicates": 0, "quarantined": 1, "unavailable": 0}
    with Service.open(settings) as service:
        [held] = service.quarantine.entries()
    assert held.reason == "line 1: not JSON: nested too deeply"

    refused = {
        "wide.csv": ("recipient,sender\n" + '"' + "x" * 200_000 + '",news@example.org\n').encode(),
        "latin1.csv": b"recipient\nb\xe9@example.org\n",
        "long-line.jsonl": b'{"recipient": "' + b"y" * (2 * 1024 * 1024) + b'"}\n',
    }
    expected = {
        "wide.csv": ":2: a field is longer than 128 KiB",
        "latin1.csv": ":2: not UTF-8 (byte 0xe9 at column 2)",
        "long-line.jsonl": ":1: line longer than 1024 KiB",
    }
    for name, data in refused.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = invoke(database_url, "record-sends", str(path), code=1)
        assert f"{path}{expected[name]}" in result.output, result.output
        assert "Traceback" not in result.output
    with Service.open(settings) as service:
        assert len(service.quarantine.entries()) == 1  # nothing of the refused files kept or counted
        assert service.health.rates(NOW) == []
