"""The Board's dashboard in the case room: for the Board Chair and the business unit only,
linked from the navigation for them alone; its cases link to their pages; the CSV comes as a
download named after nobody; every view, download and refusal audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from storage.models import AuditEvent
from tests.dashboard.helpers import three_cases
from tests.portal.helpers import client_of, sign_in
from tests.referral.data import IDENTIFYING

DASHBOARD = "/portal/dashboard"
CSV = "/portal/dashboard.csv"


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


@pytest.fixture
def board(portal):
    return three_cases(portal)


@pytest.mark.parametrize("user", ["U0CHAIR", "U0ADMIN"])
def test_the_chair_and_the_business_unit_see_the_dashboard(portal, board, user) -> None:
    client = signed_in(portal, user)
    home = client.get("/portal/")
    assert f'href="{DASHBOARD}"' in home.text

    page = client.get(DASHBOARD)
    assert page.status_code == 200
    text = page.text
    assert '<h1 class="dashboard-title">The Board\'s dashboard</h1>' in text
    assert text.count("<h1") == 1
    assert 'aria-current="page">The Board' in text
    for case in (board.a, board.b, board.c):
        assert f'<a href="/portal/cases/{case.reference}">{case.reference}</a>' in text
    assert f'href="{CSV}"' in text
    assert "style=" not in text and "<script" not in text
    assert "Content-Security-Policy" in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    for value in IDENTIFYING:
        assert value not in text
    assert audited(portal, "portal.dashboard_viewed") == [(user, None)]


def test_an_agency_member_is_refused_the_dashboard_and_its_csv(portal, board) -> None:
    client = signed_in(portal, "U0DPH")
    assert DASHBOARD not in client.get("/portal/").text
    for path in (DASHBOARD, CSV):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "for the Board Chair and the business unit" in response.text
        assert "SCR-2026-001" not in response.text
    assert audited(portal, "portal.dashboard_viewed") == []
    assert audited(portal, "portal.dashboard_downloaded") == []
    assert audited(portal, "portal.dashboard_refused") == [("U0DPH", None), ("U0DPH", None)]


def test_the_dashboard_needs_a_signed_in_person(portal, board) -> None:
    response = client_of(portal).get(DASHBOARD)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/portal/login?next={DASHBOARD}"


def test_the_csv_is_a_download_named_after_nobody(portal, board) -> None:
    response = signed_in(portal, "U0CHAIR").get(CSV)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="scr-board-dashboard-2027-01-06.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert [r["Case"] for r in rows] == [c.reference for c in (board.a, board.b, board.c)]
    by_case = {r["Case"]: r for r in rows}
    assert by_case[board.a.reference]["Initial Panel held: days from referral"] == "20"
    assert by_case[board.b.reference]["Initial Panel held: within the limit"] == "no"
    for value in IDENTIFYING:
        assert value not in response.text
    assert audited(portal, "portal.dashboard_downloaded") == [("U0CHAIR", None)]
