"""Individual management reviews (Appendix 3): one per contributing agency, with a named
author and due date; submitted by the author, then accepted or returned with comments by
the panel chair. The engine's task reminds the author and escalates to the panel chair;
a return hands the task back with a new deadline."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext, add_agency, involved_agencies
from bot.services.review import ReviewRefusedError, completion_date
from bot.services.review_access import ensure_member, leads_review, lock_case
from bot.services.review_forms import FormFieldError
from bot.services.task_changes import move_deadline
from storage.models import Agency, Case, CaseAssignment, ManagementReview, Task

LONG_TEXT = 3000
IMR_KINDS = {"review": "imr", "management_reviews": "management_review"}
"""The management review's task kind on each path that has them."""
SECTIONS = ("chronology", "analysis", "learning")
NOT_NOW = "Management reviews are not part of this case's work now."


class ImrStatus(StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


STATUS_WORDS = {
    ImrStatus.REQUESTED: "requested",
    ImrStatus.SUBMITTED: "submitted, awaiting the panel chair",
    ImrStatus.ACCEPTED: "accepted",
    ImrStatus.RETURNED: "returned for changes",
}


def imr_case(session: Session, case_id: int) -> Case:
    case = lock_case(session, case_id)
    if case is None or case.stage not in IMR_KINDS or case.closed_at is not None:
        raise ReviewRefusedError(NOT_NOW)
    return case


def today_of(info: ValidationInfo) -> date:
    today = (info.context or {}).get("today")
    if not isinstance(today, date):
        raise RuntimeError("form validation needs context['today']")
    return today


class ImrRequestForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: int
    author: Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")]
    due_on: date

    @model_validator(mode="after")
    def _due(self, info: ValidationInfo) -> ImrRequestForm:
        if self.due_on <= today_of(info):
            raise FormFieldError("due_on", "The due date must be in the future.")
        limit = (info.context or {}).get("limit")
        if isinstance(limit, date) and self.due_on > limit:
            raise FormFieldError("due_on", "It must be due before the review's completion date.")
        return self


def _task_for(session: Session, case: Case, agency_id: int) -> Task | None:
    return session.scalar(
        select(Task)
        .where(
            Task.case_id == case.id,
            Task.kind == IMR_KINDS[case.stage],
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


def request_limit(session: Session, case: Case) -> date | None:
    return completion_date(session, case.id) if case.stage == "review" else None


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
        raise ReviewRefusedError("The panel chair requests the management reviews.")
    ctx = EngineContext(session, cal, now)
    if form.agency_id not in {a.agency_id for a in involved_agencies(session, case_id)}:
        if session.get(Agency, form.agency_id) is None:
            raise ReviewRefusedError("That agency is not part of the partnership.")
        add_agency(ctx, case, form.agency_id, actor=actor)
    task = _task_for(session, case, form.agency_id)
    assert task is not None
    row = review_for(session, case_id, form.agency_id)
    if row is not None and row.status in (ImrStatus.SUBMITTED, ImrStatus.ACCEPTED):
        raise ReviewRefusedError("That agency's review is already submitted.")
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
    if task.status == "open" and task.due_at != new_due:
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
    row = session.get(ManagementReview, review_id)
    if row is None:
        raise ReviewRefusedError(NOT_NOW)
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


def statuses(session: Session, case_id: int) -> dict[int, ImrStatus]:
    """Each agency's management review status, for the case card."""
    return {row.agency_id: ImrStatus(row.status) for row in reviews_of(session, case_id)}
