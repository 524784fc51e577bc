"""The terms of reference and a "not met" path's findings, with the case room configured: each
version kept there (encrypted, Word), the case channel given a link instead of their text, and
only members download them."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select

from bot.ids import DecisionAction
from storage.models import CaseDocument
from tests.decision.helpers import decided, submit
from tests.decision.test_not_met import FINDINGS, record_findings
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import signed_in
from tests.review.test_terms import KEY_ISSUES, open_terms, terms_values


def kept(harness, kind: str) -> list[CaseDocument]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(CaseDocument).where(CaseDocument.kind == kind).order_by(CaseDocument.id)
            )
        )


def text_of(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_each_version_of_the_terms_is_kept_in_the_case_room(portal) -> None:
    case = decided(portal)
    submit(portal, "U0CPU1", terms_values(portal), open_terms(portal, case).id)
    portal.wait()
    [first] = kept(portal, "terms_of_reference")
    assert first.title == "Terms of reference, version 1"
    assert first.filename == "scr-2026-001-terms-of-reference-v1.docx"
    assert KEY_ISSUES.encode() not in first.content

    told = [
        m
        for m in portal.standin.messages_in(case.channel_id)
        if "Terms of reference" in m.text or "terms of reference" in m.text
    ]
    link = f"{PUBLIC_URL}/portal/cases/{case.reference}"
    assert told and link in str(told[0].blocks)
    assert all(KEY_ISSUES not in str(m.blocks) for m in portal.standin.messages_in(case.channel_id))

    client = signed_in(portal, "U0CPU1")
    page = client.get(f"/portal/cases/{case.reference}").text
    href = f"/portal/cases/{case.reference}/documents/{first.id}"
    assert href in page and "Terms of reference, version 1" in page
    download = client.get(href)
    assert download.status_code == 200
    assert KEY_ISSUES in text_of(download.data)
    assert signed_in(portal, "U0DPE").get(href).status_code == 403

    changed = terms_values(portal, key_issues=KEY_ISSUES + " And the school.")
    submit(portal, "U0CPU1", changed, open_terms(portal, case).id)
    portal.wait()
    assert [d.title for d in kept(portal, "terms_of_reference")] == [
        "Terms of reference, version 1",
        "Terms of reference, version 2",
    ]


def test_the_findings_are_kept_in_the_case_room(portal) -> None:
    case = decided(portal, DecisionAction.AUDIT)
    record_findings(portal, case)
    portal.wait()
    [doc] = kept(portal, "findings")
    assert doc.title == "Findings (criteria not met)"
    assert FINDINGS.encode() not in doc.content
    closed = [m for m in portal.standin.messages_in(case.channel_id) if "now closed" in m.text]
    assert f"{PUBLIC_URL}/portal/cases/{case.reference}" in closed[0].text

    client = signed_in(portal, "U0CPU1")
    href = f"/portal/cases/{case.reference}/documents/{doc.id}"
    assert href in client.get(f"/portal/cases/{case.reference}").text
    assert FINDINGS in text_of(client.get(href).data)
    assert signed_in(portal, "U0DPE").get(href).status_code == 403
