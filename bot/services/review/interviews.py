"""Interviews with workers for the management reviews (Appendix 2).

The agency's reviewer arranges an interview: the interviewee's profile (their role and
agency; never the child), the matters to cover, a supporter, whether the briefing pack is
sent and staff care arranged. They can move it (a new revision of its calendar invitation:
same UID, the next SEQUENCE) or cancel it (a CANCEL), and afterwards record the matters
covered and that the summary was shared and agreed, or where the interviewee disagrees.
The role, supporter and place are stored encrypted; the calendar invitation names the case
reference only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar.invites import (
    Attendee,
    Meeting,
    Method,
    Organizer,
    build_cancel,
    build_request,
    ics_filename,
)
from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar, london_date
from bot.services.cases import audit
from bot.services.cases.access import load_case
from bot.services.cases.identifying import screen
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import involved_agencies
from bot.services.review.access import acts_for_agency
from bot.services.review.imr import agency_name, imr_case
from bot.services.review.schema import (
    IMR_KINDS,
    InterviewFacts,
    InterviewForm,
    InterviewStatus,
    Matter,
    MoveForm,
    OutcomeForm,
)
from storage.models import Agency, Case, WorkerInterview

NOT_THE_REVIEWER = "The agency's reviewer arranges and records its interviews."
NOT_TO_CHANGE = "This interview is not yours to move or cancel now."
NO_INTERVIEW = "You have no interview arranged on this case to move or cancel."


def interview_agencies(session: Session, case: Case, actor: str) -> list[Agency]:
    """The agencies whose interviews ``actor`` may arrange on this case."""
    if case.stage not in IMR_KINDS or case.closed_at is not None:
        raise RefusedError("Interviews belong to the management reviews, which are not under way.")
    mine = [
        session.get(Agency, a.agency_id)
        for a in involved_agencies(session, case.id)
        if acts_for_agency(session, case.id, a.agency_id, actor)
    ]
    agencies = [a for a in mine if a is not None]
    if not agencies:
        raise RefusedError("The agency's reviewer arranges its interviews.")
    return agencies


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
    texts = {
        "interviewee_role": form.interviewee_role,
        "supporter": form.supporter,
        "location": form.location,
    }
    screen(session, cipher, case_id, texts, {"interviewee_role": "interviewee's role"})
    imr_case(session, case_id)
    if not acts_for_agency(session, case_id, form.agency_id, actor):
        raise RefusedError(NOT_THE_REVIEWER, field="agency_id")
    row = WorkerInterview(
        case_id=case_id,
        agency_id=form.agency_id,
        reviewer=actor,
        interviewee=form.interviewee,
        details=cipher.for_case(session, case_id).encrypt_json(
            {
                "role": form.interviewee_role,
                "supporter": form.supporter,
                "location": form.location,
            }
        ),
        starts_at=cal.at_london(form.interview_date, form.start_time),
        ends_at=cal.at_london(form.interview_date, form.end_time),
        uid=uid,
        sequence=0,
        status=InterviewStatus.SCHEDULED.value,
        scheduled_at=now,
        matters=[m.value for m in form.matters],
        briefing_sent_on=cal.london_date(now) if form.briefed else None,
        staff_care=form.staff_care,
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
        matters=len(form.matters),
        briefed=form.briefed,
        staff_care=form.staff_care,
    )
    return row


# Moving and cancelling ----------------------------------------------------------------------


def _changeable(session: Session, row: WorkerInterview | None, actor: str) -> WorkerInterview:
    if (
        row is None
        or row.status != InterviewStatus.SCHEDULED
        or not acts_for_agency(session, row.case_id, row.agency_id, actor)
    ):
        raise RefusedError(NOT_TO_CHANGE)
    return row


def to_change(session: Session, interview_id: int | None, actor: str) -> WorkerInterview:
    """A scheduled interview ``actor`` may move or cancel."""
    row = session.get(WorkerInterview, interview_id) if interview_id is not None else None
    return _changeable(session, row, actor)


def interviews_to_change(session: Session, case: Case, actor: str) -> list[WorkerInterview]:
    """The scheduled interviews on this case that ``actor`` may move or cancel, soonest
    first."""
    rows = session.scalars(
        select(WorkerInterview)
        .where(
            WorkerInterview.case_id == case.id,
            WorkerInterview.status == InterviewStatus.SCHEDULED.value,
        )
        .order_by(WorkerInterview.starts_at, WorkerInterview.id)
    )
    mine = [r for r in rows if acts_for_agency(session, case.id, r.agency_id, actor)]
    if not mine:
        raise RefusedError(NO_INTERVIEW)
    return mine


def move_interview(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    interview_id: int,
    form: MoveForm,
    *,
    actor: str,
) -> bool:
    """A new time or place: the invitation's next revision. False when nothing changed
    (the same answers submitted again)."""
    row = session.get(WorkerInterview, interview_id)
    if row is None:
        raise RefusedError(NOT_TO_CHANGE, field="interview_date")
    screen(session, cipher, row.case_id, {"location": form.location})
    imr_case(session, row.case_id)
    session.refresh(row)
    try:
        _changeable(session, row, actor)
    except RefusedError as exc:
        raise RefusedError(exc.message, field="interview_date") from None
    sealed = cipher.for_case(session, row.case_id)
    details: dict[str, Any] = sealed.decrypt_json(row.details)
    starts = cal.at_london(form.interview_date, form.start_time)
    ends = cal.at_london(form.interview_date, form.end_time)
    if (starts, ends, form.location) == (row.starts_at, row.ends_at, details.get("location")):
        return False
    row.starts_at, row.ends_at = starts, ends
    row.details = sealed.encrypt_json({**details, "location": form.location})
    row.sequence += 1
    audit.record(
        session,
        at=now,
        actor=actor,
        action="interview.moved",
        case_id=row.case_id,
        interview_id=row.id,
        sequence=row.sequence,
    )
    return True


def cancel_interview(session: Session, now: datetime, interview_id: int, *, actor: str) -> bool:
    """Cancel a scheduled interview; False when it was cancelled already (a second click)."""
    row = session.get(WorkerInterview, interview_id)
    if row is None:
        raise RefusedError(NOT_TO_CHANGE)
    imr_case(session, row.case_id)
    session.refresh(row)
    if row.status == InterviewStatus.CANCELLED:
        return False
    _changeable(session, row, actor)
    row.status = InterviewStatus.CANCELLED.value
    row.sequence += 1
    row.cancelled_by, row.cancelled_at = actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="interview.cancelled",
        case_id=row.case_id,
        interview_id=row.id,
        sequence=row.sequence,
    )
    return True


# After the interview ----------------------------------------------------------------------


def interview_to_record(session: Session, interview_id: int | None, actor: str) -> WorkerInterview:
    """A scheduled interview whose outcome ``actor`` may record."""
    row = session.get(WorkerInterview, interview_id) if interview_id is not None else None
    if (
        row is None
        or row.status != InterviewStatus.SCHEDULED
        or not acts_for_agency(session, row.case_id, row.agency_id, actor)
    ):
        raise RefusedError("This interview's outcome is not yours to record now.")
    return row


def record_outcome(
    session: Session,
    now: datetime,
    cipher: FieldCipher,
    interview_id: int,
    form: OutcomeForm,
    *,
    actor: str,
) -> WorkerInterview | None:
    """The interview, or None when its outcome was recorded already (a second submission
    changes nothing)."""
    row = session.get(WorkerInterview, interview_id)
    if row is None:
        raise RefusedError("That interview is not on record.", field="disagreement")
    screen(session, cipher, row.case_id, {"disagreement": form.disagreement})
    imr_case(session, row.case_id)
    session.refresh(row)
    if not acts_for_agency(session, row.case_id, row.agency_id, actor):
        raise RefusedError(NOT_THE_REVIEWER, field="disagreement")
    if row.status != InterviewStatus.SCHEDULED:
        return None
    row.status = (InterviewStatus.AGREED if form.agreed else InterviewStatus.DISAGREED).value
    row.summary_shared_on = form.shared_on
    sealed = cipher.for_case(session, row.case_id)
    row.disagreement = None if form.agreed else sealed.encrypt_text(form.disagreement)
    row.matters_covered = [m.value for m in form.matters_covered]
    if form.briefed and row.briefing_sent_on is None:
        row.briefing_sent_on = london_date(now)
    row.staff_care = form.staff_care
    row.recorded_by, row.recorded_at = actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="interview.recorded",
        case_id=row.case_id,
        interview_id=row.id,
        agreed=form.agreed,
        matters_covered=len(form.matters_covered),
    )
    return row


# What Slack and the calendar are told ----------------------------------------------------------


def interview_facts(session: Session, cipher: FieldCipher, interview_id: int) -> InterviewFacts:
    """The interview as its messages show it (to the reviewer and the interviewee)."""
    row = session.get(WorkerInterview, interview_id)
    if row is None:
        raise RefusedError("That interview is not on record.")
    details: dict[str, Any] = cipher.for_case(session, row.case_id).decrypt_json(row.details)
    return InterviewFacts(
        interview_id=row.id,
        case_id=row.case_id,
        reference=load_case(session, row.case_id).reference,
        agency=agency_name(session, row.agency_id),
        status=InterviewStatus(row.status),
        sequence=row.sequence,
        uid=row.uid,
        starts=row.starts_at,
        ends=row.ends_at,
        reviewer=row.reviewer,
        interviewee=row.interviewee,
        role=str(details.get("role") or ""),
        supporter=str(details.get("supporter") or ""),
        location=str(details.get("location") or ""),
        matters=tuple(Matter(m) for m in row.matters or ()),
        matters_covered=tuple(Matter(m) for m in row.matters_covered or ()),
        briefing_sent_on=row.briefing_sent_on,
        staff_care=bool(row.staff_care),
        summary_shared_on=row.summary_shared_on,
    )


@dataclass(frozen=True)
class Invitation:
    filename: str
    ics: bytes
    method: Method
    sequence: int


def invitation(
    facts: InterviewFacts,
    *,
    organizer: Organizer,
    attendees: list[Attendee],
    now: datetime,
) -> Invitation:
    """The interview's current revision as a calendar message naming the case reference
    only: a REQUEST (new, or moved with a higher sequence), or a CANCEL once cancelled."""
    reference = facts.reference
    meeting = Meeting(
        uid=facts.uid,
        sequence=facts.sequence,
        case_reference=reference,
        summary=f"{reference}: interview for the serious case review",
        description=f"An interview (Appendix 2) for {reference}. The details are in Slack.",
        start=facts.starts,
        end=facts.ends,
        location=facts.location or None,
        organizer=organizer,
        attendees=attendees,
    )
    cancelled = facts.status is InterviewStatus.CANCELLED
    method: Method = "CANCEL" if cancelled else "REQUEST"
    build = build_cancel if cancelled else build_request
    filename = ics_filename(reference, f"interview {facts.interview_id}")
    return Invitation(filename, build(meeting, dtstamp=now), method, facts.sequence)


@dataclass(frozen=True)
class InterviewTally:
    """The case card's line: interviews arranged, summaries agreed or disputed, and the
    Appendix 2 steps still open."""

    arranged: int
    agreed: int
    disputed: int
    not_briefed: int
    no_staff_care: int


def interview_tally(session: Session, case_id: int) -> InterviewTally | None:
    rows = [
        r
        for r in session.scalars(select(WorkerInterview).where(WorkerInterview.case_id == case_id))
        if r.status != InterviewStatus.CANCELLED
    ]
    if not rows:
        return None
    waiting = [r for r in rows if r.status == InterviewStatus.SCHEDULED]
    return InterviewTally(
        arranged=len(rows),
        agreed=sum(1 for r in rows if r.status == InterviewStatus.AGREED),
        disputed=sum(1 for r in rows if r.status == InterviewStatus.DISAGREED),
        not_briefed=sum(1 for r in waiting if r.briefing_sent_on is None),
        no_staff_care=sum(1 for r in rows if not r.staff_care),
    )
