"""Who outside Slack has been told of the Chair's decision (the Board, the Safeguarding
Executive, OFSTED, chief officers): a business-unit task each, recorded with the date and by
whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.bolton import DECISION_AUDIENCES, notification_kind
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.decision import PATH_STAGE, Outcome, decision_of
from bot.services.engine import EngineContext, TaskRefusedError
from bot.services.owners import may_act_on
from bot.services.review_access import lock_case
from bot.services.review_forms import london_date
from bot.services.task_changes import complete_task
from storage.models import DecisionNotice, Task


@dataclass(frozen=True)
class NoticeLine:
    audience: str
    title: str
    notified_on: date | None = None
    notified_by: str | None = None


def notices(session: Session, case_id: int) -> list[NoticeLine]:
    """Each audience, and when and by whom it was told (from the task if it was simply
    marked done)."""
    decision = decision_of(session, case_id)
    if decision is None:
        return []
    stage = PATH_STAGE[Outcome(decision.outcome)]
    recorded = {
        n.audience: n
        for n in session.scalars(select(DecisionNotice).where(DecisionNotice.case_id == case_id))
    }
    lines = []
    for audience, title in DECISION_AUDIENCES.items():
        notice = recorded.get(audience)
        if notice is not None:
            lines.append(NoticeLine(audience, title, notice.notified_on, notice.notified_by))
            continue
        task = session.scalar(
            select(Task).where(
                Task.case_id == case_id,
                Task.kind == notification_kind(audience, stage),
                Task.status == "done",
            )
        )
        done_on = london_date(task.completed_at) if task and task.completed_at else None
        lines.append(NoticeLine(audience, title, done_on, task.completed_by if task else None))
    return lines


def record_notice(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    audience: str,
    *,
    notified_on: date,
    notified_by: str,
    actor: str,
) -> bool:
    """That ``audience`` was told. False when it was recorded already. Raises
    ``TaskRefusedError`` for someone not of the Board business unit."""
    lock_case(session, case_id)
    decision = decision_of(session, case_id)
    if decision is None or audience not in DECISION_AUDIENCES:
        raise TaskRefusedError("There is no decision to share yet.")
    kind = notification_kind(audience, PATH_STAGE[Outcome(decision.outcome)])
    task = session.scalar(select(Task).where(Task.case_id == case_id, Task.kind == kind))
    if task is None:
        raise TaskRefusedError("There is no decision to share yet.")
    if not may_act_on(session, task, actor):
        raise TaskRefusedError("The Board business unit records who was told.")
    ctx = EngineContext(session, cal, now)
    existing = session.scalar(
        select(DecisionNotice).where(
            DecisionNotice.case_id == case_id, DecisionNotice.audience == audience
        )
    )
    if existing is not None:
        return False
    if task.status == "open":
        complete_task(ctx, task, actor=actor)
    session.add(
        DecisionNotice(
            case_id=case_id,
            audience=audience,
            notified_on=notified_on,
            notified_by=notified_by,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    audit.record(
        session, at=now, actor=actor, action="decision.notified", case_id=case_id, audience=audience
    )
    return True
