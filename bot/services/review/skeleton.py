"""The overview report's skeleton: a Word document in the framework's outline for the review
panel chair to write in, with what the bot knows of the case filled in (the reference, the
dates of the referral, the Initial Panel, the decision and the review's start, the agencies
involved, the terms of reference) and the integrated chronology as its appendix.

The framework asks the panel chair for an anonymised overview report; where its outline is
not to hand, the sections follow the outline an overview report has always had (the
introduction and how the review came about, the terms of reference, the review's process,
the family in anonymised terms, the facts, analysis, conclusions and lessons, then the
recommendations). The skeleton names the case reference only: nothing from the referral's
identifying details is written in it, and a date that is the child's date of birth (the
period under review often starts there) is written as "the child's birth"."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar, london_date
from bot.services.cases.access import Role, roles_of
from bot.services.cases.identifying import case_identifiers
from bot.services.decision.service import decision_of
from bot.services.first_month.chronology import integrated_entries
from bot.services.first_month.files import (
    COLUMN_WIDTHS_CM,
    HEADINGS,
    IntegratedEntry,
    chronology_cells,
    merged,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import event_time
from bot.services.review.access import leads_review
from bot.services.review.frame import completion_date, current_terms, review_case, terms_form
from bot.services.review.report import agency_names
from bot.services.review.schema import PROCEEDING_LABELS
from storage.models import PanelMeeting
from storage.states import MeetingStatus

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

MAKERS = "The panel chair or the CPU makes the overview report's skeleton."
TITLE = "Overview report skeleton (Word)"
BIRTH = "the child's birth"

OUTLINE: tuple[tuple[str, str], ...] = (
    (
        "1. Introduction",
        "The circumstances that led to the review, in anonymised terms (\u201cthe child\u201d, "
        "\u201cChild A\u201d, \u201cMother\u201d), and why the criteria for a Serious Case "
        "Review were met.",
    ),
    ("2. Terms of reference", "The terms of reference as the panel agreed them (below)."),
    (
        "3. The review process",
        "The review panel's members and chair, the agencies that contributed management "
        "reviews, who was interviewed (by role), how the family were involved, and any "
        "parallel proceedings.",
    ),
    (
        "4. The family and background",
        "The family's composition and background, anonymised: roles, never names.",
    ),
    (
        "5. The facts: agencies' involvement",
        "A summary of each agency's involvement, drawn from the integrated chronology "
        "(Appendix 1) and the management reviews.",
    ),
    (
        "6. Analysis",
        "What was done, and whether it followed procedures and good practice; what was "
        "known and what could have been known; how the agencies worked together.",
    ),
    ("7. Conclusions and lessons learned", "What the agencies together should learn."),
    (
        "8. Recommendations",
        "Each recommendation for the Board's action plan: the action, the agency and "
        "owner, the date, and the expected outcome.",
    ),
)
"""The overview report's sections with a prompt each, in order (the appendix follows)."""
APPENDIX = "Appendix 1: Integrated chronology"
PANEL_HELD = "initial_panel_held"
"""The event the Initial Panel's outcome records (`bot.process.bolton`)."""


@dataclass(frozen=True)
class SkeletonFacts:
    """What the bot knows of the review, nothing of it identifying."""

    reference: str
    referral_date: date
    panel_date: date | None
    decision_date: date | None
    review_start: date | None
    completion: date
    agencies: Sequence[str]
    terms: Sequence[tuple[str, str]]
    """(heading, what the terms say) in the terms' order; empty before they are agreed."""
    chronology: Sequence[IntegratedEntry]
    made_on: date
    born: date | None = None
    """Only to write that date as "the child's birth": never written itself."""

    def day(self, value: date | None) -> str:
        return day_words(value, self.born)


def day_words(value: date | None, born: date | None) -> str:
    """ "4 March 2026"; the child's date of birth as "the child's birth"."""
    if value is None:
        return "not recorded"
    if born is not None and value == born:
        return BIRTH
    return f"{value.day} {value:%B %Y}"


def may_make_skeleton(session: Session, case_id: int, actor: str) -> None:
    """The review's panel chair (the CPU until one is appointed) or the CPU, in the review."""
    review_case(session, case_id)
    if not (leads_review(session, case_id, actor) or Role.CPU in roles_of(session, actor)):
        raise RefusedError(MAKERS)


def initial_panel_date(session: Session, case_id: int, cal: WorkingCalendar) -> date | None:
    """The date of the case's first panel meeting marked held (the Initial Panel), else the
    day its outcome was recorded as the panel's."""
    start = session.scalar(
        select(func.min(PanelMeeting.start_at)).where(
            PanelMeeting.case_id == case_id, PanelMeeting.status == MeetingStatus.HELD
        )
    ) or event_time(session, case_id, PANEL_HELD)
    return cal.london_date(start) if start is not None else None


def skeleton_facts(
    session: Session, cipher: FieldCipher, cal: WorkingCalendar, case_id: int, today: date
) -> SkeletonFacts:
    case = review_case(session, case_id)
    decision = decision_of(session, case_id)
    born = case_identifiers(session, cipher, case_id).born
    entries, agencies = integrated_entries(session, cipher, case_id)
    row = current_terms(session, case_id)
    terms: list[tuple[str, str]] = []
    start: date | None = None
    if row is not None:
        form = terms_form(cipher.for_case(session, case_id), row)
        start = form.start_date
        period = f"{day_words(form.period_from, born)} to {day_words(form.period_to, born)}"
        proceedings = ", ".join(PROCEEDING_LABELS[p] for p in form.proceedings) or "none"
        terms = [
            ("Key issues", form.key_issues),
            ("Period under review", period),
            ("Family history to be covered", form.family_history),
            ("Agencies", ", ".join(sorted(agency_names(session, list(form.agency_ids)).values()))),
            ("Independent or outside expert", form.independent_expert),
            ("Others asked", form.others),
            ("Other areas involved", form.other_areas),
            ("Family involvement", form.family_involvement),
            ("Parallel proceedings", proceedings),
            ("Liaison", form.liaison),
            ("Media handling", form.media),
            ("Start date", day_words(form.start_date, born)),
            ("Completion date", day_words(form.completion_date, born)),
        ]
    return SkeletonFacts(
        reference=case.reference,
        referral_date=case.referral_date,
        panel_date=initial_panel_date(session, case_id, cal),
        decision_date=london_date(decision.decided_at) if decision else None,
        review_start=start,
        completion=completion_date(session, case_id),
        agencies=agencies,
        terms=terms,
        chronology=entries,
        made_on=today,
        born=born,
    )


def file_name(reference: str) -> str:
    """Named from the case reference only."""
    return f"{reference.lower()}-overview-report-skeleton.docx"


def skeleton_docx(facts: SkeletonFacts) -> bytes:
    """The skeleton: the facts, the outline's sections with their prompts, the chronology."""
    # python-docx (with lxml, about 7 MB resident) is loaded when a Word document is first made
    from docx import Document
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    document.add_heading(f"{facts.reference}: Serious Case Review overview report", level=0)
    document.add_paragraph(
        f"Draft skeleton prepared {facts.day(facts.made_on)} for the review panel chair. "
        "Confidential: anonymise throughout (\u201cthe child\u201d, \u201cChild A\u201d, "
        "\u201cMother\u201d); never a name, date of birth or address."
    )
    known = document.add_table(rows=0, cols=2)
    known.style = "Table Grid"
    for label, value in (
        ("Case reference", facts.reference),
        ("Referral", facts.day(facts.referral_date)),
        ("Initial Panel", facts.day(facts.panel_date)),
        ("Board Chair's decision", facts.day(facts.decision_date)),
        ("Review started", facts.day(facts.review_start)),
        ("Review to be complete by", facts.day(facts.completion)),
        ("Agencies involved", ", ".join(facts.agencies) or "none"),
    ):
        cells = known.add_row().cells
        cells[0].text, cells[1].text = label, value
    for heading, prompt in OUTLINE:
        document.add_heading(heading, level=1)
        document.add_paragraph().add_run(prompt).italic = True
        if heading.endswith("Terms of reference"):
            _terms_section(document, facts)
        if heading.endswith("agencies' involvement"):
            for agency in facts.agencies:
                document.add_heading(agency, level=2)
                document.add_paragraph("[Summary of involvement]")
    _appendix(document, facts)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _terms_section(document: WordDocument, facts: SkeletonFacts) -> None:
    if not facts.terms:
        document.add_paragraph("The terms of reference are not agreed yet.")
        return
    for heading, text in facts.terms:
        document.add_heading(heading, level=2)
        document.add_paragraph(text or "None.")


def _appendix(document: WordDocument, facts: SkeletonFacts) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(APPENDIX, level=1)
    rows = merged(facts.chronology)
    if not rows:
        document.add_paragraph("No chronology entries are recorded yet.")
        return
    table = document.add_table(rows=len(rows) + 1, cols=len(HEADINGS))
    table.style = "Table Grid"
    heading_row, *entry_rows = table.rows
    for cell, heading in zip(heading_row.cells, HEADINGS, strict=True):
        cell.text = heading
    for row, entry in zip(entry_rows, rows, strict=True):
        cells = chronology_cells(entry)
        if facts.born is not None and entry.entry_date == facts.born:
            cells = (BIRTH, *cells[1:])
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    for column, size in enumerate(COLUMN_WIDTHS_CM):
        table.columns[column].width = Cm(size)
