"""The Board Chair oversees every case: each case the dashboard links opens for them, read-only
and audited as oversight, without the case's documents (files people shared are for the
case's members)."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import AuditEvent, CaseMember
from tests.portal.test_case_page import CASE, case_with_chronologies, signed_in
from tests.referral.data import IDENTIFYING


def _not_a_member(harness, user: str) -> None:
    with harness.runtime.db.session() as session:
        assert session.scalar(select(CaseMember).where(CaseMember.slack_user_id == user)) is None


def test_the_chair_opens_a_dashboard_case_read_only(portal) -> None:
    case_with_chronologies(portal)
    _not_a_member(portal, "U0CHAIR")
    client = signed_in(portal, "U0CHAIR")
    dashboard = client.get("/portal/dashboard").text
    links = re.findall(r'href="(/portal/cases/[^"]+)"', dashboard)
    assert CASE in links
    for link in links:
        assert client.get(link).status_code == 200, link

    page = client.get(CASE)
    text = page.text
    assert "GP appointment: bruising noted" in text  # the screened chronology, as a table
    assert "read-only" in text
    assert "chronology.csv" not in text  # no document offered
    assert "for the case&#39;s members" in text or "for the case's members" in text
    assert "Audit trail" not in text
    for value in IDENTIFYING:
        assert value not in text
    assert client.get(f"{CASE}/chronology.csv").status_code == 403

    with portal.runtime.db.session() as session:
        views = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "portal.case_viewed", AuditEvent.actor == "U0CHAIR"
            )
        ).all()
    assert views and all(v.detail.get("oversight") is True for v in views)


def test_someone_without_a_board_role_is_still_refused(portal) -> None:
    case_with_chronologies(portal)
    assert signed_in(portal, "U0DPE").get(CASE).status_code == 403
