"""`bouncewarden ingest` over the whole shared SES sample folder, on SQLite and PostgreSQL.

Each recipient must end in the state its row in the samples' README implies. The SNS bodies
in `sns/` are read as the operator's own files: `ingest` trusts local files, signatures are
checked where feedback arrives over the network (`POST /sns/ses`, tests/api).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from shared_files import SES_SAMPLES

# address -> the line `bouncewarden check` prints for it after the whole folder is ingested.
EXPECTED = {
    # Permanent/General with a 5.1.1 DSN (notification, event and SNS copies).
    "dana.whitfield@example.org": "suppressed\thard_bounce",
    # A 5.7.1 blocklist refusal is about the sender: the recipient stays mailable.
    "sales@example.net": "active",
    "team-a@example.org": "suppressed\thard_bounce",
    "team-b@example.org": "suppressed\thard_bounce",
    "li.wei@example.net": "suppressed\thard_bounce",
    # SES did not send (account suppression list): the address is suppressed there and here.
    "k.osei@example.org": "suppressed\thard_bounce",
    "old.account@example.com": "suppressed\thard_bounce",
    # Content and attachment refusals and a too-large message: sender-side.
    "billing@example.com": "active",
    "info@example.org": "active",
    "archive@example.net": "active",
    # SES reports an out-of-office reply as a Transient bounce: not a failure.
    "h.tanaka@example.com": "active",
    # Expired retries and a delivery delay: soft, on the retry schedule.
    "ops@example.org": "soft",
    # A non-existent domain reported as Transient 5.4.4: hard.
    "jordan@example.invalid": "suppressed\thard_bounce",
    "grace.holm@example.com": "soft",
    "someone@example.net": "soft",
    "r.iyer@example.com": "suppressed\tcomplaint",
    "amy.chen@example.net": "suppressed\tcomplaint",
    "ben.adeyemi@example.net": "suppressed\tcomplaint",
    # A not-spam report takes a complaint back: it never suppresses.
    "t.novak@example.org": "active",
    "former.customer@example.com": "suppressed\tcomplaint",
    # Sends, deliveries, opens, clicks, rendering failures, subscriptions.
    "marco.ruiz@example.org": "active",
    "priya.n@example.net": "active",
    # The recipient written into the tampered SNS body (see the module docstring).
    "ceo@example.com": "suppressed\thard_bounce",
}


def run(database_url: str, *arguments: str) -> Result:
    return CliRunner().invoke(main, [*arguments, "--db", database_url], catch_exceptions=False)


def counters(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT sum(sends), sum(deliveries), sum(hard), sum(soft), sum(complaints),"
                    " sum(sender_side) FROM hourly_counters"
                )
            ).one()
    finally:
        engine.dispose()
    return dict(zip(("sends", "deliveries", "hard", "soft", "complaints", "sender_side"), row, strict=True))


def test_every_recipient_ends_in_the_state_the_readme_implies(database_url: str) -> None:
    first = run(database_url, "ingest", str(SES_SAMPLES), "--json")
    # README, FACTS.md, certificates, header files and the malformed body are quarantined.
    assert first.exit_code == 3
    summary = json.loads(first.stdout)
    assert summary["quarantined"] > 0 and summary["new_events"] > 0
    lines = run(database_url, "check", *EXPECTED).stdout.splitlines()
    assert dict(line.split("\t", 1) for line in lines) == EXPECTED

    # Ingesting the folder again adds nothing and changes nothing.
    again = json.loads(run(database_url, "ingest", str(SES_SAMPLES), "--json").stdout)
    assert again["new_events"] == 0
    assert run(database_url, "check", *EXPECTED).stdout.splitlines() == lines


def test_account_suppression_list_bounces_stay_out_of_the_rates(database_url: str) -> None:
    notifications = SES_SAMPLES / "notification"
    run(database_url, "ingest", str(notifications / "bounce-permanent-noemail.json"))
    run(database_url, "ingest", str(notifications / "bounce-permanent-onaccountsuppressionlist.json"))
    assert counters(database_url)["hard"] == 1
    assert (
        run(database_url, "check", "k.osei@example.org").stdout
        == "k.osei@example.org\tsuppressed\thard_bounce\n"
    )


def _as_configuration_set_event(notification: dict[str, object]) -> dict[str, object]:
    """The same failure as event publishing reports it: another feedback id, tags, eventType."""
    event = copy.deepcopy(notification)
    kind = event.pop("notificationType")
    event["eventType"] = kind
    payload = event[str(kind).lower()]
    assert isinstance(payload, dict)
    payload["feedbackId"] = "0100019b00000000-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee-000000"
    mail = event["mail"]
    assert isinstance(mail, dict)
    mail["tags"] = {"ses:configuration-set": ["bw-marketing"]}
    return event


def test_one_failure_reported_in_both_formats_counts_once(database_url: str, tmp_path: Path) -> None:
    for name in ("bounce-permanent-general.json", "complaint-abuse-with-feedback.json"):
        notification = json.loads((SES_SAMPLES / "notification" / name).read_text())
        (tmp_path / f"notification-{name}").write_text(json.dumps(notification))
        (tmp_path / f"event-{name}").write_text(json.dumps(_as_configuration_set_event(notification)))
    summary = json.loads(run(database_url, "ingest", str(tmp_path), "--json").stdout)
    assert (summary["new_events"], summary["duplicates"]) == (2, 2)
    rates = counters(database_url)
    assert (rates["hard"], rates["soft"], rates["complaints"], rates["sender_side"]) == (1, 0, 1, 0)
    history = json.loads(run(database_url, "history", "dana.whitfield@example.org", "--json").stdout)
    assert len(history["events"]) == 1
