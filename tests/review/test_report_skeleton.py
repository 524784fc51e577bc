"""The overview report's skeleton: a Word document in the framework's outline, made for the
panel chair (or the CPU) from the review stage, with the case's facts, the terms of
reference and the integrated chronology as its appendix, and nothing that identifies the
child; in the case channel without the case room (with it: tests/portal)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from bot.services.first_month.files import HEADINGS
from bot.services.review.skeleton import APPENDIX, BIRTH, OUTLINE
from storage.models import AuditEvent
from tests.decision.helpers import decided, panel_held, submit
from tests.first_month.helpers import csv_bytes, share_file
from tests.first_month.test_chronology_export import responses_to, uploaded
from tests.referral.data import CHILD_DOB, IDENTIFYING
from tests.review.test_terms import KEY_ISSUES, open_terms, terms_values

HEALTH = [
    ("14.03.19", "Health", "Midwife", "Birth registered with the GP practice", "", ""),
    ("03.05.25", "Health", "Nurse Aditi Rao", "Health visitor home visit", "yes", "no"),
]
NAME = "scr-2026-001-overview-report-skeleton.docx"


def in_review(harness):
    """A Serious Case Review whose terms cover the child's life from birth, with a
    chronology."""
    case = decided(harness)
    share_file(harness, "U0DPH", csv_bytes(HEALTH), channel=case.channel_id)
    values = terms_values(harness, **{ReviewBlock.PERIOD_FROM.value: CHILD_DOB})
    submit(harness, "U0CPU1", values, open_terms(harness, case).id)
    return case


def text_of(content: bytes) -> tuple[list[str], str, list[list[str]]]:
    """The headings, all the text (paragraphs and tables), and the last table's rows."""
    document = Document(io.BytesIO(content))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    rows = [[c.text for c in r.cells] for r in document.tables[-1].rows]
    return headings, text, rows


def check_skeleton(content: bytes, identifying) -> None:
    headings, text, rows = text_of(content)
    assert [h for h, _ in OUTLINE] == [
        h for h in headings if h[:2] in {f"{n}." for n in "12345678"}
    ]
    assert APPENDIX in headings
    for fact in (
        "SCR-2026-001",
        "Referral",
        "27 November 2026",
        "Initial Panel",
        "Board Chair's decision",
        "Review started",
        "Health, Police",
        KEY_ISSUES,
        "Period under review",
        f"{BIRTH} to 20 November 2026",
        "Coroner's inquest, Criminal proceedings",
    ):
        assert fact in text, fact
    assert rows[0] == list(HEADINGS)
    assert rows[1][:4] == [BIRTH, "Health", "Midwife", "Birth registered with the GP practice"]
    assert rows[2][:4] == ["03.05.25", "Health", "Nurse Aditi Rao", "Health visitor home visit"]
    for value in identifying:
        assert value not in text, value


@pytest.mark.postgres
def test_the_panel_chair_gets_the_skeleton_in_the_case_channel(harness) -> None:
    case = in_review(harness)

    response = harness.driver.slash_command("U0CPU1", "report skeleton", channel_id=case.channel_id)
    harness.wait()

    assert "Making the overview report's skeleton" in response.body.decode()
    files = uploaded(harness)
    assert NAME in files
    check_skeleton(files[NAME], IDENTIFYING)
    assert any("skeleton is in the case channel" in t for t in responses_to(harness, "U0CPU1"))
    with harness.runtime.db.session() as session:
        [row] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.skeleton_made")
        ).all()
    assert row.case_id == case.id


def test_the_cards_button_makes_it_and_others_are_refused(harness) -> None:
    case = in_review(harness)
    [card] = [m for m in harness.standin.messages_in(case.channel_id) if m.ts == case.card_ts]
    assert ReviewAction.MAKE_SKELETON.value in str(card.blocks)

    harness.driver.block_action(
        "U0DPH", ReviewAction.MAKE_SKELETON.value, value=str(case.id), channel_id=case.channel_id
    )
    harness.wait()
    assert NAME not in uploaded(harness)

    harness.driver.block_action(
        "U0CPU1", ReviewAction.MAKE_SKELETON.value, value=str(case.id), channel_id=case.channel_id
    )
    harness.wait()
    assert NAME in uploaded(harness)


def test_before_the_review_there_is_no_skeleton(harness) -> None:
    case = panel_held(harness)
    response = harness.driver.slash_command("U0CPU1", "report skeleton", channel_id=case.channel_id)
    harness.wait()
    assert "Making" not in response.body.decode()
    assert NAME not in uploaded(harness)
