"""The review panel chair: appointed by the Board Chair, the CPU or the business unit, and
in post only once they confirm they had no previous involvement in the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services import audit
from bot.services.review import ReviewRefusedError, review_case
from bot.services.review_access import ensure_member, lock_case, may_appoint_panel_chair
from storage.models import CaseAssignment, PanelChairAppointment


def appoint_panel_chair(
    session: Session, now: datetime, case_id: int, user_id: str, *, actor: str
) -> PanelChairAppointment:
    """A pending appointment; it counts once the appointee confirms no previous involvement."""
    if not may_appoint_panel_chair(session, actor):
        raise ReviewRefusedError(
            "The Board Chair, the CPU or the business unit appoint the panel chair."
        )
    review_case(session, case_id)
    session.execute(
        update(PanelChairAppointment)
        .where(PanelChairAppointment.case_id == case_id, PanelChairAppointment.status == "pending")
        .values(status="replaced")
        .execution_options(synchronize_session=False)
    )
    appointment = PanelChairAppointment(
        case_id=case_id,
        slack_user_id=user_id,
        status="pending",
        appointed_by=actor,
        appointed_at=now,
    )
    session.add(appointment)
    session.flush()
    audit.record(
        session, at=now, actor=actor, action="panel_chair.appointed", case_id=case_id, user=user_id
    )
    return appointment


@dataclass(frozen=True)
class AppointmentAnswer:
    changed: bool
    appointment_id: int
    case_id: int
    user: str
    appointed_by: str
    status: str


def answer_appointment(
    session: Session, now: datetime, appointment_id: int, *, actor: str, no_involvement: bool
) -> AppointmentAnswer:
    """The appointee confirms no previous involvement (and becomes the panel chair) or
    declares some (and the appointer must find someone else). Answered once."""
    row = session.get(PanelChairAppointment, appointment_id)
    if row is None or row.slack_user_id != actor:
        raise ReviewRefusedError("This appointment is someone else's to answer.")
    lock_case(session, row.case_id)
    session.refresh(row)
    answer = AppointmentAnswer(
        False, row.id, row.case_id, row.slack_user_id, row.appointed_by, row.status
    )
    if row.status != "pending":
        return answer
    row.responded_at = now
    if not no_involvement:
        row.status = "declined"
        audit.record(
            session, at=now, actor=actor, action="panel_chair.declined", case_id=row.case_id
        )
        return AppointmentAnswer(True, row.id, row.case_id, actor, row.appointed_by, row.status)
    row.status = "confirmed"
    session.execute(
        update(PanelChairAppointment)
        .where(
            PanelChairAppointment.case_id == row.case_id,
            PanelChairAppointment.status == "confirmed",
            PanelChairAppointment.id != row.id,
        )
        .values(status="replaced")
        .execution_options(synchronize_session=False)
    )
    for old in session.scalars(
        select(CaseAssignment).where(
            CaseAssignment.case_id == row.case_id, CaseAssignment.role == "panel_chair"
        )
    ):
        session.delete(old)
    session.add(
        CaseAssignment(
            case_id=row.case_id, role="panel_chair", slack_user_id=actor, assigned_at=now
        )
    )
    ensure_member(session, row.case_id, actor, "panel_chair")
    audit.record(session, at=now, actor=actor, action="panel_chair.confirmed", case_id=row.case_id)
    return AppointmentAnswer(True, row.id, row.case_id, actor, row.appointed_by, row.status)
