"""The admin UI over HTTP (no browser): sign-in, roles, CSRF, rate limit, cookies, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from api.conftest import LiveApi
from api.test_v1_addresses import HARD_ADDRESS, HARD_BOUNCE
from bouncewarden.store.users import Role

PASSWORD = "a password of some length"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@contextmanager
def sign_in(live: LiveApi, username: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base, follow_redirects=True, timeout=60) as browser:
        page = browser.get("/")
        form = {"csrf": _csrf(page.text), "username": username, "password": password}
        answer = browser.post("/login", data=form)
        assert answer.status_code == 200 and "Dashboard" in answer.text, answer.text
        yield browser


@pytest.fixture
def people(live: LiveApi) -> Iterator[LiveApi]:
    for name, role in (("ada", Role.ADMINISTRATOR), ("otto", Role.OPERATOR), ("vera", Role.VIEWER)):
        live.backend.users.add(name, PASSWORD, role)
    yield live


def _record_hard_bounce(live: LiveApi) -> None:
    from bouncewarden.api.actions import Actions

    Actions(live.backend).ingest(HARD_BOUNCE.read_bytes(), origin="test")


def test_a_stranger_gets_the_login_page_and_no_page_behind_it(people: LiveApi) -> None:
    with httpx.Client(base_url=people.base) as browser:
        home = browser.get("/")
        assert home.status_code == 200 and 'action="/login"' in home.text
        assert "default-src 'none'" in home.headers["content-security-policy"]
        cookie = home.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        for path in (
            "/bounces",
            "/blocked",
            f"/address/{HARD_ADDRESS}",
            "/rules",
            "/settings",
            "/evidence/1",
        ):
            answer = browser.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/", path


def test_wrong_passwords_are_refused_then_rate_limited(people: LiveApi) -> None:
    with httpx.Client(base_url=people.base) as browser:
        token = _csrf(browser.get("/").text)
        for _ in range(5):
            wrong = browser.post("/login", data={"csrf": token, "username": "ada", "password": "guess"})
            assert wrong.status_code == 401 and "guess" not in wrong.text
        limited = browser.post("/login", data={"csrf": token, "username": "ada", "password": PASSWORD})
        assert limited.status_code == 429
        assert browser.post("/login", data={"username": "vera", "password": PASSWORD}).status_code == 403


def test_an_administrator_lifts_with_a_note_and_it_is_audited(people: LiveApi) -> None:
    _record_hard_bounce(people)
    with sign_in(people, "ada") as browser:
        page = browser.get(f"/address/{HARD_ADDRESS}")
        assert "userunknown" in page.text and 'id="lift"' in page.text and PASSWORD not in page.text
        browser.post(
            f"/address/{HARD_ADDRESS}/lift", data={"csrf": _csrf(page.text), "note": "customer called"}
        )
        after = browser.get(f"/address/{HARD_ADDRESS}").text
        assert 'id="state">active' in after and "user:ada" in after and "customer called" in after
        audit = browser.get("/audit").text
        assert "user:ada" in audit and "lift" in audit and HARD_ADDRESS in audit


def test_a_viewer_and_an_operator_cannot_lift(people: LiveApi) -> None:
    _record_hard_bounce(people)
    for name in ("vera", "otto"):
        with sign_in(people, name) as browser:
            page = browser.get(f"/address/{HARD_ADDRESS}")
            assert 'id="lift"' not in page.text
            refused = browser.post(
                f"/address/{HARD_ADDRESS}/lift", data={"csrf": _csrf(page.text), "note": "x"}
            )
            assert refused.status_code == 403
            assert browser.get("/settings").status_code == 403
    assert people.backend.service.admin.lookup([HARD_ADDRESS])[HARD_ADDRESS].is_suppressed


def test_a_form_without_the_session_csrf_token_is_refused(people: LiveApi) -> None:
    _record_hard_bounce(people)
    with sign_in(people, "ada") as browser:
        refused = browser.post(f"/address/{HARD_ADDRESS}/lift", data={"csrf": "forged", "note": "x"})
        assert refused.status_code == 403
    assert people.backend.service.admin.lookup([HARD_ADDRESS])[HARD_ADDRESS].is_suppressed


def test_bulk_clear_confirms_the_count_and_clears_only_soft_records(people: LiveApi) -> None:
    from bouncewarden.demo import load_demo

    load_demo(people.backend.service, now=people.backend.clock())
    soft_before = people.backend.service.admin.stats().addresses["soft"]
    suppressed_before = people.backend.service.admin.stats().addresses["suppressed"]
    assert soft_before > 0
    with sign_in(people, "otto") as browser:
        confirm = browser.get("/bulk", params={"action": "clear", "reason": "mailboxfull"})
        count = int(re.search(r'id="count">(\d+)<', confirm.text).group(1))  # type: ignore[union-attr]
        assert 0 < count <= soft_before
        form = {
            "csrf": _csrf(confirm.text),
            "action": "clear",
            "count": str(count),
            "reason": "mailboxfull",
            "note": "n",
        }
        assert browser.post("/bulk", data=form | {"count": "1"}).status_code == 403  # stale count
        assert browser.post("/bulk", data=form).status_code == 200
        assert browser.get("/bulk", params={"action": "lift"}).status_code == 403
    stats = people.backend.service.admin.stats().addresses
    assert stats["soft"] == soft_before - count and stats["suppressed"] == suppressed_before


def test_an_operator_adds_tests_and_moves_rules(people: LiveApi) -> None:
    with sign_in(people, "otto") as browser:
        page = browser.get("/rules")
        token = _csrf(page.text)
        browser.post("/rules", data={"csrf": token, "rule": "quota ==> soft mailboxfull", "note": ""})
        browser.post("/rules", data={"csrf": token, "rule": "over quota ==> hard userunknown", "note": ""})
        tried = browser.post("/rules/test", data={"csrf": token, "diagnostic": "552 over quota"})
        assert "by rule #1" in tried.text
        second = people.backend.service.rules.stored_rules()[1].id
        browser.post(f"/rules/{second}/up", data={"csrf": token})
        tried = browser.post("/rules/test", data={"csrf": token, "diagnostic": "552 over quota"})
        assert f"by rule #{second}" in tried.text
    with sign_in(people, "vera") as browser:
        page = browser.get("/rules")
        assert "Move up" not in page.text
        assert browser.post("/rules/1/up", data={"csrf": _csrf(page.text)}).status_code == 403


def test_the_address_page_names_the_rule_that_decides_a_diagnostic_today(people: LiveApi) -> None:
    _record_hard_bounce(people)
    with sign_in(people, "ada") as browser:
        assert "rule-hit" not in browser.get(f"/address/{HARD_ADDRESS}").text
        token = _csrf(browser.get("/rules").text)
        browser.post(
            "/rules", data={"csrf": token, "rule": "does not exist ==> hard userunknown", "note": ""}
        )
        rule_id = people.backend.service.rules.stored_rules()[0].id
        page = browser.get(f"/address/{HARD_ADDRESS}").text
        assert f"rule #{rule_id}</a> decides this diagnostic" in page
        # The rules page counts the events each rule decided as they were read: none yet.
        assert "<th>Decided</th>" in browser.get("/rules").text
        assert people.backend.service.rules.stored_rules()[0].hits == 0


def test_an_administrator_manages_users_and_revokes_tokens_without_seeing_one(people: LiveApi) -> None:
    with sign_in(people, "ada") as browser:
        page = browser.get("/people")
        assert all(secret not in page.text for secret in people.tokens.values())
        token = _csrf(page.text)
        form = {"csrf": token, "username": "nina", "role": "operator", "password": "long enough password"}
        assert browser.post("/people/users", data=form).status_code == 200
        assert browser.post("/people/users", data=form | {"password": "short"}).status_code == 403
        assert browser.post("/people/users/ada/remove", data={"csrf": token}).status_code == 403
        token_id = people.backend.tokens.list()[0].id
        browser.post(f"/people/tokens/{token_id}/revoke", data={"csrf": token})
        audit = browser.get("/audit").text
        assert "user_add" in audit and "token_revoke" in audit
    assert people.backend.tokens.list()[0].revoked_at is not None
    with sign_in(people, "nina", "long enough password") as browser:
        assert browser.get("/people").status_code == 403


def test_the_session_cookie_is_secure_behind_a_tls_proxy(people: LiveApi) -> None:
    with httpx.Client(base_url=people.base) as browser:
        plain = browser.get("/").headers["set-cookie"].lower()
        proxied = browser.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"].lower()
    assert all(part.strip() != "secure" for part in plain.split(";"))
    assert any(part.strip() == "secure" for part in proxied.split(";"))
