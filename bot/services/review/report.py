"""The overview report: the panel chair marks a draft ready once every contributing
agency's management review is accepted; each agency confirms its information is fully and
fairly represented (or says what is not); the Board's acceptance ends the review and starts
monitoring, with the report's recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher
from bot.process.states import TaskKind
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.identifying import screen
from bot.services.monitoring.rounds import agree_interval
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import (
    EngineContext,
    complete_task,
    involved_agencies,
    record_event,
)
from bot.services.review.access import (
    acts_for_agency,
    leads_review,
    lock_case,
    may_record_for_board,
)
from bot.services.review.after_report import start_copies
from bot.services.review.frame import completion_date, current_terms, review_case
from bot.services.review.imr import reviews_of
from bot.services.review.schema import (
    DRAFT_ANSWER_WORDS,
    AcceptanceForm,
    DraftAnswer,
    DraftMeta,
    ImrStatus,
)
from storage.models import (
    Agency,
    Case,
    ImrRecommendation,
    ManagementReview,
    OverviewConfirmation,
    OverviewDraft,
    Task,
)
from storage.states import TaskStatus

DRAFT_READY = "The panel chair marks the overview report's draft ready."
ACCEPTANCE = "The Board Chair or the business unit record the acceptance."
ANSWERER = "Someone who acts for that agency answers for it."
CHECK_WORKING_DAYS = 10
"""Working days the agencies are given to check a draft, unless the review is due sooner."""


def latest_draft(session: Session, case_id: int) -> OverviewDraft | None:
    return session.scalar(
        select(OverviewDraft)
        .where(OverviewDraft.case_id == case_id)
        .order_by(OverviewDraft.version.desc())
        .limit(1)
    )


def agency_names(session: Session, agency_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))
    return {agency_id: name for agency_id, name in rows}


def _unfinished(session: Session, case_id: int, agency_ids: list[int]) -> list[int]:
    accepted = {r.agency_id for r in reviews_of(session, case_id) if r.status == ImrStatus.ACCEPTED}
    return [a for a in agency_ids if a not in accepted]


def may_mark_draft(session: Session, case_id: int, actor: str) -> None:
    if not leads_review(session, case_id, actor):
        raise RefusedError(DRAFT_READY)
    review_case(session, case_id)


def may_record_acceptance(session: Session, case_id: int, actor: str) -> None:
    if not may_record_for_board(session, actor):
        raise RefusedError(ACCEPTANCE)
    review_case(session, case_id)


def mark_draft_ready(
    session: Session, now: datetime, case_id: int, *, document_file_id: str | None, actor: str
) -> OverviewDraft:
    review_case(session, case_id)
    if not leads_review(session, case_id, actor):
        raise RefusedError(DRAFT_READY)
    if current_terms(session, case_id) is None:
        raise RefusedError("The terms of reference come first.")
    contributing = [a.agency_id for a in involved_agencies(session, case_id)]
    waiting = _unfinished(session, case_id, contributing)
    if waiting:
        names = ", ".join(agency_names(session, waiting).values())
        raise RefusedError(f"Management reviews still to be accepted: {names}.")
    previous = latest_draft(session, case_id)
    draft = OverviewDraft(
        case_id=case_id,
        version=(previous.version + 1) if previous else 1,
        agency_ids=contributing,
        document_file_id=document_file_id,
        marked_by=actor,
        marked_at=now,
    )
    session.add(draft)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="report.draft_ready",
        case_id=case_id,
        version=draft.version,
    )
    return draft


@dataclass(frozen=True)
class Answer:
    changed: bool
    case_id: int
    draft_id: int
    agency_id: int
    status: DraftAnswer


def answer_draft(
    session: Session,
    now: datetime,
    cipher: FieldCipher,
    draft_id: int,
    agency_id: int,
    *,
    actor: str,
    represented: bool,
    detail: str = "",
) -> Answer:
    """An agency's answer on the latest draft, given once (a second click changes nothing)."""
    draft = session.get(OverviewDraft, draft_id)
    if draft is None:
        raise RefusedError("That draft is not on record.")
    if not represented:
        screen(session, cipher, draft.case_id, {"not_represented": detail})
    lock_case(session, draft.case_id)
    if latest_draft(session, draft.case_id) is not draft or draft.accepted_on is not None:
        raise RefusedError("This draft has been superseded; nothing has changed.")
    if agency_id not in draft.agency_ids:
        raise RefusedError("That agency did not contribute to this review.")
    if not acts_for_agency(session, draft.case_id, agency_id, actor):
        raise RefusedError(ANSWERER)
    existing = session.scalar(
        select(OverviewConfirmation).where(
            OverviewConfirmation.draft_id == draft_id, OverviewConfirmation.agency_id == agency_id
        )
    )
    if existing is not None:
        return Answer(False, draft.case_id, draft_id, agency_id, DraftAnswer(existing.status))
    status = DraftAnswer.CONFIRMED if represented else DraftAnswer.DISPUTED
    session.add(
        OverviewConfirmation(
            draft_id=draft_id,
            agency_id=agency_id,
            status=status.value,
            detail=None
            if represented
            else cipher.for_case(session, draft.case_id).encrypt_text(detail),
            answered_by=actor,
            answered_at=now,
        )
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"report.{status}",
        case_id=draft.case_id,
        agency_id=agency_id,
        version=draft.version,
    )
    return Answer(True, draft.case_id, draft_id, agency_id, status)


@dataclass(frozen=True)
class DraftFacts:
    """A draft, its case's reference and its agencies' names, for its messages."""

    draft: OverviewDraft
    reference: str
    names: dict[int, str]

    def tally(self, given: dict[int, OverviewConfirmation]) -> list[tuple[str, str]]:
        """Each agency's answer in words ("waiting" until it is given)."""
        return [
            (
                self.names[a],
                DRAFT_ANSWER_WORDS[DraftAnswer(given[a].status)] if a in given else "waiting",
            )
            for a in self.draft.agency_ids
        ]


def draft_facts(session: Session, draft_id: int) -> DraftFacts:
    draft = session.get(OverviewDraft, draft_id)
    if draft is None:
        raise RefusedError("That draft is not on record.")
    case = session.get(Case, draft.case_id)
    reference = case.reference if case else ""
    return DraftFacts(draft, reference, agency_names(session, list(draft.agency_ids)))


def check_by(session: Session, cal: WorkingCalendar, draft: OverviewDraft) -> date:
    """The date the agencies are asked to answer on ``draft`` by: ten working days after it
    went out, or the review's last working day before its completion date if that is sooner
    (but never before the next working day)."""
    sent_on = cal.london_date(draft.marked_at)
    by = cal.add_working_days(sent_on, CHECK_WORKING_DAYS)
    due = completion_date(session, draft.case_id)
    latest = due if cal.is_working_day(due) else cal.previous_working_day(due)
    return max(min(by, latest), cal.next_working_day(sent_on))


def draft_to_answer(session: Session, meta: DraftMeta, actor: str) -> tuple[str, str]:
    """(case reference, agency name) of a draft ``actor`` may answer on for the agency."""
    draft = session.get(OverviewDraft, meta.draft)
    if draft is None or not acts_for_agency(session, draft.case_id, meta.agency, actor):
        raise RefusedError(ANSWERER)
    return draft_facts(session, meta.draft).reference, agency_names(session, [meta.agency]).get(
        meta.agency, ""
    )


def answers(session: Session, draft_id: int) -> dict[int, OverviewConfirmation]:
    return {
        c.agency_id: c
        for c in session.scalars(
            select(OverviewConfirmation).where(OverviewConfirmation.draft_id == draft_id)
        )
    }


def record_acceptance(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    form: AcceptanceForm,
    *,
    actor: str,
    copy_to: Sequence[str] = (),
) -> OverviewDraft:
    """The Board accepted the report and agreed its action plan: the review ends and
    monitoring begins, at the interval the Board chose, with the Board's steps after the
    report (a copy for each of ``copy_to`` among them)."""
    case = review_case(session, case_id)
    if not may_record_for_board(session, actor):
        raise RefusedError(ACCEPTANCE)
    draft = latest_draft(session, case_id)
    if draft is None:
        raise RefusedError("No draft of the overview report is ready yet.")
    given = answers(session, draft.id)
    pending = [a for a in draft.agency_ids if a not in given]
    disputed = [a for a, c in given.items() if c.status == DraftAnswer.DISPUTED]
    if pending or disputed:
        names = agency_names(session, pending + disputed)
        parts = []
        if pending:
            parts.append("still to confirm: " + ", ".join(names[a] for a in pending))
        if disputed:
            parts.append("not fully represented: " + ", ".join(names[a] for a in disputed))
        raise RefusedError("The agencies' answers are not all in (" + "; ".join(parts) + ").")
    draft.accepted_on, draft.accepted_by = form.accepted_on, actor
    ctx = EngineContext(session, cal, now)
    for task in session.scalars(
        select(Task).where(
            Task.case_id == case_id,
            Task.kind == TaskKind.OVERVIEW_REPORT,
            Task.status == TaskStatus.OPEN,
        )
    ):
        complete_task(ctx, task, actor=actor, check_permission=False)
    agree_interval(ctx, case, form.returns_interval, actor=actor)
    agreed_at = now if form.accepted_on >= cal.london_date(now) else cal.day_start(form.accepted_on)
    record_event(ctx, case, "report_agreed", at=agreed_at, actor=actor)
    start_copies(ctx, case, copy_to)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="report.accepted",
        case_id=case_id,
        version=draft.version,
        accepted_on=form.accepted_on.isoformat(),
    )
    return draft


@dataclass(frozen=True)
class ReportRecommendation:
    """One recommendation carried into the action plan (monitoring reads these)."""

    number: int
    agency_id: int
    agency: str
    action: str
    owner: str
    target_date: date | None
    expected_outcome: str
    review_of_outcome: str


def report_recommendations(
    session: Session, cipher: FieldCipher, case_id: int
) -> list[ReportRecommendation]:
    """The accepted management reviews' recommendations, numbered in order, agency by agency."""
    accepted = [r for r in reviews_of(session, case_id) if r.status == ImrStatus.ACCEPTED]
    names = agency_names(session, [r.agency_id for r in accepted])
    sealed = cipher.for_case(session, case_id)
    out: list[ReportRecommendation] = []
    for review in sorted(accepted, key=lambda r: (names[r.agency_id], r.id)):
        for rec in review.recommendations:
            out.append(_carried(sealed, review, names[review.agency_id], rec, len(out) + 1))
    return out


def _carried(
    cipher: CaseCipher, review: ManagementReview, agency: str, rec: ImrRecommendation, number: int
) -> ReportRecommendation:
    data = cipher.decrypt_json(rec.content)
    return ReportRecommendation(
        number=number,
        agency_id=review.agency_id,
        agency=agency,
        action=data["action"],
        owner=data.get("by_whom", ""),
        target_date=rec.by_when,
        expected_outcome=data.get("expected_outcome", ""),
        review_of_outcome=data.get("review_of_outcome", ""),
    )
