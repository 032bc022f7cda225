"""Bad input through `bouncewarden ingest`: each one quarantined with a reason, the run goes on.

One run over a folder mixing good feedback with a truncated bounce, binary junk, an empty
file, a header line of several MB, a UTF-16 message, malformed SES JSON (cut short, and
whole but naming no recipient). Checked through `stats --json` and the stored quarantine
rows, whose raw bytes must be the file's bytes.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from bouncewarden.cli import main
from bouncewarden.config import Settings
from bouncewarden.parse.email_checks import MAX_HEADER_LINE
from bouncewarden.service import Service
from feedback_files import dsn, ses_bounce, ses_complaint
from shared_files import SES_SAMPLES
from store_helpers import connect

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def _bad_inputs() -> dict[str, tuple[bytes, str]]:
    """File name -> (bytes, words expected in the quarantine reason)."""
    whole = dsn("cut@example.org", T0)
    truncated = whole[: whole.index(b"Content-Type: message/delivery-status")]
    huge = b"From: MAILER-DAEMON@example.org\nX-Junk: " + b"A" * (4 * 1024 * 1024) + b"\n\nbody\n"
    utf16 = dsn("wide@example.org", T0).decode().encode("utf-16")
    no_recipient = json.loads(ses_bounce("nobody@example.com", T0))
    del no_recipient["bounce"]["bouncedRecipients"]
    return {
        "truncated.eml": (truncated, "truncated"),
        "junk.bin": (random.Random(7).randbytes(3000), "NUL bytes"),
        "empty.eml": (b"", "empty input"),
        "huge-header.eml": (huge, f"{MAX_HEADER_LINE}-byte limit"),
        "utf16.eml": (utf16, "NUL bytes"),
        "malformed.json": ((SES_SAMPLES / "sqs" / "body-malformed.txt").read_bytes(), "not valid JSON"),
        "no-recipient.json": (json.dumps(no_recipient).encode(), "names no recipient"),
    }


def test_bad_inputs_are_quarantined_and_the_run_goes_on(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    bad = _bad_inputs()
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    # Good input around the bad, including an 8-bit (latin-1) bounce, which is no reason to refuse.
    (folder / "a-hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    (folder / "z-complaint.json").write_bytes(ses_complaint("angry@example.com", T0))
    latin1 = dsn("jose@example.org", T0, diagnostic="550 5.1.1 Destinatario desconocido: José").decode()
    (folder / "m-latin1.eml").write_bytes(latin1.encode("latin-1"))

    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", "--json", str(folder), "--db", database_url], catch_exceptions=False
    )
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["inputs"] == len(bad) + 3
    assert summary["quarantined"] == len(bad)
    assert summary["hard"] == 2 and summary["complaints"] == 1
    for name in bad:
        assert f"quarantined {folder / name}: " in result.stderr

    stats = runner.invoke(main, ["stats", "--json", "--db", database_url], catch_exceptions=False)
    assert json.loads(stats.stdout)["quarantined"] == len(bad)
    check = runner.invoke(
        main,
        ["check", "hard@example.com", "angry@example.com", "jose@example.org", "--db", database_url],
        catch_exceptions=False,
    )
    assert check.stdout.splitlines() == [
        "hard@example.com\tsuppressed\thard_bounce",
        "angry@example.com\tsuppressed\tcomplaint",
        "jose@example.org\tsuppressed\thard_bounce",
    ]

    with Service.open(Settings(database_url=database_url)) as service:
        with connect(service) as connection:
            rows = connection.execute(sa.text("SELECT id, reason FROM quarantine ORDER BY id")).all()
        kept = {service.quarantine.raw(int(row[0])): str(row[1]) for row in rows}
    assert len(rows) == len(bad)
    for name, (data, words) in bad.items():
        assert data in kept, name
        assert words in kept[data], (name, kept[data])


def test_exit_status_is_zero_when_nothing_was_quarantined(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "hard.json"
    path.write_bytes(ses_bounce("hard@example.com", T0))
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", database_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "quarantined:         0" in result.stdout


def test_missing_path_is_misuse(database_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "absent"), "--db", database_url])
    assert result.exit_code == 2
    assert "does not exist" in result.output
