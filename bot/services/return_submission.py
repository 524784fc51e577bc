"""An owner's progress return on one recommendation: who may send it, what the form shows,
and storing it (encrypted) and completing its task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import MonitoringBlock as B
from bot.process.calendar import LONDON
from bot.services import audit
from bot.services.engine import EngineContext
from bot.services.owners import may_act_on
from bot.services.partnership import AgencyRole
from bot.services.progress_returns import (
    KIND,
    LONG_TEXT,
    OPEN,
    SHORT_TEXT,
    ReturnStatus,
    recommendation_id_of,
    return_of,
    round_complete,
)
from bot.services.task_changes import complete_task
from storage.models import AgencyMember, Case, ProgressReturn, Recommendation, Task


class ReturnRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


class ReturnForm(BaseModel):
    """A progress return as the modal sends it; aliases are the modal's block ids."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)

    progress: Annotated[str, Field(alias=B.PROGRESS, min_length=1, max_length=LONG_TEXT)]
    status: Annotated[ReturnStatus, Field(alias=B.STATUS)]
    reason: Annotated[str, Field(alias=B.REASON, max_length=SHORT_TEXT, validate_default=True)] = ""
    evidence: Annotated[str, Field(alias=B.EVIDENCE, max_length=SHORT_TEXT)] = ""
    as_of: Annotated[date, Field(alias=B.AS_OF)]

    @field_validator("reason")
    @classmethod
    def _reason_when_not_implemented(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("status") == ReturnStatus.NOT_IMPLEMENTED and not value:
            raise ValueError("Say why it will not be implemented.")
        return value

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if not isinstance(today, date):
            raise RuntimeError("return validation needs context={'today': date}")
        if value > today:
            raise ValueError("This date is in the future.")
        return value


@dataclass(frozen=True)
class ReturnSubject:
    """What the return form shows its owner: the workflow and the recommendation itself."""

    task_id: int
    case_id: int
    reference: str
    round_no: int
    due_date: date
    number: int
    agency_id: int
    action: str
    target_date: date
    previous_status: str | None
    current: ReturnValues | None


@dataclass(frozen=True)
class ReturnValues:
    """A stored return, decrypted to fill the form again for an amendment."""

    status: str
    progress: str
    reason: str
    evidence: str
    as_of: date


def _values(row: ProgressReturn | None, cipher: FieldCipher) -> ReturnValues | None:
    if row is None:
        return None
    return ReturnValues(
        status=row.status,
        progress=cipher.decrypt_text(row.progress),
        reason=cipher.decrypt_text(row.reason) if row.reason else "",
        evidence=cipher.decrypt_text(row.evidence) if row.evidence else "",
        as_of=row.as_of,
    )


def may_submit(session: Session, task: Task, user_id: str) -> bool:
    """The owner, or anyone who acts for the recommendation's agency."""
    if may_act_on(session, task, user_id):
        return True
    if task.agency_id is None:
        return False
    return (
        session.scalar(
            select(AgencyMember.id).where(
                AgencyMember.agency_id == task.agency_id,
                AgencyMember.slack_user_id == user_id,
                AgencyMember.role.in_(
                    [AgencyRole.REVIEW_LEAD.value, AgencyRole.DESIGNATED_PERSON.value]
                ),
            )
        )
        is not None
    )


def _task_and_rec(session: Session, task_id: int) -> tuple[Task, Recommendation, Case]:
    task = session.get(Task, task_id)
    rec_id = recommendation_id_of(task.subject_key) if task is not None else None
    rec = session.get(Recommendation, rec_id) if rec_id is not None else None
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or task.kind != KIND or rec is None or case is None:
        raise ReturnRefusedError("This progress return is not yours to send.")
    return task, rec, case


def subject_for(session: Session, task_id: int, user_id: str, cipher: FieldCipher) -> ReturnSubject:
    """The form's content, after checking that ``user_id`` may send this return now."""
    task, rec, case = _task_and_rec(session, task_id)
    if not may_submit(session, task, user_id):
        raise ReturnRefusedError("This progress return is not yours to send.")
    if case.closed_at is not None or (task.status != OPEN and task.status != "done"):
        raise ReturnRefusedError(f"{case.reference}: this return is no longer needed.")
    previous = session.scalar(
        select(ProgressReturn)
        .where(ProgressReturn.recommendation_id == rec.id, ProgressReturn.round_no < task.round_no)
        .order_by(ProgressReturn.round_no.desc())
        .limit(1)
    )
    return ReturnSubject(
        task_id=task.id,
        case_id=case.id,
        reference=case.reference,
        round_no=task.round_no,
        due_date=task.due_at.astimezone(LONDON).date(),
        number=rec.number,
        agency_id=rec.agency_id,
        action=cipher.decrypt_text(rec.action),
        target_date=rec.target_date,
        previous_status=previous.status if previous else None,
        current=_values(return_of(session, rec.id, task.round_no), cipher),
    )


@dataclass(frozen=True)
class SubmitOutcome:
    case_id: int
    reference: str
    number: int
    round_no: int
    changed: bool
    amended: bool
    round_complete: bool


def submit_return(
    ctx: EngineContext,
    task_id: int,
    form: ReturnForm,
    *,
    actor: str,
    cipher: FieldCipher,
    view_id: str,
) -> SubmitOutcome:
    """Store the return and complete its task. A second submission of the same modal
    changes nothing; a later one amends the round's return."""
    task, rec, case = _task_and_rec(ctx.session, task_id)
    if not may_submit(ctx.session, task, actor):
        raise ReturnRefusedError("This progress return is not yours to send.")
    if case.closed_at is not None or task.status not in (OPEN, "done"):
        raise ReturnRefusedError(f"{case.reference}: this return is no longer needed.")
    row = return_of(ctx.session, rec.id, task.round_no)
    if row is not None and row.source_view_id == view_id:
        return SubmitOutcome(
            case.id, case.reference, rec.number, task.round_no, False, False, False
        )
    amended = row is not None
    if row is None:
        row = ProgressReturn(
            case_id=case.id,
            recommendation_id=rec.id,
            round_no=task.round_no,
            task_id=task.id,
            submitted_by=actor,
            submitted_at=ctx.now,
        )
        ctx.session.add(row)
    row.status = form.status.value
    row.progress = cipher.encrypt_text(form.progress)
    row.reason = cipher.encrypt_text(form.reason) if form.reason else None
    row.evidence = cipher.encrypt_text(form.evidence) if form.evidence else None
    row.as_of, row.updated_at, row.source_view_id = form.as_of, ctx.now, view_id
    ctx.session.flush()
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="progress.amended" if amended else "progress.returned",
        case_id=case.id,
        recommendation_id=rec.id,
        round_no=task.round_no,
        status=form.status.value,
    )
    completed = complete_task(ctx, task, actor=actor, check_permission=False)
    complete = completed and round_complete(ctx.session, case.id, task.round_no)
    return SubmitOutcome(
        case.id, case.reference, rec.number, task.round_no, True, amended, complete
    )
