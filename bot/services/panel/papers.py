"""The integrated chronology sent to the Initial Panel's members before it meets: the CPU's
task, created when the panel is booked and due with the agencies' chronologies and synopses
(`bot.process.bolton.PAPERS_BEFORE_PANEL`); sending it is doing it. No Slack here: the flow
sends, then records it here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.cases import audit
from bot.services.cases.access import case_by_channel
from bot.services.panel.meetings import PAPERS_TASK, active_meeting
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import EngineContext, complete_task
from storage.claim import claim
from storage.models import Case, Task
from storage.states import MeetingStatus, TaskStatus

NOTHING_TO_SEND = "There is no integrated chronology to send to the panel here."
SENT_ALREADY = "The integrated chronology has been sent to the panel already."
ONLY_THE_CPU = "Only the CPU sends the integrated chronology to the panel."
NO_PANEL = "The panel is not booked: schedule it first, then send it the chronology."


@dataclass(frozen=True)
class PanelPapers:
    """What sending the panel its papers involves."""

    task_id: int
    case_id: int
    reference: str
    channel_id: str | None
    meeting_id: int
    start: datetime
    members: tuple[str, ...]


def papers_task_here(session: Session, channel: str | None) -> int:
    """The id of the papers task of the case of ``channel`` (for `/scr panel papers`)."""
    case = case_by_channel(session, channel) if channel else None
    task_id = (
        None
        if case is None
        else session.scalar(
            select(Task.id).where(Task.case_id == case.id, Task.kind == PAPERS_TASK)
        )
    )
    if task_id is None:
        raise RefusedError(NOTHING_TO_SEND)
    return task_id


def papers_to_send(session: Session, task_id: int, actor: str) -> PanelPapers:
    """The papers ``actor`` (the CPU) may send now; refused when the task is done, or no
    panel is booked."""
    task = session.get(Task, task_id)
    if task is None or task.kind != PAPERS_TASK:
        raise RefusedError(NOTHING_TO_SEND)
    if not may_act_on(session, task, actor):
        raise RefusedError(ONLY_THE_CPU)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(SENT_ALREADY)
    case = session.get(Case, task.case_id)
    meeting = active_meeting(session, task.case_id)
    if case is None or meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError(NO_PANEL)
    assert meeting.start_at is not None
    return PanelPapers(
        task_id=task.id,
        case_id=case.id,
        reference=case.reference,
        channel_id=case.channel_id,
        meeting_id=meeting.id,
        start=meeting.start_at,
        members=tuple(m.slack_user_id for m in meeting.current_members()),
    )


def papers_sent(ctx: EngineContext, papers: PanelPapers, *, actor: str, told: int) -> bool:
    """The chronology is with the panel: the task is done (its reminders stop). False when
    it was done already (two clicks at once)."""
    claim(ctx.session, Task, Task.id == papers.task_id, status=Task.status)
    task = ctx.session.get(Task, papers.task_id, populate_existing=True)
    if task is None or not complete_task(ctx, task, actor=actor, check_permission=False):
        return False
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.papers_sent",
        case_id=papers.case_id,
        meeting_id=papers.meeting_id,
        members=len(papers.members),
        told=told,
    )
    return True
