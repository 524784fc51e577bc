"""The web case room in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright, against `scr-bot serve` and the Slack stand-in. Without Chromium or Playwright
these tests skip and say why; screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from docx import Document
from pydantic import SecretStr

from bot.clock import FrozenClock
from bot.ids import Callback, ReferralBlock
from bot.portal.signin import SESSION_COOKIE
from bot.testing.driver import SlackDriver, http_transport
from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET, make_settings, start_harness
from bot.testing.seed import SEED_TOML
from bot.testing.standin import SlackStandIn
from storage.db import Database
from tests import dbutil
from tests.conftest import START
from tests.dashboard.helpers import chair_approves, london, panel_meets
from tests.decision.helpers import stored_case
from tests.first_month.helpers import channel_of, csv_bytes, open_case, share_file
from tests.flow_helpers import cases, refer
from tests.referral.data import WEB_IDENTIFYING, details_form, first_part_values

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("SCR_CHROMIUM", "/usr/bin/chromium")
SERIOUS = {"serious", "critical"}


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(
                f"no Chromium at {CHROMIUM} nor on PATH: install Debian's `chromium` package "
                "(.ci/run does when it runs as root) to run the browser tests"
            )
        return found
    return CHROMIUM


def _shown(locator: Any) -> None:
    """Waits for the element (a click may have started a navigation) rather than looking once."""
    from playwright.sync_api import expect

    expect(locator).to_be_visible()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scr-bot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("scr-bot serve did not become healthy")


def _seed_cases(standin: SlackStandIn, url: str, key: str, base: str) -> None:
    """SCR-2026-001, opened through Slack as the tests do, with Health's chronology and the
    integrated chronology exported (kept in the case room at ``base``); then, for the
    dashboard, two more cases referred the same Friday (27 Nov 2026): SCR-2026-002's Initial
    Panel met on day 20 and the Chair decided the next day; SCR-2026-003's met on day 40."""
    database = Database.from_url(url)
    settings = make_settings(
        standin,
        url,
        SCR_ENCRYPTION_KEY=SecretStr(key),
        SCR_PUBLIC_URL=base,
        SLACK_CLIENT_ID=standin.oidc_client_id,
        SLACK_CLIENT_SECRET=standin.oidc_client_secret,
    )
    harness = start_harness(standin, database, FrozenClock(START), settings=settings)
    try:
        open_case(harness)
        rows = [
            ("12/06/2025", "Health", "Dr K Okafor", "GP appointment: bruising noted", "yes", ""),
            ("03.05.25", "Health", "Nurse A Rao", "Health visitor home visit", "yes", "no"),
        ]
        share_file(harness, "U0DPH", csv_bytes(rows))
        harness.driver.slash_command("U0CPU1", "chronology export", channel_id=channel_of(harness))
        harness.wait()
        refer(harness)
        refer(harness)
        _, second, third = cases(harness)
        harness.clock.set(london(2026, 12, 17))
        panel_meets(harness, second.id)
        harness.clock.set(london(2026, 12, 18, 11))
        chair_approves(harness, stored_case(harness, second.id))
        harness.clock.set(london(2027, 1, 6))
        panel_meets(harness, third.id)
    finally:
        harness.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SlackStandIn]]:
    _chromium()
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    folder = tmp_path_factory.mktemp("served")
    standin = SlackStandIn().start()
    from bot.testing.harness import seed_people

    seed_people(standin)
    template = dbutil.migrated_sqlite_template(folder)
    url = f"sqlite:///{template}"
    key = Fernet.generate_key().decode()
    port = _free_port()
    base = f"http://localhost:{port}"
    _seed_cases(standin, url, key, base)
    config = folder / "partnership.toml"
    config.write_text(SEED_TOML)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "SLACK_CLIENT_ID": standin.oidc_client_id,
        "SLACK_CLIENT_SECRET": standin.oidc_client_secret,
        "SCR_PUBLIC_URL": base,
        "DATABASE_URL": url,
        "SCR_ENCRYPTION_KEY": key,
        "SCR_CONFIG": str(config),
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_healthy(f"{base}/healthz", process)
        yield base, standin
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        standin.stop()
    assert standin.violations == [], standin.violations


@pytest.fixture(scope="module")
def browser(served) -> Iterator[Any]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=_chromium(), headless=True)
        except Error as exc:
            pytest.skip(f"Chromium at {_chromium()} did not start: {exc.message.splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def sign_in_as(page: Any, base: str, name: str) -> None:
    """Open the case room, go through the stand-in's Sign in with Slack page as ``name``."""
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name=f"Sign in as {name}").click()
    page.wait_for_url(f"{base}/portal/")


def test_a_member_signs_in_sees_their_case_and_signs_out(served, page) -> None:
    base, _ = served
    sign_in_as(page, base, "Dr Lee (Health DP)")
    _shown(page.get_by_role("heading", name="Your cases"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-your-cases.png"), full_page=True)
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    page.get_by_role("link", name="SCR-2026-001").click()
    page.wait_for_url(f"{base}/portal/cases/SCR-2026-001")
    _shown(page.get_by_role("heading", name="Integrated chronology"))
    _shown(page.get_by_role("cell", name="GP appointment: bruising noted"))
    shot = ARTIFACTS / "portal-case-page.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the case page: {shot}")
    page.get_by_role("button", name="Sign out").click()
    _shown(page.get_by_role("heading", name="Signed out"))
    page.goto(f"{base}/portal/cases/SCR-2026-001")
    _shown(page.get_by_role("heading", name="Sign in to SCR Stand-in"))


def test_the_case_page_has_no_serious_accessibility_violation(served, page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base, _ = served
    sign_in_as(page, base, "Sam CPU")
    for path in ("/portal/", "/portal/cases/SCR-2026-001"):
        page.goto(f"{base}{path}")
        results = Axe().run(page)
        serious = [
            (v["id"], v["help"], len(v["nodes"]))
            for v in results.response["violations"]
            if v.get("impact") in SERIOUS
        ]
        assert serious == [], f"{path}: {serious}"


def test_the_case_page_runs_no_inline_script(served, page) -> None:
    """The Content-Security-Policy holds in the browser: an injected inline script is refused."""
    base, _ = served
    sign_in_as(page, base, "Sam CPU")
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{base}/portal/cases/SCR-2026-001")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in text for text in refused)


def test_a_non_member_sees_only_their_cases_and_gets_403(served, page) -> None:
    base, _ = served
    sign_in_as(page, base, "Mo (Education DP)")
    _shown(page.get_by_text("You are not a member of any case."))
    assert page.get_by_role("link", name="SCR-2026-001").count() == 0
    response = page.goto(f"{base}/portal/cases/SCR-2026-001")
    assert response is not None and response.status == 403
    _shown(page.get_by_role("heading", name="Not shown"))
    download = page.request.get(f"{base}/portal/cases/SCR-2026-001/chronology.csv")
    assert download.status == 403


def test_a_forged_session_and_a_form_without_its_token_are_refused(served, browser) -> None:
    base, _ = served
    context = browser.new_context()
    page = context.new_page()
    sign_in_as(page, base, "Dr Lee (Health DP)")
    refused = context.request.post(f"{base}/portal/logout", form={"csrf_token": "guess"})
    assert refused.status == 400
    assert page.goto(f"{base}/portal/") is not None
    _shown(page.get_by_role("heading", name="Your cases"))
    context.close()
    forged = browser.new_context()
    forged.add_cookies(
        [{"name": SESSION_COOKIE, "value": "forged.value.here", "url": f"{base}/portal/"}]
    )
    page = forged.new_page()
    page.goto(f"{base}/portal/")
    _shown(page.get_by_role("heading", name="Sign in to SCR Stand-in"))
    forged.close()


def table_rows(page: Any, caption: str | re.Pattern[str]) -> dict[str, list[str]]:
    """A table of the page, found by its caption as a screen reader names it: each body row's
    cells as shown, by the row's header cell."""
    table = page.get_by_role("table", name=caption)
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_dashboards_numbers_match_the_cases(served, page) -> None:
    base, _ = served
    sign_in_as(page, base, "Pat Admin")
    page.get_by_role("link", name="The Board's dashboard").click()
    page.wait_for_url(f"{base}/portal/dashboard")
    _shown(page.get_by_role("heading", name="The Board's dashboard", level=1))

    cases_table = table_rows(page, "Every case: 3 cases, 3 open")
    assert sorted(cases_table) == ["SCR-2026-001", "SCR-2026-002", "SCR-2026-003"]
    assert cases_table["SCR-2026-001"][1] == cases_table["SCR-2026-002"][1] == "Fri 27 Nov 2026"

    timeliness = table_rows(page, "Days from referral, by milestone")
    reached_median_longest = {name: cells[:3] for name, cells in timeliness.items()}
    assert reached_median_longest == {
        "Initial Panel held": ["2", "30 days", "40 days"],  # 20 and 40 days
        "Board Chair's decision": ["1", "21 days", "21 days"],
        "Overview report accepted": ["0", "–", "–"],
    }
    assert timeliness["Initial Panel held"][4] == "1 (50%)"

    panels = table_rows(page, re.compile("^Initial Panels held within 1 calendar month"))
    assert panels["Within 1 calendar month"] == ["1"]
    assert panels["Later than 1 calendar month"] == ["1"]
    assert panels["Share held within the limit"] == ["50%"]
    chart = page.locator("svg#dash-panel")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("rect.dashboard-bar--within").get_attribute("data-value") == "1"

    page.get_by_role("link", name="SCR-2026-002").click()
    page.wait_for_url(f"{base}/portal/cases/SCR-2026-002")
    _shown(page.get_by_role("heading", name="Deadlines"))


def test_the_dashboard_has_no_serious_accessibility_violation(served, page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base, _ = served
    sign_in_as(page, base, "Alex Chair")
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(f"{base}/portal/dashboard")
    assert response is not None and response.status == 200
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], len(v["nodes"]))
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert serious == [], serious
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "portal-dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the dashboard: {shot}")


def test_the_dashboard_is_refused_to_an_agency_member(served, page) -> None:
    base, _ = served
    sign_in_as(page, base, "Dr Lee (Health DP)")
    assert page.get_by_role("link", name="The Board's dashboard").count() == 0
    response = page.goto(f"{base}/portal/dashboard")
    assert response is not None and response.status == 403
    _shown(page.get_by_role("heading", name="Not shown"))
    assert page.request.get(f"{base}/portal/dashboard.csv").status == 403


def test_a_member_downloads_a_document_and_reopens_it(served, page, tmp_path) -> None:
    base, _ = served
    sign_in_as(page, base, "Dr Lee (Health DP)")
    page.goto(f"{base}/portal/cases/SCR-2026-001")
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile(r"^Integrated chronology \(Word\)")).click()
    download = waiting.value
    assert download.suggested_filename == "scr-2026-001-integrated-chronology.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    table = Document(io.BytesIO(saved.read_bytes())).tables[0]
    events = [row.cells[3].text for row in table.rows]
    assert "GP appointment: bruising noted" in events
    assert "Health visitor home visit" in events


def _modal_of(standin: SlackStandIn, user: str, callback_id: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        view = standin.open_view_for(user)
        if view is not None and view.callback_id == callback_id:
            return view
        time.sleep(0.1)
    raise AssertionError(f"no {callback_id} modal opened for {user}")


def test_a_referral_completed_across_slack_and_web(served, page) -> None:
    """The Slack part through signed requests to `scr-bot serve`, the child's details in the
    browser through the one-time link; nothing identifying reaches Slack."""
    base, standin = served
    driver = SlackDriver(http_transport(base), SIGNING_SECRET, standin)
    assert driver.slash_command("U0DPH", "refer").status == 200
    view = _modal_of(standin, "U0DPH", Callback.REFERRAL_FIRST_PART.value)
    [agency] = [b for b in view.blocks if b.get("block_id") == ReferralBlock.AGENCY.value]
    health = next(o["value"] for o in agency["element"]["options"] if o["text"]["text"] == "Health")
    answer = driver.submit_view("U0DPH", first_part_values(int(health)), view_id=view.id)
    text = answer.body.decode()
    start = text.index(f"{base}/portal/referrals/")
    link = text[start : text.index('"', start)]

    sign_in_as(page, base, "Dr Lee (Health DP)")
    page.goto(link)
    _shown(page.get_by_role("heading", name="The child's details"))
    form = details_form()
    for name, value in form.items():
        if value:
            page.locator(f"#{name}").fill(value)
    assert page.get_by_label("Child's name").input_value() == form["child_name"]
    assert page.get_by_label("Relationship to the child, person 2").input_value() == "Stepfather"
    from axe_playwright_python.sync_playwright import Axe

    serious = [
        (v["id"], v["help"])
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert serious == [], serious
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-referral-details.png"), full_page=True)
    page.get_by_role("button", name="Send and open the case").click()
    _shown(page.get_by_role("heading", name="SCR-2026-004 is open"))
    # its channel is set up from the outbox, which this server (--no-scheduler) leaves alone
    assert page.goto(link) is not None
    _shown(page.get_by_role("heading", name="Link no longer works"))
    calls = json.dumps([{"m": c.method, "a": c.args} for c in standin.calls], default=str)
    for value in WEB_IDENTIFYING:
        assert value not in calls
