"""`/v1` feedback routes over HTTP: bounce records with filters and cursors, POST events and sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.conftest import LiveApi
from api.test_v1_addresses import HARD_ADDRESS, HARD_BOUNCE
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.store.tokens import Scope
from shared_files import SES_SAMPLES
from store_helpers import record

SES_BOUNCE = SES_SAMPLES / "notification" / "bounce-permanent-noemail.json"
START = datetime(2025, 11, 1, tzinfo=UTC)


def _soft(number: int) -> FeedbackEvent:
    domain = "example.com" if number % 2 else "example.org"
    return FeedbackEvent(
        kind=Kind.BOUNCE,
        recipient=f"user{number}@{domain}",
        severity=Severity.SOFT,
        reason=Reason.MAILBOXFULL,
        dedupe_key=f"test:{number}",
        occurred_at=START + timedelta(minutes=number),
        source="test",
        status="4.2.2",
        diagnostic=f"452 4.2.2 mailbox {number} is full" + (" quota" if number % 10 == 0 else ""),
    )


def test_ten_thousand_records_page_by_cursor_without_gaps_or_repeats(live: LiveApi) -> None:
    record(live.backend.service, [_soft(number) for number in range(10_000)])
    seen: list[int] = []
    with live.client(Scope.READ) as http:
        cursor = None
        while True:
            params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
            page = http.get("/v1/events", params=params).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 10_000 and len(set(seen)) == 10_000 and seen == sorted(seen, reverse=True)
        filtered = http.get(
            "/v1/events",
            params={"domain": "example.org", "text": "QUOTA", "reason": "mailboxfull", "severity": "soft",
                    "state": "soft", "since": (START + timedelta(minutes=5000)).isoformat(), "limit": 1000},
        ).json()["items"]  # fmt: skip
        # Even numbers are example.org; of those, multiples of 10 say "quota"; from minute 5000 on.
        assert sorted(int(item["address"][4:].split("@")[0]) for item in filtered) == list(
            range(5000, 10_000, 10)
        )
        assert http.get("/v1/events", params={"source": "elsewhere"}).json()["items"] == []
        assert http.get("/v1/events", params={"cursor": "bm90IGEgY3Vyc29y"}).status_code == 400


def test_post_events_reads_dsn_ses_and_canonical_events_through_one_road(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        dsn = http.post(
            "/v1/events", content=HARD_BOUNCE.read_bytes(), headers={"Content-Type": "message/rfc822"}
        )
        assert dsn.json()["new_events"] == 1
        again = http.post("/v1/events", content=HARD_BOUNCE.read_bytes())
        assert again.json() == {"outcome": "duplicate", "new_events": 0, "duplicates": 1}
        ses = http.post(
            "/v1/events", content=SES_BOUNCE.read_bytes(), headers={"Content-Type": "application/json"}
        )
        assert ses.json()["new_events"] == 1
        canonical = {
            "events": [
                {"kind": "complaint", "recipient": "Angry@Example.com", "reason": "feedback",
                 "occurred_at": "2025-11-30T10:00:00Z", "feedback_type": "abuse"},
            ]
        }  # fmt: skip
        assert http.post("/v1/events", json=canonical).json()["new_events"] == 1
        assert http.post("/v1/events", json=canonical).json()["outcome"] == "duplicate"
        garbage = http.post(
            "/v1/events", content=b"\x00\x01 not mail", headers={"Content-Type": "message/rfc822"}
        )
        assert garbage.status_code == 202 and garbage.json()["outcome"] == "quarantined"
        broken = http.post("/v1/events", json={"events": [{"kind": "bounce"}]})
        assert broken.status_code == 422 and broken.json()["quarantine_id"] >= 1
        assert http.post("/v1/events", content=b"").status_code == 400
        results = http.post(
            "/v1/check", json={"addresses": [HARD_ADDRESS, "li.wei@example.net", "angry@example.com"]}
        ).json()["results"]
        assert [(r["state"], r["reason"]) for r in results] == [
            ("suppressed", "hard_bounce"), ("suppressed", "hard_bounce"), ("suppressed", "complaint"),
        ]  # fmt: skip
        assert http.get("/v1/quarantine").json()["total"] == 2


def test_sends_are_counted_once(live: LiveApi) -> None:
    sends = {
        "sends": [
            {
                "recipient": "a@example.com",
                "message_id": "<m1@example.com>",
                "sent_at": "2025-11-30T08:00:00Z",
            },
            {
                "recipient": "b@example.com",
                "message_id": "<m1@example.com>",
                "sent_at": "2025-11-30T08:00:00Z",
            },
        ]
    }
    with live.client(Scope.WRITE) as http:
        assert http.post("/v1/sends", json=sends).json()["new_events"] == 2
        assert http.post("/v1/sends", json=sends).json() == {
            "outcome": "duplicate",
            "new_events": 0,
            "duplicates": 2,
        }
        daily = http.get("/v1/stats", params={"days": 3}).json()["daily"]
        assert {day["day"]: day["sends"] for day in daily}["2025-11-30"] == 2
        assert http.get("/v1/events", params={"kind": "send"}).json()["items"][0]["kind"] == "send"


def test_nul_characters_and_impossible_recipients_are_refused_not_stored(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        assert (
            http.post("/v1/sends", json={"sends": [{"recipient": "a\x00b@example.com"}]}).status_code == 422
        )
        assert http.post("/v1/sends", json={"sends": [{"recipient": "not an address"}]}).status_code == 422
        note = {"addresses": ["a@example.com"], "note": "x\x00y"}
        assert http.post("/v1/suppressions", json=note).status_code == 422
        assert http.get("/v1/suppressions", params={"source": "a\x00"}).status_code == 400
        assert http.get("/v1/events", params={"text": "\x00"}).status_code == 400
        assert http.get("/v1/evidence/99999999999999999999").status_code == 422
        assert http.get("/v1/stats").json()["events"] == {}


def test_json_nested_too_deeply_is_quarantined_not_500(live: LiveApi) -> None:
    nested = b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with live.client(Scope.WRITE) as http:
        deep = http.post("/v1/events", content=nested, headers={"Content-Type": "application/json"})
        assert deep.status_code == 202
        assert deep.json()["outcome"] == "quarantined"
        assert "nested too deeply" in deep.json()["reason"]
        assert http.get("/v1/quarantine").json()["total"] == 1
