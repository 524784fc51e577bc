"""Cases brought to the dashboard's milestones: referred and recommended through Slack as
people do it, the CPU's first chores done through the engine (the Initial Panel's own screens
are the panel tests' business), and the figures read as the portal reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.ids import DecisionAction
from bot.services.dashboard import board_figures
from bot.services.dashboard.schema import BoardFigures, CaseRow
from bot.services.reminders.tasks import EngineContext, complete_task, record_event
from bot.testing.harness import Harness
from storage.models import Case, Task
from tests.decision.helpers import (
    REFERRAL_CHORES,
    click,
    decision_requests,
    recommend,
    stored_case,
)
from tests.flow_helpers import cases, refer

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


def figures(harness: Harness) -> BoardFigures:
    runtime = harness.runtime
    with runtime.db.session() as session:
        return board_figures(session, runtime.clock.now(), runtime.working_calendar())


def row(board: BoardFigures, reference: str) -> CaseRow:
    [found] = [r for r in board.cases if r.reference == reference]
    return found


def engine_ctx(harness: Harness, session) -> EngineContext:
    runtime = harness.runtime
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


def panel_meets(harness: Harness, case_id: int) -> Case:
    """The CPU's chores done now (the panel's date is recorded as today), then the panel's
    recommendation sent from Slack: the Initial Panel has been held today."""
    with harness.runtime.db.session() as session:
        ctx = engine_ctx(harness, session)
        for task in session.scalars(
            select(Task).where(Task.case_id == case_id, Task.kind.in_(REFERRAL_CHORES))
        ):
            complete_task(ctx, task, actor="U0CPU1", check_permission=False)
    case = stored_case(harness, case_id)
    assert recommend(harness, case).status == 200
    return stored_case(harness, case_id)


def chair_approves(harness: Harness, case: Case) -> Case:
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    return stored_case(harness, case.id)


def report_agreed(harness: Harness, case_id: int) -> None:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.stage == "review", case
        now = harness.clock.now()
        record_event(engine_ctx(harness, session), case, "report_agreed", at=now, actor="U0ADMIN")


@dataclass(frozen=True)
class Board:
    """Three cases referred on Fri 27 Nov 2026: A's panel met on day 20 and the Chair decided
    the next day; B's panel met on day 40; C has been left alone (everything overdue)."""

    a: Case
    b: Case
    c: Case


def three_cases(harness: Harness) -> Board:
    for _ in range(3):
        refer(harness)
    a, b, c = cases(harness)
    harness.clock.set(london(2026, 12, 17))
    panel_meets(harness, a.id)
    harness.clock.set(london(2026, 12, 18, 11))
    a = chair_approves(harness, stored_case(harness, a.id))
    harness.clock.set(london(2027, 1, 6))
    b = panel_meets(harness, b.id)
    return Board(a, b, stored_case(harness, c.id))
