"""`/v1` address routes over HTTP: check, history with evidence, suppress and lift, blocks, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from api.conftest import LiveApi
from bouncewarden.store.tokens import Scope

HARD_BOUNCE = Path(__file__).parents[1] / "samples" / "real" / "postfix" / "unknown-gmail.eml"
HARD_ADDRESS = "unknown-gmail@example.com"


def test_a_posted_bounce_is_checked_shown_with_evidence_and_lifted(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        posted = http.post(
            "/v1/events", content=HARD_BOUNCE.read_bytes(), headers={"Content-Type": "message/rfc822"}
        )
        assert posted.json() == {"outcome": "recorded", "new_events": 1, "duplicates": 0}
        check = http.post(
            "/v1/check", json={"addresses": [HARD_ADDRESS.upper(), "fresh@example.org", "nope"]}
        )
        assert check.json()["results"] == [
            {
                "address": HARD_ADDRESS.upper(),
                "state": "suppressed",
                "reason": "hard_bounce",
                "suppressed": True,
            },
            {"address": "fresh@example.org", "state": "active", "reason": None, "suppressed": False},
            {"address": "nope", "state": "invalid", "reason": "no @", "suppressed": False},
        ]
        history = http.get(f"/v1/addresses/{HARD_ADDRESS}").json()
        assert history["state"] == "suppressed"
        (event,) = history["events"]
        assert (event["reason"], event["severity"], event["status"]) == ("userunknown", "hard", "5.1.1")
        assert history["transitions"][0]["to_state"] == "suppressed"
        evidence = http.get(f"/v1/evidence/{event['evidence_id']}").json()
        assert HARD_ADDRESS in evidence["text"] and evidence["media_type"] == "message/rfc822"
        assert http.get("/v1/evidence/999999").status_code == 404
        lifted = http.post("/v1/suppressions/lift", json={"addresses": [HARD_ADDRESS], "note": "fixed"})
        assert lifted.json() == {"changed": [HARD_ADDRESS], "unchanged": 0, "invalid": []}
        trail = http.get(f"/v1/addresses/{HARD_ADDRESS}").json()["transitions"]
        token_id = next(t.id for t in live.backend.tokens.list() if t.scope is Scope.WRITE)
        assert (trail[-1]["actor"], trail[-1]["note"], trail[-1]["to_state"]) == (
            f"token:{token_id}",
            "fixed",
            "active",
        )
        audit = http.get("/v1/audit").json()["items"]
        assert (audit[0]["action"], audit[0]["target"], audit[0]["note"]) == ("lift", HARD_ADDRESS, "fixed")


def test_suppress_many_list_filter_and_export(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        addresses = ["a@example.com", "b@example.com", "c@example.org", "bad address"]
        done = http.post("/v1/suppressions", json={"addresses": addresses, "note": "ticket 7"}).json()
        http.post("/v1/suppressions", json={"addresses": ["d@example.net"], "note": "=HYPERLINK(1)"})
        assert done == {"changed": addresses[:3], "unchanged": 0, "invalid": ["bad address"]}
        again = http.post("/v1/suppressions", json={"addresses": addresses[:1], "note": "again"}).json()
        assert again == {"changed": [], "unchanged": 1, "invalid": []}
        listed = http.get("/v1/suppressions", params={"domain": "example.com"}).json()
        assert [item["address"] for item in listed["items"]] == ["a@example.com", "b@example.com"]
        assert listed["items"][0]["note"] == "ticket 7" and listed["next_cursor"] is None
        assert http.get("/v1/suppressions", params={"text": "nothing like it"}).json()["items"] == []
        exported = http.get("/v1/suppressions/export", params={"domain": "example.org"})
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(row["address"], row["reason"], row["note"]) for row in rows] == [
            ("c@example.org", "manual", "ticket 7")
        ]
        lines = http.get("/v1/suppressions/export", params={"format": "jsonl"}).text.splitlines()
        assert sorted(json.loads(line)["address"] for line in lines) == [*addresses[:3], "d@example.net"]
        dangerous = http.get("/v1/suppressions/export", params={"domain": "example.net"}).text
        (row,) = csv.DictReader(io.StringIO(dangerous))
        assert row["note"] == "'=HYPERLINK(1)"
        assert http.get("/v1/suppressions", params={"cursor": "!!"}).status_code == 400


def test_a_domain_and_a_pattern_suppress_every_address_they_cover(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        domain = http.post("/v1/blocks", json={"kind": "domain", "value": "Spam.Example", "note": "trap"})
        assert domain.status_code == 201 and domain.json()["value"] == "spam.example"
        pattern = http.post("/v1/blocks", json={"kind": "pattern", "value": "noreply-*@example.net"})
        assert pattern.status_code == 201
        assert http.post("/v1/blocks", json={"kind": "domain", "value": "not a domain"}).status_code == 422
        check = http.post(
            "/v1/check",
            json={
                "addresses": [
                    "x@spam.example",
                    "y@mx.spam.example",
                    "noreply-7@example.net",
                    "ok@example.net",
                ]
            },
        ).json()["results"]
        assert [(r["state"], r["reason"]) for r in check] == [
            ("suppressed", "domain"), ("suppressed", "domain"), ("suppressed", "pattern"), ("active", None),
        ]  # fmt: skip
        listed = http.get("/v1/blocks").json()["items"]
        assert [(item["kind"], item["value"]) for item in listed] == [
            ("domain", "spam.example"), ("pattern", "noreply-*@example.net"),
        ]  # fmt: skip
        assert http.delete(f"/v1/blocks/{listed[0]['id']}", params={"note": "done"}).status_code == 200
        assert http.delete(f"/v1/blocks/{listed[0]['id']}").status_code == 404
        after = http.post("/v1/check", json={"addresses": ["x@spam.example"]}).json()["results"]
        assert after[0]["state"] == "active"


def test_check_takes_ten_thousand_addresses_and_refuses_more(live: LiveApi) -> None:
    addresses = [f"user{number}@example.com" for number in range(10_000)]
    live.backend.service.admin.suppress(addresses[::1000], note=None, actor="test")
    with live.client(Scope.READ) as http:
        results = http.post("/v1/check", json={"addresses": addresses}).json()["results"]
        assert len(results) == 10_000
        assert [r["address"] for r in results if r["suppressed"]] == addresses[::1000]
        assert http.post("/v1/check", json={"addresses": [*addresses, "one@example.com"]}).status_code == 422
        assert http.post("/v1/check", json={"addresses": []}).status_code == 422


def test_a_long_export_streams_every_row_once_with_one_header(live: LiveApi) -> None:
    from datetime import UTC, datetime

    from bouncewarden.store.queries import Suppression

    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    rows = (Suppression(f"user{n}@example.com", "imported", stamp, None, "test") for n in range(12_345))
    live.backend.service.admin.import_suppressions(rows, label="bulk", actor="test")
    with live.client(Scope.READ) as http:
        exported = http.get("/v1/suppressions/export").text
        lines = exported.splitlines()
        assert lines[0] == "address,reason,created_at,note,source" and len(lines) == 12_346
        assert len({line.split(",")[0] for line in lines[1:]}) == 12_345
        pages, cursor = 0, None
        while True:
            page = http.get(
                "/v1/suppressions", params={"limit": 1000} | ({"cursor": cursor} if cursor else {})
            )
            pages += 1
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert pages == 13
