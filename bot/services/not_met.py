"""The "not met" paths (a smaller-scale audit; individual management reviews only): their
findings are shared with the panel, and the case closes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext, open_tasks
from bot.services.imr import LONG_TEXT, ImrStatus, reviews_of, today_of
from bot.services.overview_report import agency_names
from bot.services.review import ReviewRefusedError
from bot.services.review_access import leads_review, lock_case
from bot.services.review_forms import FormFieldError
from bot.services.task_changes import complete_task
from storage.models import ReviewFindings, Task

FINDINGS_KINDS = {"audit": "audit_findings_shared", "management_reviews": "mr_findings_shared"}


class FindingsForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    findings_summary: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    shared_on: date
    document_file_id: Annotated[str | None, Field(pattern=r"^F[A-Z0-9]+$")] = None

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> FindingsForm:
        if self.shared_on > today_of(info):
            raise FormFieldError("shared_on", "This date cannot be in the future.")
        return self


def _waiting_reviews(session: Session, case_id: int) -> list[int]:
    """Agencies whose management review is not accepted yet (or not even requested)."""
    accepted = {r.agency_id for r in reviews_of(session, case_id) if r.status == ImrStatus.ACCEPTED}
    waiting = {
        t.agency_id
        for t in open_tasks(session, case_id)
        if t.kind == "management_review" and t.agency_id is not None
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
        raise ReviewRefusedError("Findings are recorded on the audit or management review path.")
    if not leads_review(session, case_id, actor):
        raise ReviewRefusedError("The panel chair records the findings.")
    if session.scalar(select(ReviewFindings.id).where(ReviewFindings.case_id == case_id)):
        return False
    waiting = _waiting_reviews(session, case_id)
    if waiting:
        names = ", ".join(agency_names(session, waiting).values())
        raise ReviewRefusedError(f"Management reviews still to be accepted: {names}.")
    session.add(
        ReviewFindings(
            case_id=case_id,
            summary=cipher.encrypt_text(form.findings_summary),
            shared_on=form.shared_on,
            document_file_id=form.document_file_id,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    ctx = EngineContext(session, cal, now)
    for task in session.scalars(
        select(Task).where(
            Task.case_id == case_id,
            Task.kind == FINDINGS_KINDS[case.stage],
            Task.status == "open",
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
