"""The case page and the list of one's cases: members only, as on Slack; every view and
download audited; nothing that identifies the child."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from storage.models import AuditEvent
from tests.first_month.helpers import csv_bytes, open_case, share_file
from tests.portal.helpers import client_of, sign_in
from tests.referral.data import IDENTIFYING

HEALTH = [("12/06/2025", "Health", "Dr K Okafor", "GP appointment: bruising noted", "yes", "")]
POLICE = [("01.06.25", "Police", "PC Hale", "Domestic incident attended", "no", "no")]
CASE = "/portal/cases/SCR-2026-001"


def case_with_chronologies(harness) -> None:
    open_case(harness)
    from tests.first_month.helpers import channel_of

    harness.driver.slash_command("U0CPU1", "agency add Police", channel_id=channel_of(harness))
    harness.wait()
    share_file(harness, "U0DPH", csv_bytes(HEALTH))
    share_file(harness, "U0DPP", csv_bytes(POLICE))


def signed_in(harness, user: str):
    client = client_of(harness)
    assert sign_in(client, user).status_code == 302
    return client


def audited(harness, action: str) -> list[tuple[str, int | None]]:
    with harness.runtime.db.session() as session:
        return [
            (e.actor, e.case_id)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


@pytest.mark.postgres
def test_a_member_sees_the_case_page(portal) -> None:
    case_with_chronologies(portal)
    page = signed_in(portal, "U0DPH").get(CASE)
    assert page.status_code == 200
    text = page.text
    assert "SCR-2026-001" in text and "Initial Panel stage" in text
    assert "Deadlines" in text and "Initial Panel" in text
    assert "GP appointment: bruising noted" in text and "Domestic incident attended" in text
    assert "Records secured" in text or "records secured" in text
    assert "Dr Lee (Health DP)" in text  # an owner, by name
    assert f'href="{CASE}/chronology.csv"' in text
    assert "Audit trail" not in text
    assert page.headers["Cache-Control"] == "no-store"
    for value in IDENTIFYING:
        assert value not in text
    assert ("U0DPH", 1) in audited(portal, "portal.case_viewed")


def test_the_business_unit_sees_the_audit_trail(portal) -> None:
    case_with_chronologies(portal)
    page = signed_in(portal, "U0ADMIN").get(CASE)
    assert page.status_code == 200
    assert "Audit trail" in page.text
    assert "portal.case_viewed" in page.text  # this very view is on it
    assert "Pat Admin" in page.text


def test_a_non_member_gets_403_for_the_page_and_its_documents(portal) -> None:
    case_with_chronologies(portal)
    client = signed_in(portal, "U0DPE")
    for path in (CASE, f"{CASE}/chronology.csv"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "show you that case" in response.text
        assert "GP appointment" not in response.text
    unknown = client.get("/portal/cases/SCR-2026-999")
    assert unknown.status_code == 403
    assert unknown.text == client.get(CASE).text
    assert audited(portal, "portal.case_viewed") == []
    assert ("U0DPE", 1) in audited(portal, "portal.case_refused")


def test_the_list_shows_only_ones_own_cases(portal) -> None:
    open_case(portal)
    mine = signed_in(portal, "U0DPH").get("/portal/")
    assert 'href="/portal/cases/SCR-2026-001"' in mine.text
    theirs = signed_in(portal, "U0DPE").get("/portal/")
    assert "SCR-2026-001" not in theirs.text
    assert "You are not a member of any case." in theirs.text


def test_a_member_downloads_the_integrated_chronology(portal) -> None:
    case_with_chronologies(portal)
    response = signed_in(portal, "U0DPP").get(f"{CASE}/chronology.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "scr-2026-001-integrated-chronology.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert any("Domestic incident attended" in row for row in rows)
    assert ("U0DPP", 1) in audited(portal, "portal.document_downloaded")


def test_the_stylesheet_is_served(portal) -> None:
    response = client_of(portal).get("/portal/static/portal.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_no_chronology_yet_is_not_found_and_not_offered(portal) -> None:
    open_case(portal)
    client = signed_in(portal, "U0DPH")
    assert "chronology.csv" not in client.get(CASE).text
    response = client.get(f"{CASE}/chronology.csv")
    assert response.status_code == 404
    assert "No agency has sent its chronology yet." in response.text
    assert audited(portal, "portal.document_downloaded") == []
