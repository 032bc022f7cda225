"""The admin UI in headless Chromium (Debian's `chromium`, driven by Playwright).

Signs in, finds a hard-bounced address, reads its evidence, lifts the suppression as an
administrator and sees it audited; a viewer cannot; the dashboard's charts are drawn from
the demo data. Screenshots of the main pages go to `tmp/artefacts/` at the project root (or
the folder named by BOUNCEWARDEN_ARTEFACTS). Without /usr/bin/chromium the tests are skipped,
unless CI is set: then they fail. `.ci/run` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.conftest import LiveApi
from api.test_v1_addresses import HARD_ADDRESS, HARD_BOUNCE
from bouncewarden.api.actions import Actions
from bouncewarden.demo import load_demo
from bouncewarden.store.users import Role

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(os.environ.get("BOUNCEWARDEN_ARTEFACTS") or Path(__file__).parents[2] / "tmp" / "artefacts")
PASSWORD = "a password for the browser"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is missing")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(live: LiveApi) -> LiveApi:
    load_demo(live.backend.service, now=live.backend.clock())
    Actions(live.backend).ingest(HARD_BOUNCE.read_bytes(), origin="browser test")
    live.backend.users.add("ada", PASSWORD, Role.ADMINISTRATOR)
    live.backend.users.add("vera", PASSWORD, Role.VIEWER)
    return live


def _sign_in(browser: object, site: LiveApi, username: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(site.base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Dashboard')")
    return page


def test_dashboard_draws_charts_from_the_stored_data(browser: object, site: LiveApi) -> None:
    page = _sign_in(browser, site, "ada")
    assert page.locator("#feedback-chart svg polyline").count() == 3  # type: ignore[attr-defined]
    assert page.locator("#reason-chart svg rect.bar").count() >= 3  # type: ignore[attr-defined]
    reasons = page.locator("#reason-chart svg text").all_text_contents()  # type: ignore[attr-defined]
    assert "userunknown" in reasons and "mailboxfull" in reasons
    assert page.locator("#quarantine-chart svg").count() == 1  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "dashboard.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_administrator_finds_reads_evidence_and_lifts_and_it_is_audited(
    browser: object, site: LiveApi
) -> None:
    page = _sign_in(browser, site, "ada")
    page.click("nav >> text=Bounces")  # type: ignore[attr-defined]
    page.select_option("select[name=severity]", "hard")  # type: ignore[attr-defined]
    page.fill("form.filters input[name=domain]", "example.com")  # type: ignore[attr-defined]
    page.click("form.filters button")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "bounces.png"), full_page=True)  # type: ignore[attr-defined]
    page.click(f"td >> text={HARD_ADDRESS}")  # type: ignore[attr-defined]
    assert page.inner_text("#state") == "suppressed"  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "address.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("a.evidence")  # type: ignore[attr-defined]
    raw = page.inner_text("#raw")  # type: ignore[attr-defined]
    assert "Final-Recipient: rfc822; " + HARD_ADDRESS in raw and "5.1.1" in raw
    page.screenshot(path=str(ARTEFACTS / "evidence.png"), full_page=True)  # type: ignore[attr-defined]
    page.go_back()  # type: ignore[attr-defined]
    page.fill(".actions input[name=note]", "the customer wrote from this address")  # type: ignore[attr-defined]
    page.click("#lift")  # type: ignore[attr-defined]
    assert page.inner_text("#state") == "active"  # type: ignore[attr-defined]
    assert "user:ada" in page.inner_text(".timeline")  # type: ignore[attr-defined]
    page.click("nav >> text=Audit")  # type: ignore[attr-defined]
    first_row = page.locator("tbody tr").first.inner_text()  # type: ignore[attr-defined]
    assert "user:ada" in first_row and "lift" in first_row and "the customer wrote" in first_row
    page.screenshot(path=str(ARTEFACTS / "audit.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("nav >> text=Blocked")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "blocked.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("nav >> text=Rules")  # type: ignore[attr-defined]
    page.fill("input[name=diagnostic]", "550 5.1.1 user unknown")  # type: ignore[attr-defined]
    page.click("form[action='/rules/test'] button")  # type: ignore[attr-defined]
    assert "userunknown" in page.inner_text("#tried")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "rules.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("nav >> text=Quarantine")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "quarantine.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_viewer_cannot_lift(browser: object, site: LiveApi) -> None:
    page = _sign_in(browser, site, "vera")
    page.goto(f"{site.base}/address/{HARD_ADDRESS}")  # type: ignore[attr-defined]
    assert page.locator("#lift").count() == 0  # type: ignore[attr-defined]
    assert "Only an administrator" in page.inner_text(".actions")  # type: ignore[attr-defined]
    assert page.locator("nav >> text=Settings").count() == 0  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTEFACTS / "address-viewer.png"), full_page=True)  # type: ignore[attr-defined]
    assert site.backend.service.admin.lookup([HARD_ADDRESS])[HARD_ADDRESS].is_suppressed
