"""The date a review is planned to be finished by (a Child Safeguarding Practice Review's
publication date): set and moved in the case channel, never later than the process's limit
(six months from the partners' decision) unless an extension is recorded. Setting it records
the case event the definition names (``planned_event``), and the tasks wanted before it (the
final report to the national panel and the Department, 7 working days before) fall due
before the date, following it when it moves."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.definition import CompletionLimit
from bot.process.working_days import WorkingCalendar, day
from bot.services.cases import audit
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import role_holders
from bot.services.reminders.tasks import (
    EngineContext,
    event_time,
    follow_meeting,
    record_event,
)
from bot.services.review.frame import completion_limit, limited_case, who_may
from bot.services.review.schema import DatePlanned, PlannedDate
from storage.models import Case, CaseEvent

FIELD = "planned_date"
NOT_PLANNED = "This process has no planned date to set."


def _planned_event(limit: CompletionLimit) -> str:
    if limit.planned_event is None:
        raise RefusedError(NOT_PLANNED)
    return limit.planned_event


def may_plan(session: Session, case: Case, actor: str) -> CompletionLimit:
    """The process's limit, when ``actor`` may plan the date: whoever may agree an extension,
    or the review's lead."""
    _, limit = limited_case(session, case.id)
    _planned_event(limit)
    planners = (*limit.agreed_by, "panel_chair")
    for role in planners:
        if actor in role_holders(session, case.id, role):
            return limit
    raise RefusedError(who_may(planners, "set the date"))


def planned_on(session: Session, cal: WorkingCalendar, case_id: int, event: str) -> date | None:
    at = event_time(session, case_id, event)
    return cal.london_date(at) if at is not None else None


def planning(session: Session, cal: WorkingCalendar, case: Case, actor: str) -> PlannedDate:
    """What the form to plan the date shows, once ``actor`` may plan it."""
    limit = may_plan(session, case, actor)
    return PlannedDate(
        case_id=case.id,
        reference=case.reference,
        planned=planned_on(session, cal, case.id, _planned_event(limit)),
        latest=completion_limit(session, case.id),
        finished=limit.finished,
        agreed_with=limit.agreed_with,
    )


def plan_date(
    session: Session, cal: WorkingCalendar, now: datetime, case_id: int, on: date, *, actor: str
) -> DatePlanned:
    """Record (or move) the planned date: refused in the past, or past the limit without an
    extension. The tasks due before it move, with their reminders; audited."""
    case, limit = limited_case(session, case_id)
    may_plan(session, case, actor)
    event = _planned_event(limit)
    if on < cal.london_date(now):
        raise RefusedError(
            f"The date to be {limit.finished} by cannot be in the past.", field=FIELD
        )
    latest = completion_limit(session, case_id)
    if on > latest:
        raise RefusedError(
            f"The review must be {limit.finished} by {day(latest)}; a later date needs an "
            f"extension {limit.agreed_with}, recorded with /scr review extension.",
            field=FIELD,
        )
    previous = planned_on(session, cal, case_id, event)
    at = cal.at_london(on, time(12))
    ctx = EngineContext(session, cal, now)
    if not record_event(ctx, case, event, at=at, actor=actor):
        row = session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
        )
        assert row is not None
        row.at, row.recorded_by, row.recorded_at = at, actor, now
        session.flush()
    moved = follow_meeting(ctx, case, event, actor=actor, reason=f"{event} {on.isoformat()}")
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review.date_planned",
        case_id=case_id,
        event=event,
        date=on.isoformat(),
        previous=previous.isoformat() if previous else None,
        moved=moved,
    )
    return DatePlanned(case_id, case.reference, on, previous, moved, limit.finished)
