"""The overview report's draft, with the case room configured: a copy is kept on the case's
page and the agencies' DMs link there rather than to the file in Slack."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import ReviewBlock
from storage.models import CaseDocument
from tests.decision.helpers import modal_of, submit
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import signed_in
from tests.review.test_report import draft_dm, reviews_accepted

CONTENT = b"PK overview report, draft one"


def test_the_overview_draft_is_kept_and_the_agencies_get_the_case_page(portal) -> None:
    case = reviews_accepted(portal)
    standin = portal.standin
    file_id = standin.add_user_file("U0CPU1", case.channel_id, "draft.docx", CONTENT, "docx")
    portal.driver.slash_command("U0CPU1", "report ready", channel_id=case.channel_id)
    portal.wait()
    view = modal_of(portal, "U0CPU1", "review_draft_ready")
    submit(portal, "U0CPU1", {ReviewBlock.DOCUMENT.value: [{"id": file_id}]}, view.id)
    portal.wait()

    with portal.runtime.db.session() as session:
        [doc] = session.scalars(
            select(CaseDocument).where(CaseDocument.kind == "overview_draft")
        ).all()
    assert doc.filename == "scr-2026-001-overview-report-draft-1.docx"
    assert CONTENT not in doc.content
    dm = draft_dm(portal, "U0RLH", 1)
    assert f"<{PUBLIC_URL}/portal/cases/{case.reference}|Read draft 1>" in str(dm.blocks)
    page = f"/portal/cases/{case.reference}/documents/{doc.id}"
    assert signed_in(portal, "U0RLH").get(page).data == CONTENT
