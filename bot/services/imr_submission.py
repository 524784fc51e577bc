"""A management review's submission by its author (the four sections of Appendix 3 and/or
a document), and the panel chair's answer: accepted, or returned with comments (the task
opens again, due on a new date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext
from bot.services.imr import LONG_TEXT, SECTIONS, ImrStatus, load_review, today_of
from bot.services.review import ReviewRefusedError
from bot.services.review_access import acts_for_agency, leads_review
from bot.services.review_forms import FormFieldError
from bot.services.task_changes import complete_task, reopen_task
from storage.models import ImrRecommendation, ManagementReview, Task

SHORT_TEXT = 200


class RecommendationRow(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    action: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    by_whom: Annotated[str, Field(max_length=SHORT_TEXT)] = ""
    by_when: date | None = None
    expected_outcome: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    review_of_outcome: Annotated[str, Field(max_length=LONG_TEXT)] = ""


class ImrForm(BaseModel):
    """The four sections of Appendix 3 and/or the review as a document."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    chronology: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    analysis: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    learning: Annotated[str, Field(max_length=LONG_TEXT)] = ""
    recommendations: list[RecommendationRow] = Field(default_factory=list)
    document_file_id: Annotated[str | None, Field(pattern=r"^F[A-Z0-9]+$")] = None

    @model_validator(mode="after")
    def _something(self) -> ImrForm:
        if self.document_file_id is None:
            for section in SECTIONS:
                if not getattr(self, section):
                    raise FormFieldError(section, "Fill this in, or attach the review below.")
        return self


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
    if not acts_for_agency(session, row.case_id, row.agency_id, actor):
        raise ReviewRefusedError("Only the review's author or the agency's leads can submit it.")
    if row.status not in (ImrStatus.REQUESTED, ImrStatus.RETURNED):
        return _outcome(row, False)
    row.sections = cipher.encrypt_json({s: getattr(form, s) for s in SECTIONS})
    row.document_file_id = form.document_file_id
    row.recommendations.clear()
    session.flush()
    for number, rec in enumerate(form.recommendations, start=1):
        row.recommendations.append(
            ImrRecommendation(
                number=number,
                content=cipher.encrypt_json(rec.model_dump(mode="json", exclude={"by_when"})),
                by_when=rec.by_when,
            )
        )
    row.status, row.submitted_by, row.submitted_at = ImrStatus.SUBMITTED.value, actor, now
    row.submissions += 1
    task = session.get(Task, row.task_id)
    if task is not None and task.status == "open":
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


def accept_imr(session: Session, now: datetime, review_id: int, *, actor: str) -> ImrOutcome:
    row = load_review(session, review_id)
    if not leads_review(session, row.case_id, actor):
        raise ReviewRefusedError("The panel chair accepts or returns the management reviews.")
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


class ReturnForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    comments: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    new_due: date

    @model_validator(mode="after")
    def _due(self, info: ValidationInfo) -> ReturnForm:
        if self.new_due <= today_of(info):
            raise FormFieldError("new_due", "The new due date must be in the future.")
        return self


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
    if not leads_review(session, row.case_id, actor):
        raise ReviewRefusedError("The panel chair accepts or returns the management reviews.")
    if row.status != ImrStatus.SUBMITTED:
        return _outcome(row, False)
    row.status, row.decided_by, row.decided_at = ImrStatus.RETURNED.value, actor, now
    row.return_comments = cipher.encrypt_text(form.comments)
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


@dataclass(frozen=True)
class ImrContent:
    sections: dict[str, str]
    recommendations: list[dict[str, Any]]
    comments: str | None


def imr_content(cipher: FieldCipher, row: ManagementReview) -> ImrContent:
    sections = cipher.decrypt_json(row.sections) if row.sections else {s: "" for s in SECTIONS}
    recs = []
    for rec in row.recommendations:
        data = cipher.decrypt_json(rec.content)
        data["by_when"] = rec.by_when
        data["number"] = rec.number
        recs.append(data)
    comments = cipher.decrypt_text(row.return_comments) if row.return_comments else None
    return ImrContent(sections, recs, comments)
