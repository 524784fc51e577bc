"""A "not met" path's end (a smaller-scale audit; individual management reviews only): its
findings are shared with the panel, and the case closes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.states import Stage, TaskKind
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.decision.schema import FindingsForm
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext, complete_task, open_tasks
from bot.services.review.access import leads_review, lock_case
from bot.services.review.imr import reviews_of
from bot.services.review.report import agency_names
from bot.services.review.schema import ImrStatus
from storage.models import ReviewFindings, Task
from storage.states import TaskStatus

FINDINGS_KINDS = {
    Stage.AUDIT: TaskKind.AUDIT_FINDINGS_SHARED,
    Stage.MANAGEMENT_REVIEWS: TaskKind.MR_FINDINGS_SHARED,
}


def _waiting_reviews(session: Session, case_id: int) -> list[int]:
    """Agencies whose management review is not accepted yet (or not even requested)."""
    accepted = {r.agency_id for r in reviews_of(session, case_id) if r.status == ImrStatus.ACCEPTED}
    waiting = {
        t.agency_id
        for t in open_tasks(session, case_id)
        if t.kind == TaskKind.MANAGEMENT_REVIEW and t.agency_id is not None
    }
    waiting |= {r.agency_id for r in reviews_of(session, case_id)} - accepted
    return sorted(waiting)


def record_findings(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: FindingsForm,
    *,
    actor: str,
) -> bool:
    """Store the findings, share them (the task records the event) and close the case.
    False when they were recorded already."""
    case = lock_case(session, case_id)
    if case is None or case.stage not in FINDINGS_KINDS:
        raise RefusedError("Findings are recorded on the audit or management review path.")
    if not leads_review(session, case_id, actor):
        raise RefusedError("The panel chair records the findings.")
    if session.scalar(select(ReviewFindings.id).where(ReviewFindings.case_id == case_id)):
        return False
    waiting = _waiting_reviews(session, case_id)
    if waiting:
        names = ", ".join(agency_names(session, waiting).values())
        raise RefusedError(f"Management reviews still to be accepted: {names}.")
    session.add(
        ReviewFindings(
            case_id=case_id,
            summary=cipher.for_case(session, case_id).encrypt_text(form.findings_summary),
            shared_on=form.shared_on,
            document_file_id=form.document_file_id,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    ctx = EngineContext(session, cal, now)
    kind = FINDINGS_KINDS[Stage(case.stage)]
    for task in session.scalars(
        select(Task).where(
            Task.case_id == case_id, Task.kind == kind, Task.status == TaskStatus.OPEN
        )
    ):
        complete_task(ctx, task, actor=actor, check_permission=False)
    case.closed_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="findings.shared",
        case_id=case_id,
        shared_on=form.shared_on.isoformat(),
    )
    audit.record(session, at=now, actor=actor, action="case.closed", case_id=case_id)
    return True
