"""Interviews with workers (Appendix 2): the agency's reviewer schedules one, then records
that the interview summary was shared with the interviewee and agreed, or where they
disagree. Who and where are stored encrypted; the calendar invitation names the case
reference only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar.invites import Attendee, Meeting, Organizer, build_request, ics_filename
from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.imr import LONG_TEXT, imr_case, today_of
from bot.services.review import ReviewRefusedError
from bot.services.review_access import acts_for_agency
from bot.services.review_forms import FormFieldError
from storage.models import WorkerInterview

NOT_THE_REVIEWER = "The agency's reviewer arranges and records its interviews."


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    AGREED = "agreed"
    DISAGREED = "disagreed"


class InterviewForm(BaseModel):
    """Field names are the modal's block ids."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agency_id: int
    interviewee: Annotated[str | None, Field(pattern=r"^[UW][A-Z0-9]{2,}$")] = None
    interviewee_role: Annotated[str, Field(max_length=120)] = ""
    interview_date: date
    start_time: time
    end_time: time
    location: Annotated[str, Field(max_length=200)] = ""
    invite: bool = False

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> InterviewForm:
        if not self.interviewee and not self.interviewee_role:
            raise FormFieldError("interviewee_role", "Choose the interviewee, or give their role.")
        if self.interview_date < today_of(info):
            raise FormFieldError("interview_date", "The interview cannot be in the past.")
        if self.end_time <= self.start_time:
            raise FormFieldError("end_time", "The interview must end after it starts.")
        return self


def schedule_interview(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: InterviewForm,
    *,
    actor: str,
    uid: str,
) -> WorkerInterview:
    imr_case(session, case_id)
    if not acts_for_agency(session, case_id, form.agency_id, actor):
        raise ReviewRefusedError(NOT_THE_REVIEWER)
    row = WorkerInterview(
        case_id=case_id,
        agency_id=form.agency_id,
        reviewer=actor,
        interviewee=form.interviewee,
        details=cipher.encrypt_json({"role": form.interviewee_role, "location": form.location}),
        starts_at=cal.at_london(form.interview_date, form.start_time),
        ends_at=cal.at_london(form.interview_date, form.end_time),
        uid=uid,
        sequence=0,
        status=InterviewStatus.SCHEDULED.value,
        scheduled_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="interview.scheduled",
        case_id=case_id,
        agency_id=form.agency_id,
        interview_id=row.id,
        invite=form.invite,
    )
    return row


class OutcomeForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    shared_on: date
    agreed: bool
    disagreement: Annotated[str, Field(max_length=LONG_TEXT)] = ""

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> OutcomeForm:
        if self.shared_on > today_of(info):
            raise FormFieldError("shared_on", "This date cannot be in the future.")
        if not self.agreed and not self.disagreement:
            raise FormFieldError("disagreement", "Please say where the interviewee disagrees.")
        return self


def record_outcome(
    session: Session,
    now: datetime,
    cipher: FieldCipher,
    interview_id: int,
    form: OutcomeForm,
    *,
    actor: str,
) -> bool:
    """False when the outcome was recorded already (a second submission changes nothing)."""
    row = session.get(WorkerInterview, interview_id)
    if row is None:
        raise ReviewRefusedError("That interview is not on record.")
    imr_case(session, row.case_id)
    session.refresh(row)
    if not acts_for_agency(session, row.case_id, row.agency_id, actor):
        raise ReviewRefusedError(NOT_THE_REVIEWER)
    if row.status != InterviewStatus.SCHEDULED:
        return False
    row.status = (InterviewStatus.AGREED if form.agreed else InterviewStatus.DISAGREED).value
    row.summary_shared_on = form.shared_on
    row.disagreement = None if form.agreed else cipher.encrypt_text(form.disagreement)
    row.recorded_by, row.recorded_at = actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="interview.recorded",
        case_id=row.case_id,
        interview_id=row.id,
        agreed=form.agreed,
    )
    return True


def interviews_of(session: Session, case_id: int) -> list[WorkerInterview]:
    return list(
        session.scalars(
            select(WorkerInterview)
            .where(WorkerInterview.case_id == case_id)
            .order_by(WorkerInterview.starts_at, WorkerInterview.id)
        )
    )


@dataclass(frozen=True)
class Invitation:
    filename: str
    ics: bytes


def invitation(
    row: WorkerInterview,
    reference: str,
    *,
    organizer: Organizer,
    attendees: list[Attendee],
    location: str,
    now: datetime,
) -> Invitation:
    """The interview as a METHOD:REQUEST calendar invitation naming the case reference only."""
    meeting = Meeting(
        uid=row.uid,
        sequence=row.sequence,
        case_reference=reference,
        summary=f"{reference}: interview for the serious case review",
        description=f"An interview (Appendix 2) for {reference}. The details are in Slack.",
        start=row.starts_at,
        end=row.ends_at,
        location=location or None,
        organizer=organizer,
        attendees=attendees,
    )
    return Invitation(
        ics_filename(reference, f"interview {row.id}"), build_request(meeting, dtstamp=now)
    )


def interview_for(session: Session, interview_id: int) -> WorkerInterview | None:
    return session.get(WorkerInterview, interview_id)
