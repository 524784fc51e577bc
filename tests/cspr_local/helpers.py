"""A Child Safeguarding Practice Review brought to its local review: referred in Slack,
the national panel notified and the partners' decision recorded through the engine."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.process.cspr import CSPR_2023
from bot.process.states import Stage
from bot.services.reminders.tasks import EngineContext, complete_task, record_event
from bot.testing.harness import Harness
from storage.models import Case, Task
from storage.states import TaskStatus
from tests.process.helpers import refer_with
from tests.reminders.reminder_helpers import complete


def decided(harness: Harness, at: datetime) -> Case:
    """A CSPR referred by the business unit now, the national panel notified, and the
    partners' decision on a local review recorded at ``at``: the local review begins."""
    case = refer_with(harness, "U0ADMIN", None)
    complete(harness, case.id, "notify_national_panel")
    harness.clock.set(at)
    runtime = harness.runtime
    rapid = [t.kind for t in CSPR_2023.stage(Stage.RAPID_REVIEW).tasks]
    with runtime.db.session() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        for task in session.scalars(
            select(Task).where(
                Task.case_id == case.id, Task.kind.in_(rapid), Task.status == TaskStatus.OPEN
            )
        ):
            complete_task(ctx, task, actor="U0DPC", check_permission=False)
        record_event(ctx, stored, "decision", at=ctx.now, actor="U0DPC")
        assert stored.stage == Stage.LOCAL_REVIEW, stored.stage
        session.expunge(stored)
    harness.wait()
    return stored
