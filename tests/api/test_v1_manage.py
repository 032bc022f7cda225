"""`/v1` rules, quarantine, stats and admin routes over HTTP."""

from __future__ import annotations

from api.conftest import LiveApi
from api.test_v1_addresses import HARD_BOUNCE
from bouncewarden.store.tokens import Scope


def test_rules_add_test_list_remove(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        added = http.post(
            "/v1/rules", json={"rule": r"550 5\.7\.1 Unfortunately ==> hard userunknown", "note": "t42"}
        )
        assert added.status_code == 201
        rule_id = added.json()["id"]
        assert http.post("/v1/rules", json={"rule": "no arrow here"}).status_code == 422
        tried = http.post(
            "/v1/rules/test",
            json={"diagnostic": "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent"},
        ).json()
        assert tried["rule_id"] == rule_id and (tried["reason"], tried["severity"]) == ("userunknown", "hard")
        assert tried["without_rules"]["severity"] != "hard"
        assert [rule["id"] for rule in http.get("/v1/rules").json()["items"]] == [rule_id]
        assert http.delete(f"/v1/rules/{rule_id}").status_code == 200
        assert http.delete(f"/v1/rules/{rule_id}").status_code == 404
        actions = [entry["action"] for entry in http.get("/v1/audit").json()["items"]]
        assert actions[:2] == ["rule_remove", "rule_add"]


def test_rules_list_counts_the_events_each_rule_decided(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        rule = {"rule": r"tried to reach does not exist ==> soft mailboxfull", "note": "hit me"}
        rule_id = http.post("/v1/rules", json=rule).json()["id"]
        unused = http.post("/v1/rules", json={"rule": "never said anywhere ==> hard"}).json()["id"]
        before = {item["id"]: item for item in http.get("/v1/rules").json()["items"]}
        assert before[rule_id]["hits"] == 0 and before[rule_id]["last_hit_at"] is None
        assert http.post("/v1/events", content=HARD_BOUNCE.read_bytes()).status_code in (200, 201)
        after = {item["id"]: item for item in http.get("/v1/rules").json()["items"]}
        assert after[rule_id]["hits"] == 1 and after[rule_id]["last_hit_at"] is not None
        assert after[unused]["hits"] == 0


def test_quarantine_list_and_show_and_stats(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        http.post(
            "/v1/events",
            content=b"\x00\x01binary, no mail",
            headers={"Content-Type": "message/rfc822"},
        )
        http.post("/v1/events", content=HARD_BOUNCE.read_bytes())
        listed = http.get("/v1/quarantine").json()
        assert listed["total"] == 1
        shown = http.get(f"/v1/quarantine/{listed['items'][0]['id']}").json()
        assert shown["source"] == "api" and "binary" in shown["text"]
        assert http.get("/v1/quarantine/999999").status_code == 404
        stats = http.get("/v1/stats").json()
        assert stats["events"]["bounce"]["hard"] == 1 and stats["events_by_reason"] == {"userunknown": 1}
        assert stats["quarantine"]["total"] == 1 and stats["alerts"] == []
        # The sample's bounce is older than the rolling window: no sender has counts in it.
        assert stats["rates"] == []


def test_admin_scope_manages_tokens_users_and_reads_settings(live: LiveApi) -> None:
    with live.client(Scope.ADMIN) as http:
        created = http.post("/v1/tokens", json={"scope": "read", "name": "reporting"}).json()
        listed = http.get("/v1/tokens").json()["items"]
        assert created["token"] not in str(listed)
        assert any(item["id"] == created["id"] and item["name"] == "reporting" for item in listed)
        assert http.delete(f"/v1/tokens/{created['id']}").status_code == 200
        assert http.delete(f"/v1/tokens/{created['id']}").status_code == 404
        user = {"username": "carol", "password": "correct horse battery", "role": "operator"}
        assert http.post("/v1/users", json=user).status_code == 201
        assert http.post("/v1/users", json=user).status_code == 409
        users = http.get("/v1/users").json()["items"]
        assert [(u["username"], u["role"]) for u in users] == [("carol", "operator")]
        assert "password" not in str(users)
        assert http.delete("/v1/users/carol").status_code == 200
        settings = http.get("/v1/settings").json()
        assert settings["policy"]["max_attempts"] == 5 and "database_url" in settings


def test_rules_are_tried_in_the_order_set(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        first = http.post("/v1/rules", json={"rule": "mailbox unavailable ==> soft mailboxfull"}).json()["id"]
        second = http.post("/v1/rules", json={"rule": "mailbox ==> hard userunknown"}).json()["id"]
        diagnostic = {"diagnostic": "550 mailbox unavailable"}
        assert http.post("/v1/rules/test", json=diagnostic).json()["rule_id"] == first
        assert http.put("/v1/rules/order", json={"ids": [second]}).status_code == 422
        assert http.put("/v1/rules/order", json={"ids": [second, first]}).json() == {"ids": [second, first]}
        assert http.post("/v1/rules/test", json=diagnostic).json()["rule_id"] == second
        third = http.post("/v1/rules", json={"rule": "unavailable ==> sender blocked"}).json()["id"]
        assert [rule["id"] for rule in http.get("/v1/rules").json()["items"]] == [second, first, third]
        assert http.get("/v1/audit").json()["items"][1]["action"] == "rule_order"


def test_a_quarantined_input_is_replayed_after_a_fix_or_dropped(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        broken = http.post("/v1/events", json={"events": [{"kind": "bounce"}]}).json()["quarantine_id"]
        garbage = http.post(
            "/v1/events", content=b"\x00\x01 junk", headers={"Content-Type": "message/rfc822"}
        )
        junk = garbage.json()["quarantine_id"]
        assert {item["id"] for item in http.get("/v1/quarantine").json()["items"]} == {broken, junk}
        still = http.post(f"/v1/quarantine/{junk}/replay").json()
        assert still["outcome"] == "quarantined"
        assert http.post(f"/v1/quarantine/{junk}/drop", json={"note": "junk"}).json() == {"dropped": junk}
        assert http.post(f"/v1/quarantine/{junk}/drop", json={"note": "again"}).status_code == 404
        held = http.get("/v1/quarantine").json()
        assert [item["id"] for item in held["items"]] == [broken] and held["total"] == 1
        dropped = http.get("/v1/quarantine", params={"state": "dropped"}).json()["items"]
        assert [(item["id"], item["state"]) for item in dropped] == [(junk, "dropped")]
        assert http.post("/v1/quarantine/999999/replay").status_code == 404
        actions = [entry["action"] for entry in http.get("/v1/audit").json()["items"]]
        assert actions[:2] == ["quarantine_drop", "quarantine_replay"]
