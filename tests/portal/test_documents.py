"""Documents kept in the case room: with the portal configured, the integrated chronology is
stored encrypted by the bot instead of uploaded to Slack, Slack gets a link to the case's page,
and members (only) download it there, each download audited."""

from __future__ import annotations

import csv
import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.services.cases.documents import DOCX
from storage.models import AuditEvent, CaseDocument
from tests.first_month.helpers import channel_of
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import CASE, audited, case_with_chronologies, signed_in
from tests.referral.data import IDENTIFYING

STEM = "scr-2026-001-integrated-chronology"
LINK = f"{PUBLIC_URL}{CASE}"


def uploads(harness) -> list[str]:
    return [c.method for c in harness.standin.calls if c.method.startswith("files.upload")] + [
        c.method
        for c in harness.standin.calls
        if c.method in ("files.getUploadURLExternal", "files.completeUploadExternal")
    ]


def kept(harness, kind: str = "chronology") -> list[CaseDocument]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(CaseDocument).where(CaseDocument.kind == kind).order_by(CaseDocument.id)
            )
        )


def export(harness, user: str = "U0CPU1") -> str:
    response = harness.driver.slash_command(
        user, "chronology export", channel_id=channel_of(harness)
    )
    harness.wait()
    return response.body.decode()


def test_the_exported_chronology_is_kept_in_the_case_room_not_uploaded(portal) -> None:
    case_with_chronologies(portal)

    export(portal)

    assert uploads(portal) == []
    told = [m.text for m in portal.standin.messages_in(channel_of(portal))]
    assert any(LINK in t and "integrated chronology, 2 entries" in t for t in told)
    answers = [p.payload.get("text", "") for p in portal.standin.hook_posts if p.user == "U0CPU1"]
    assert any(LINK in a for a in answers)
    docs = kept(portal)
    assert [(d.filename, d.version) for d in docs] == [(f"{STEM}.csv", 1), (f"{STEM}.docx", 1)]
    for doc in docs:
        assert b"Dr K Okafor" not in doc.content and b"GP appointment" not in doc.content
        for value in IDENTIFYING:
            assert value not in doc.title + doc.filename
    with portal.runtime.db.session() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "chronology.exported")
        ).all()
    assert event.detail["documents"] == [d.id for d in docs]


@pytest.mark.postgres
def test_a_member_downloads_the_kept_documents_and_a_non_member_is_refused(portal) -> None:
    case_with_chronologies(portal)
    export(portal)
    csv_doc, docx_doc = kept(portal)
    member = signed_in(portal, "U0DPH")

    page = member.get(CASE)
    assert f'href="{CASE}/documents/{docx_doc.id}"' in page.text
    assert "Integrated chronology (Word)" in page.text

    got = member.get(f"{CASE}/documents/{docx_doc.id}")
    assert got.status_code == 200
    assert got.headers["Content-Type"] == DOCX
    assert f'filename="{STEM}.docx"' in got.headers["Content-Disposition"]
    rows = [[c.text for c in r.cells] for r in Document(io.BytesIO(got.data)).tables[0].rows]
    assert ["01.06.25", "Police", "PC Hale", "Domestic incident attended", "No", "No"] in rows
    table = member.get(f"{CASE}/documents/{csv_doc.id}")
    assert table.status_code == 200
    assert list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))[1:] == rows[1:]
    assert ("U0DPH", 1) in audited(portal, "portal.document_downloaded")

    outsider = signed_in(portal, "U0DPE")
    assert outsider.get(f"{CASE}/documents/{docx_doc.id}").status_code == 403
    assert member.get(f"{CASE}/documents/{docx_doc.id + 100}").status_code == 404


def test_exporting_again_after_a_change_keeps_a_new_version(portal) -> None:
    from tests.first_month.helpers import csv_bytes, share_file

    case_with_chronologies(portal)
    export(portal)
    share_file(
        portal,
        "U0DPH",
        csv_bytes([("13/06/2025", "Health", "Dr K Okafor", "Follow-up visit", "yes", "")]),
    )
    export(portal)
    assert [(d.filename, d.version) for d in kept(portal)][-2:] == [
        (f"{STEM}.csv", 2),
        (f"{STEM}.docx", 2),
    ]


def test_a_chronology_file_shared_in_slack_is_kept_in_the_case_room_too(portal) -> None:
    case_with_chronologies(portal)

    files = kept(portal, "chronology_file")
    assert [(f.filename, f.title) for f in files] == [
        ("scr-2026-001-chronology-health.csv", "Chronology file from Health"),
        ("scr-2026-001-chronology-police.csv", "Chronology file from Police"),
    ]
    told = [m.text for m in portal.standin.messages_in(channel_of(portal))]
    assert any("A copy of the file is kept in" in t and LINK in t for t in told)
    member = signed_in(portal, "U0DPP")
    got = member.get(f"{CASE}/documents/{files[0].id}")
    assert got.status_code == 200 and b"GP appointment: bruising noted" in got.data
    assert b"GP appointment" not in files[0].content
