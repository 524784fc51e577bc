"""An agency's chronology marked complete, and its synopsis submitted: each completes the
agency's task on the engine (its reminders stop)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.chronology_store import SubmissionRefusedError, Submitter, count_for
from bot.services.engine import EngineContext, TaskRefusedError
from bot.services.first_month import lock_task
from bot.services.task_changes import complete_task
from storage.db import Database
from storage.models import AgencySynopsis, Task

MAX_SYNOPSIS = 3000


def _agency_task(session: Session, case_id: int, agency_id: int, kind: str) -> Task | None:
    task_id = session.scalar(
        select(Task.id)
        .where(Task.case_id == case_id, Task.agency_id == agency_id, Task.kind == kind)
        .order_by(Task.round_no.desc())
        .limit(1)
    )
    return None if task_id is None else lock_task(session, task_id)


def _complete(
    session: Session, cal: WorkingCalendar, now: datetime, task: Task | None, actor: str
) -> bool:
    if task is None:
        return False
    try:
        return complete_task(EngineContext(session, cal, now), task, actor=actor)
    except TaskRefusedError as exc:
        raise SubmissionRefusedError(str(exc)) from exc


def mark_chronology_complete(
    db: Database, cal: WorkingCalendar, now: datetime, who: Submitter, actor: str
) -> tuple[bool, int]:
    """The agency says its chronology is complete. Returns (changed, entries)."""
    with db.session() as session:
        entries = count_for(session, who.case_id, who.agency_id)
        task = _agency_task(session, who.case_id, who.agency_id, "chronology_submitted")
        if task is not None and task.status == "open" and entries == 0:
            raise SubmissionRefusedError(
                f"{who.agency_name} has no chronology entries yet: add them first."
            )
        return _complete(session, cal, now, task, actor), entries


def submit_synopsis(
    db: Database,
    cipher: FieldCipher,
    cal: WorkingCalendar,
    now: datetime,
    who: Submitter,
    *,
    actor: str,
    text: str,
) -> int:
    """Store (or revise) the agency's synopsis and complete its task. Returns the revision."""
    text = text.strip()
    if not text or len(text) > MAX_SYNOPSIS:
        raise SubmissionRefusedError(f"A synopsis is 1 to {MAX_SYNOPSIS} characters.")
    with db.session() as session:
        task = _agency_task(session, who.case_id, who.agency_id, "synopsis_submitted")
        row = session.scalar(
            select(AgencySynopsis).where(
                AgencySynopsis.case_id == who.case_id, AgencySynopsis.agency_id == who.agency_id
            )
        )
        if row is None:
            row = AgencySynopsis(case_id=who.case_id, agency_id=who.agency_id, revision=0)
            session.add(row)
        row.text, row.submitted_by, row.submitted_at = cipher.encrypt_text(text), actor, now
        row.revision += 1
        audit.record(
            session,
            at=now,
            actor=actor,
            action="synopsis.submitted",
            case_id=who.case_id,
            agency_id=who.agency_id,
            revision=row.revision,
        )
        _complete(session, cal, now, task, actor)
        return row.revision


def synopsis_agencies(session: Session, case_id: int) -> set[int]:
    return set(
        session.scalars(select(AgencySynopsis.agency_id).where(AgencySynopsis.case_id == case_id))
    )
