"""Counters fed by real inputs: SES Send and Delivery events, PowerMTA accounting records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from bouncewarden.cli import main
from bouncewarden.config import Settings
from bouncewarden.service import Service
from store_helpers import connect

SAMPLES = Path(__file__).parents[1] / "samples"
_COLUMNS = (
    "sender_identity, provider, configuration_set, sends, deliveries, hard, soft, complaints, sender_side"
)


def ingest(database_url: str, *arguments: str, code: int = 0) -> None:
    result = CliRunner().invoke(main, ["ingest", *arguments, "--db", database_url], catch_exceptions=False)
    assert result.exit_code == code, result.output


def counters(settings: Settings) -> list[tuple[object, ...]]:
    with Service.open(settings) as service, connect(service) as connection:
        query = f"SELECT {_COLUMNS} FROM hourly_counters ORDER BY sender_identity, provider, hour"
        return [tuple(row) for row in connection.execute(sa.text(query))]


def test_an_ses_send_and_its_delivery_are_one_send(
    database_url: str, settings: Settings, tmp_path: Path
) -> None:
    events = SAMPLES / "ses" / "event"
    send = json.loads((events / "send.json").read_text())
    delivery = json.loads((events / "delivery.json").read_text())
    delivery["mail"]["messageId"] = send["mail"]["messageId"]  # the delivery of that very message
    (tmp_path / "send.json").write_text(json.dumps(send))
    (tmp_path / "delivery.json").write_text(json.dumps(delivery))
    shutil.copy(events / "bounce-permanent-general.json", tmp_path)  # no Send seen: the bounce is one
    ingest(database_url, str(tmp_path))
    rows = counters(settings)
    assert sum(row[3] for row in rows) == 2  # type: ignore[misc]
    assert {row[:3] for row in rows} == {("digest@news.example.com", "other", "bw-marketing")}
    assert [sum(row[index] for row in rows) for index in range(4, 9)] == [1, 1, 0, 0, 0]  # type: ignore[misc]


def test_powermta_records_count_by_virtual_mta(database_url: str, settings: Settings) -> None:
    accounting = SAMPLES / "pmta" / "acct-2026-12-05-2100.csv"
    ingest(database_url, "--format", "pmta", str(accounting), code=3)  # the sample has broken rows too
    rows = counters(settings)
    assert rows and all(str(row[0]).startswith("vmta:") for row in rows)
    sends, deliveries, hard, soft, _, sender_side = (sum(row[i] for row in rows) for i in range(3, 9))  # type: ignore[misc]
    assert deliveries == 1 and hard >= 1
    # No Send records in an accounting file: each message's first outcome is its send.
    assert sends == deliveries + hard + soft + sender_side
