"""Individual management reviews (Appendix 3); the interviews with workers behind them
(Appendix 2) are `bot.services.review.interviews`.

A management review is one per contributing agency, with a named author and due date;
submitted by the author (the sections of Appendix 3, `schema.SECTIONS`, and/or a document,
with the author's confirmation of their independence), then accepted or returned
with comments by the panel chair. The engine's task reminds the author and escalates to the
panel chair; a return hands the task back with a new deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher
from bot.process.states import Stage
from bot.process.working_days import WorkingCalendar, add_calendar_months
from bot.services.cases import audit
from bot.services.cases.access import active_agencies
from bot.services.cases.identifying import screen
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import (
    EngineContext,
    add_agency,
    complete_task,
    involved_agencies,
    move_deadline,
    reopen_task,
)
from bot.services.review.access import (
    acts_for_agency,
    ensure_member,
    leads_review,
    lock_case,
)
from bot.services.review.frame import completion_date, decided_on
from bot.services.review.schema import (
    IMR_KINDS,
    SECTIONS,
    ImrForm,
    ImrRequestForm,
    ImrStatus,
    ReturnForm,
)
from storage.models import (
    Agency,
    Case,
    CaseAssignment,
    ImrRecommendation,
    ManagementReview,
    Task,
)
from storage.states import TaskStatus

NOT_NOW = "Management reviews are not part of this case's work now."
NOT_OPEN = "This management review is not waiting for you."
REQUESTER = "The panel chair requests the management reviews."
SUBMITTERS = "Only the review's author or the agency's leads can submit it."
CHAIR_ANSWERS = "The panel chair accepts or returns the management reviews."
CHAIR_READS = "The panel chair reads, accepts and returns the management reviews."
WAITING = (ImrStatus.REQUESTED, ImrStatus.RETURNED)


def imr_case(session: Session, case_id: int) -> Case:
    """The case, locked, while management reviews are part of its work."""
    case = lock_case(session, case_id)
    if case is None or case.stage not in IMR_KINDS or case.closed_at is not None:
        raise RefusedError(NOT_NOW)
    return case


def agency_name(session: Session, agency_id: int) -> str:
    agency = session.get(Agency, agency_id)
    return agency.name if agency else ""


# Requesting one ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestChoices:
    """What the request form offers: the agencies, and a due date two months from the
    decision (or today, if that has passed)."""

    agencies: list[Agency]
    default_due: date


def request_choices(session: Session, case: Case, actor: str, today: date) -> RequestChoices:
    if case.stage not in IMR_KINDS or case.closed_at is not None:
        raise RefusedError(NOT_NOW)
    if not leads_review(session, case.id, actor):
        raise RefusedError(REQUESTER)
    if case.stage == Stage.REVIEW:
        found = [session.get(Agency, a.agency_id) for a in involved_agencies(session, case.id)]
        agencies = [a for a in found if a is not None]
    else:
        agencies = list(active_agencies(session))
    default_due = add_calendar_months(decided_on(session, case.id), 2)
    return RequestChoices(agencies, max(default_due, today))


def _task_for(session: Session, case: Case, agency_id: int) -> Task | None:
    return session.scalar(
        select(Task)
        .where(
            Task.case_id == case.id,
            Task.kind == IMR_KINDS[Stage(case.stage)],
            Task.agency_id == agency_id,
        )
        .order_by(Task.round_no.desc())
        .limit(1)
    )


def review_for(session: Session, case_id: int, agency_id: int) -> ManagementReview | None:
    return session.scalar(
        select(ManagementReview).where(
            ManagementReview.case_id == case_id, ManagementReview.agency_id == agency_id
        )
    )


def request_imr(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    form: ImrRequestForm,
    *,
    actor: str,
) -> ManagementReview:
    """Name the author and due date (again, while nothing is submitted)."""
    case = imr_case(session, case_id)
    if not leads_review(session, case_id, actor):
        raise RefusedError(REQUESTER)
    if case.stage == Stage.REVIEW and form.due_on > completion_date(session, case_id):
        raise RefusedError("It must be due before the review's completion date.", field="due_on")
    ctx = EngineContext(session, cal, now)
    if form.agency_id not in {a.agency_id for a in involved_agencies(session, case_id)}:
        if session.get(Agency, form.agency_id) is None:
            raise RefusedError("That agency is not part of the partnership.")
        add_agency(ctx, case, form.agency_id, actor=actor)
    task = _task_for(session, case, form.agency_id)
    assert task is not None
    row = review_for(session, case_id, form.agency_id)
    if row is not None and row.status in (ImrStatus.SUBMITTED, ImrStatus.ACCEPTED):
        raise RefusedError("That agency's review is already submitted.")
    if row is None:
        row = ManagementReview(
            case_id=case_id,
            agency_id=form.agency_id,
            task_id=task.id,
            status=ImrStatus.REQUESTED.value,
            submissions=0,
            author=form.author,
            due_on=form.due_on,
            requested_by=actor,
            requested_at=now,
        )
        session.add(row)
    row.author, row.due_on, row.task_id = form.author, form.due_on, task.id
    for old in session.scalars(
        select(CaseAssignment).where(
            CaseAssignment.case_id == case_id,
            CaseAssignment.role == "imr_author",
            CaseAssignment.agency_id == form.agency_id,
        )
    ):
        session.delete(old)
    session.flush()
    session.add(
        CaseAssignment(
            case_id=case_id,
            role="imr_author",
            agency_id=form.agency_id,
            slack_user_id=form.author,
            assigned_at=now,
        )
    )
    ensure_member(session, case_id, form.author, "imr_author")
    new_due = cal.day_end(form.due_on)
    if task.status == TaskStatus.OPEN and task.due_at != new_due:
        move_deadline(ctx, task, new_due=new_due, actor=actor, reason="management review due date")
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="imr.requested",
        case_id=case_id,
        agency_id=form.agency_id,
        author=form.author,
        due=form.due_on.isoformat(),
    )
    return row


def load_review(session: Session, review_id: int) -> ManagementReview:
    """The review, its case locked, while management reviews are part of the case's work."""
    row = session.get(ManagementReview, review_id)
    if row is None:
        raise RefusedError(NOT_NOW)
    imr_case(session, row.case_id)
    session.refresh(row)
    return row


def reviews_of(session: Session, case_id: int) -> list[ManagementReview]:
    return list(
        session.scalars(
            select(ManagementReview)
            .where(ManagementReview.case_id == case_id)
            .order_by(ManagementReview.id)
        )
    )


# Submitting one ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImrContent:
    sections: dict[str, str]
    recommendations: list[dict[str, Any]]
    comments: str | None
    independent: bool = False


def imr_content(cipher: CaseCipher, row: ManagementReview) -> ImrContent:
    """What was submitted; a section a review written before it was asked for reads empty."""
    stored = cipher.decrypt_json(row.sections) if row.sections else {}
    independent = bool(stored.pop("independent", False))
    sections = {s: str(stored.get(s) or "") for s in SECTIONS}
    recs = []
    for rec in row.recommendations:
        data = cipher.decrypt_json(rec.content)
        data["by_when"] = rec.by_when
        data["number"] = rec.number
        recs.append(data)
    comments = cipher.decrypt_text(row.return_comments) if row.return_comments else None
    return ImrContent(sections, recs, comments, independent)


@dataclass(frozen=True)
class ToSubmit:
    """A review waiting for its author: what the submission form shows."""

    review: ManagementReview
    reference: str
    agency: str
    content: ImrContent


def to_submit(session: Session, cipher: FieldCipher, review_id: int | None, actor: str) -> ToSubmit:
    row = session.get(ManagementReview, review_id) if review_id is not None else None
    if row is None:
        raise RefusedError(NOT_OPEN)
    if not acts_for_agency(session, row.case_id, row.agency_id, actor):
        raise RefusedError(SUBMITTERS)
    if row.status not in WAITING:
        raise RefusedError(f"This management review is {row.status} already.")
    case = session.get(Case, row.case_id)
    reference = case.reference if case else ""
    content = imr_content(cipher.for_case(session, row.case_id), row)
    return ToSubmit(row, reference, agency_name(session, row.agency_id), content)


def own_review(session: Session, case: Case, actor: str) -> int:
    """The review on this case waiting for ``actor`` (the first, if several)."""
    rows = session.scalars(
        select(ManagementReview).where(
            ManagementReview.case_id == case.id,
            ManagementReview.status.in_([s.value for s in WAITING]),
        )
    )
    mine = [r for r in rows if acts_for_agency(session, case.id, r.agency_id, actor)]
    if not mine:
        raise RefusedError(NOT_OPEN)
    return mine[0].id


@dataclass(frozen=True)
class ImrOutcome:
    changed: bool
    review_id: int
    case_id: int
    agency_id: int
    status: ImrStatus


def _outcome(row: ManagementReview, changed: bool) -> ImrOutcome:
    return ImrOutcome(changed, row.id, row.case_id, row.agency_id, ImrStatus(row.status))


def submit_imr(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    review_id: int,
    form: ImrForm,
    *,
    actor: str,
) -> ImrOutcome:
    row = load_review(session, review_id)
    screen(session, cipher, row.case_id, form.texts(), form.labels())
    if not acts_for_agency(session, row.case_id, row.agency_id, actor):
        raise RefusedError(SUBMITTERS, field="chronology")
    if row.status not in WAITING:
        raise RefusedError(NOT_OPEN, field="chronology")
    sealed = cipher.for_case(session, row.case_id)
    written: dict[str, Any] = {s: getattr(form, s) for s in SECTIONS}
    row.sections = sealed.encrypt_json({**written, "independent": form.independent})
    row.document_file_id = form.document_file_id
    row.recommendations.clear()
    session.flush()
    for number, rec in enumerate(form.recommendations, start=1):
        row.recommendations.append(
            ImrRecommendation(
                number=number,
                content=sealed.encrypt_json(rec.model_dump(mode="json", exclude={"by_when"})),
                by_when=rec.by_when,
            )
        )
    row.status, row.submitted_by, row.submitted_at = ImrStatus.SUBMITTED.value, actor, now
    row.submissions += 1
    task = session.get(Task, row.task_id)
    if task is not None and task.status == TaskStatus.OPEN:
        complete_task(EngineContext(session, cal, now), task, actor=actor, check_permission=False)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="imr.submitted",
        case_id=row.case_id,
        agency_id=row.agency_id,
        submission=row.submissions,
        recommendations=len(form.recommendations),
        document=form.document_file_id is not None,
    )
    return _outcome(row, True)


# The panel chair's answer --------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """A submitted review as the panel chair reads it."""

    review: ManagementReview
    reference: str
    agency: str


def for_the_chair(session: Session, review_id: int | None, actor: str) -> Submitted:
    row = session.get(ManagementReview, review_id) if review_id is not None else None
    if row is None:
        raise RefusedError(NOT_OPEN)
    if not leads_review(session, row.case_id, actor):
        raise RefusedError(CHAIR_READS)
    case = session.get(Case, row.case_id)
    reference = case.reference if case else ""
    return Submitted(row, reference, agency_name(session, row.agency_id))


def read_imr(session: Session, now: datetime, review_id: int | None, actor: str) -> Submitted:
    """The panel chair opens a review to read: recorded in the audit log."""
    found = for_the_chair(session, review_id, actor)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="imr.viewed",
        case_id=found.review.case_id,
        agency_id=found.review.agency_id,
    )
    return found


def to_return(session: Session, review_id: int | None, actor: str) -> Submitted:
    found = for_the_chair(session, review_id, actor)
    if found.review.status != ImrStatus.SUBMITTED:
        raise RefusedError(NOT_OPEN)
    return found


def _unchanged(row: ManagementReview, field: str | None = None) -> RefusedError:
    return RefusedError(f"This review is {row.status}; nothing has changed.", field=field)


def accept_imr(session: Session, now: datetime, review_id: int, *, actor: str) -> ImrOutcome:
    row = load_review(session, review_id)
    if not leads_review(session, row.case_id, actor):
        raise RefusedError(CHAIR_ANSWERS)
    if row.status != ImrStatus.SUBMITTED:
        return _outcome(row, False)
    row.status, row.decided_by, row.decided_at = ImrStatus.ACCEPTED.value, actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="imr.accepted",
        case_id=row.case_id,
        agency_id=row.agency_id,
    )
    return _outcome(row, True)


def return_imr(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    review_id: int,
    form: ReturnForm,
    *,
    actor: str,
) -> ImrOutcome:
    """Back to the author with comments: the task opens again, due on the new date."""
    row = load_review(session, review_id)
    screen(session, cipher, row.case_id, {"comments": form.comments})
    if not leads_review(session, row.case_id, actor):
        raise RefusedError(CHAIR_ANSWERS, field="comments")
    if row.status != ImrStatus.SUBMITTED:
        raise _unchanged(row, "comments")
    row.status, row.decided_by, row.decided_at = ImrStatus.RETURNED.value, actor, now
    row.return_comments = cipher.for_case(session, row.case_id).encrypt_text(form.comments)
    row.due_on = form.new_due
    task = session.get(Task, row.task_id)
    if task is not None:
        reopen_task(
            EngineContext(session, cal, now), task, new_due=cal.day_end(form.new_due), actor=actor
        )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="imr.returned",
        case_id=row.case_id,
        agency_id=row.agency_id,
    )
    return _outcome(row, True)
