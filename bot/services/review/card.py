"""The case card's lines from the decision on (for `bot.services.cases.card`): the decision,
the panel chair, the terms of reference, the completion date, the overview report or a
"not met" path's findings, the interviews with workers; and each agency's management review
status in its row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.states import Stage
from bot.process.working_days import WorkingCalendar, day, deadline_words, london_date, short_day
from bot.services.cases.records import Present
from bot.services.decision.schema import OUTCOME_WORDS, Outcome
from bot.services.decision.service import decision_of, recommendation_of
from bot.services.panel.schema import Involvement
from bot.services.review.frame import completion_date, current_terms, latest_appointment
from bot.services.review.imr import reviews_of
from bot.services.review.interviews import interview_tally
from bot.services.review.panel import MEMBER, not_cleared, review_panel
from bot.services.review.report import answers, latest_draft
from bot.services.review.schema import IMR_KINDS, ChairStatus, DraftAnswer, ImrStatus
from storage.models import (
    Case,
    ChairDecision,
    ManagementReview,
    PanelRecommendation,
    ReviewFindings,
)

IMR_COLUMN_KINDS = frozenset(IMR_KINDS.values())


def _decision_lines(session: Session, case: Case, present: Present) -> list[str]:
    decision = decision_of(session, case.id) if ChairDecision in present else None
    if decision is not None:
        on = day(london_date(decision.decided_at))
        return [f"*Decision*: {OUTCOME_WORDS[Outcome(decision.outcome)]} ({on})"]
    rec = recommendation_of(session, case.id) if PanelRecommendation in present else None
    if rec is None:
        return []
    verdict = "met" if rec.criteria_met else "not met"
    return [f"*Awaiting the Board Chair's decision*: the panel recommends criteria {verdict}"]


def _chair_line(session: Session, case: Case) -> list[str]:
    latest = latest_appointment(session, case.id)
    if latest is None:
        return ["*Panel chair*: not appointed yet"]
    chair = f"<@{latest.slack_user_id}>"
    if latest.status == ChairStatus.PENDING:
        return [f"*Panel chair*: {chair} asked, not confirmed yet", *_panel_line(session, case)]
    return [f"*Panel chair*: {chair} (no previous involvement)", *_panel_line(session, case)]


def _panel_line(session: Session, case: Case) -> list[str]:
    """The review panel the Initial Panel named: who sits on it, who is still to confirm no
    previous involvement (the review's start waits for them), who the CPU excepted."""
    members = [r for r in review_panel(session, case.id) if r.role == MEMBER]
    if not members:
        return []
    line = "*Review panel*: " + ", ".join(f"<@{r.slack_user_id}>" for r in members)
    pending = not_cleared(session, case.id)
    if pending:
        line += " · not yet confirmed no previous involvement: "
        line += ", ".join(f"<@{u}>" for u in pending) + " (the review starts once they have)"
    excepted = [r.slack_user_id for r in members if r.involvement == Involvement.EXCEPTED]
    if excepted:
        line += " · exception recorded by the CPU for " + ", ".join(f"<@{u}>" for u in excepted)
    return [line]


def _review_lines(session: Session, case: Case, today: date, cal: WorkingCalendar) -> list[str]:
    terms = current_terms(session, case.id)
    lines = _chair_line(session, case)
    if terms is None:
        lines.append("*Terms of reference*: not agreed yet")
    else:
        lines.append(
            f"*Terms of reference*: version {terms.version}, "
            f"{short_day(london_date(terms.recorded_at))}"
        )
    complete = completion_date(session, case.id)
    extended = " (extended with OFSTED)" if terms and complete > terms.completion_date else ""
    by = deadline_words(complete, cal.last_working_day(complete), today)
    lines.append(f"*Review to be complete by* {by}{extended}")
    draft = latest_draft(session, case.id)
    if draft is not None and draft.accepted_on is not None:
        lines.append(f"*Overview report*: accepted by the Board {day(draft.accepted_on)}")
    elif draft is not None:
        given = answers(session, draft.id)
        confirmed = sum(1 for a in given.values() if a.status == DraftAnswer.CONFIRMED)
        lines.append(
            f"*Overview report*: draft {draft.version}, {confirmed} of {len(draft.agency_ids)} "
            "agencies confirmed"
        )
    return lines


def _interview_line(session: Session, case: Case) -> list[str]:
    """Interviews (Appendix 2): how many, their summaries, and the steps still open."""
    tally = interview_tally(session, case.id)
    if tally is None:
        return []
    parts = [f"{tally.arranged} arranged"]
    if tally.agreed:
        parts.append(
            f"{tally.agreed} summary agreed"
            if tally.agreed == 1
            else f"{tally.agreed} summaries agreed"
        )
    if tally.disputed:
        parts.append(f"{tally.disputed} disputed in part")
    if tally.not_briefed:
        parts.append(f"briefing pack not sent for {tally.not_briefed}")
    if tally.no_staff_care:
        parts.append(f"staff care not arranged for {tally.no_staff_care}")
    return ["*Interviews*: " + " · ".join(parts)]


def review_notes(
    session: Session, case: Case, today: date, cal: WorkingCalendar, present: Present
) -> list[str]:
    """``present``: the tables the case has rows in (`holding_rows`); the others are not
    read."""
    lines = _decision_lines(session, case, present)
    if case.stage == Stage.REVIEW:
        lines += _review_lines(session, case, today, cal)
    if case.stage in IMR_KINDS:
        lines += _interview_line(session, case)
    draft = latest_draft(session, case.id) if case.stage == Stage.MONITORING else None
    if draft is not None and draft.accepted_on is not None:
        lines.append(f"*Overview report*: accepted by the Board {day(draft.accepted_on)}")
    findings = None
    if ReviewFindings in present:
        findings = session.scalar(select(ReviewFindings).where(ReviewFindings.case_id == case.id))
    if findings is not None:
        lines.append(f"*Findings* shared with the panel {day(findings.shared_on)}")
    return lines


def imr_reviews(session: Session, case: Case) -> dict[int, ManagementReview]:
    return {row.agency_id: row for row in reviews_of(session, case.id)}


def with_imr_status(
    reviews: dict[int, ManagementReview], agency_id: int, kind: str, cell: str
) -> str:
    """The management review column says where the review stands, not only its task."""
    row = reviews.get(agency_id)
    if kind not in IMR_COLUMN_KINDS:
        return cell
    if row is None:
        return f"not requested ({cell})" if cell.startswith(("due", "overdue")) else cell
    status = ImrStatus(row.status)
    if status is ImrStatus.ACCEPTED and row.decided_at is not None:
        return f"✓ accepted {short_day(london_date(row.decided_at))}"
    if status is ImrStatus.SUBMITTED:
        return "submitted, with the panel chair"
    if status is ImrStatus.RETURNED:
        return f"returned ({cell})"
    return f"requested ({cell})"
