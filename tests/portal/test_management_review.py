"""A management review's attached document, with the case room configured: the bot keeps a
copy (encrypted) on the case's page, the case channel is told where, and only members open it."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import ReviewBlock
from storage.models import CaseDocument
from tests.decision.helpers import submit
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import signed_in
from tests.review.test_imr import open_submission, request_review, scr_with_terms

CONTENT = b"PK management review of the Health agency: analysis and learning"


def test_an_attached_management_review_is_kept_in_the_case_room(portal) -> None:
    case = scr_with_terms(portal)
    request_review(portal, case)
    view = open_submission(portal)
    standin = portal.standin
    file_id = standin.add_user_file("U0RLH", standin.im_with("U0RLH"), "x.docx", CONTENT, "docx")
    document = {ReviewBlock.DOCUMENT.value: [{"id": file_id}]}
    submit(portal, "U0RLH", {**document, ReviewBlock.INDEPENDENT.value: ["yes"]}, view.id)
    portal.wait()

    with portal.runtime.db.session() as session:
        [doc] = session.scalars(
            select(CaseDocument).where(CaseDocument.kind == "management_review")
        ).all()
    assert doc.title == "Management review: Health, submission 1"
    assert doc.filename == "scr-2026-001-management-review-health-submission-1.docx"
    assert CONTENT not in doc.content
    told = [m.text for m in standin.messages_in(case.channel_id)]
    link = f"{PUBLIC_URL}/portal/cases/{case.reference}"
    assert any("management review is submitted. A copy" in t and link in t for t in told)

    page = f"/portal/cases/{case.reference}/documents/{doc.id}"
    assert signed_in(portal, "U0CPU1").get(page).data == CONTENT
    assert signed_in(portal, "U0DPE").get(page).status_code == 403
