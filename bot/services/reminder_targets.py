"""What a claimed reminder says and to whom, re-read at send time, and which of its DMs the
sent-message ledger already holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.ids import TASK_FORMS
from bot.process.calendar import WorkingCalendar
from bot.process.registry import get_process
from bot.services.owners import role_holders, task_owners
from bot.services.reminder_delivery import Claim
from bot.services.task_subjects import subject_label
from bot.views.reminders import Nudge
from storage.db import Database
from storage.models import Agency, Case, SentMessage, Task
from storage.states import TaskStatus


def ledger_key(reminder_id: int, user: str) -> str:
    return f"reminder:{reminder_id}:{user}"


@dataclass(frozen=True)
class Delivery:
    """Who gets a claimed reminder: the task's owners, and the escalation roles' holders
    (``watchers``, never an owner twice). ``sent`` maps those already DMed to the ts."""

    nudge: Nudge
    owners: tuple[str, ...]
    watchers: tuple[str, ...]
    sent: Mapping[str, str] = field(default_factory=dict)


def describe(db: Database, claim: Claim, now: datetime, cal: WorkingCalendar) -> Delivery | None:
    """Re-read the task at send time: None when it is no longer open."""
    with db.session() as session:
        task = session.get(Task, claim.task_id)
        case = session.get(Case, claim.case_id)
        if (
            task is None
            or case is None
            or task.status != TaskStatus.OPEN
            or case.closed_at is not None
        ):
            return None
        definition = get_process(case.process_key).task(task.kind)
        agency = session.get(Agency, task.agency_id) if task.agency_id is not None else None
        owners = tuple(dict.fromkeys(task_owners(session, task)))
        watchers: dict[str, None] = {}
        for role in claim.escalate_to:
            for user in role_holders(session, case.id, role):
                if user not in owners:
                    watchers.setdefault(user)
        keys = {ledger_key(claim.reminder_id, user): user for user in (*owners, *watchers)}
        sent = {
            keys[key]: ts
            for key, ts in session.execute(
                select(SentMessage.key, SentMessage.ts).where(SentMessage.key.in_(keys))
            )
        }
        nudge = Nudge(
            reference=case.reference,
            task_id=task.id,
            title=definition.title,
            agency=agency.name if agency else None,
            due=cal.london_date(task.due_at),
            kind=claim.kind,
            today=cal.london_date(now),
            told=claim.escalate_to,
            channel_id=case.channel_id,
            can_mark_done=definition.records_event is None and task.kind not in TASK_FORMS,
            form_action=TASK_FORMS.get(task.kind),
            subject=subject_label(session, task),
        )
        return Delivery(nudge, owners, tuple(watchers), sent)
