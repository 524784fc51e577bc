"""A "not met" path's end (a smaller-scale audit; individual management reviews only): its
findings are shared with the panel, and the case closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
from bot.services.review.schema import FINDINGS_PATHS, ImrStatus
from storage.models import Case, ReviewFindings, Task
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


@dataclass(frozen=True)
class RecordedFindings:
    """The findings as recorded: what the case room keeps of them, and the case channel's note."""

    case_id: int
    reference: str
    path: str
    summary: str
    shared_on: date
    document_file_id: str | None
    recorded_by: str
    recorded_at: datetime


def recorded_findings(
    session: Session, cipher: FieldCipher, case_id: int
) -> RecordedFindings | None:
    """The case's findings (the summary decrypted), None before they are recorded."""
    row = session.scalar(select(ReviewFindings).where(ReviewFindings.case_id == case_id))
    case = session.get(Case, case_id)
    if row is None or case is None:
        return None
    return RecordedFindings(
        case_id,
        case.reference,
        FINDINGS_PATHS.get(Stage(case.stage), ""),
        cipher.for_case(session, case_id).decrypt_text(row.summary),
        row.shared_on,
        row.document_file_id,
        row.recorded_by,
        row.recorded_at,
    )
