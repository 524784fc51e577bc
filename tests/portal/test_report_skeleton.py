"""The overview report's skeleton with the case room: kept encrypted on the case's page, and
the case channel told where (the skeleton itself: tests/review/test_report_skeleton.py)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CaseDocument
from tests.first_month.test_chronology_export import uploaded
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import signed_in
from tests.referral.data import WEB_IDENTIFYING
from tests.review.test_report_skeleton import NAME, check_skeleton, in_review


def test_with_the_case_room_the_skeleton_is_kept_encrypted_and_linked(portal) -> None:
    case = in_review(portal)

    portal.driver.slash_command("U0CPU1", "report skeleton", channel_id=case.channel_id)
    portal.wait()

    assert NAME not in uploaded(portal)
    with portal.runtime.db.session() as session:
        [doc] = session.scalars(
            select(CaseDocument).where(CaseDocument.kind == "overview_skeleton")
        ).all()
    assert doc.filename == NAME
    assert b"SCR-2026-001" not in doc.content
    link = f"{PUBLIC_URL}/portal/cases/{case.reference}"
    notes = [str(m.blocks) for m in portal.standin.messages_in(case.channel_id)]
    assert any("skeleton" in n and link in n for n in notes)
    content = signed_in(portal, "U0CPU1").get(f"/portal/cases/{case.reference}/documents/{doc.id}")
    check_skeleton(content.data, WEB_IDENTIFYING)
