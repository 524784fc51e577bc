"""The Board's figures from cases driven as people drive them: each case's stage, next
deadline and overdue tasks, timeliness against the framework's limits, overdue tasks by
agency, and progress returns by round."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.process.bolton import BOLTON_SCR
from bot.process.schedule import limit_from_start, limit_rules
from bot.process.states import TaskKind
from bot.services.monitoring.rounds import submit_return
from bot.services.monitoring.schema import ReturnForm, ReturnStatus
from bot.services.reminders.tasks import complete_task
from storage.models import Agency, Task
from tests.dashboard.helpers import (
    engine_ctx,
    figures,
    london,
    report_agreed,
    row,
    three_cases,
)
from tests.monitoring.monitoring_helpers import (
    PLAN,
    add_owners,
    import_plan,
    plan_csv,
    return_task,
    to_monitoring,
)

REFERRED = date(2026, 11, 27)


@pytest.fixture
def board(harness):
    return three_cases(harness)


def test_the_share_of_initial_panels_within_a_month_counts_held_panels(harness, board):
    panel = figures(harness).panel

    assert panel.label == "Initial Panel held"
    assert panel.limit_words == "1 calendar month"
    assert sorted(panel.days) == [20, 40]
    assert panel.limit_days == (30, 30)  # 27 Nov + 1 calendar month = Sun 27 Dec
    assert (panel.within, panel.later, panel.share_within) == (1, 1, 50)
    assert panel.waiting_past_limit == 1  # C's month has passed without a panel
    assert (panel.median_days, panel.longest_days) == (30, 40)


def test_each_case_is_timed_against_the_limits_of_its_process(harness, board):
    now = figures(harness)
    a, b, c = (row(now, case.reference) for case in (board.a, board.b, board.c))

    panel, decision, report = a.times
    assert (panel.reached, panel.limit, panel.within_limit) == (
        date(2026, 12, 17),
        date(2026, 12, 27),
        True,
    )
    # 5 working days after Sun 27 Dec: the 28th and 1 Jan are bank holidays.
    assert (decision.reached, decision.days) == (date(2026, 12, 18), 21)
    assert decision.limit == date(2027, 1, 5)
    rules = limit_rules(BOLTON_SCR, TaskKind.CHAIR_DECISION)
    assert rules is not None
    assert decision.limit == limit_from_start(rules, REFERRED, harness.runtime.working_calendar())
    assert (report.reached, report.limit) == (None, date(2027, 5, 5))
    assert b.times[0].within_limit is False
    assert b.times[1].reached is None
    assert all(time.reached is None for time in c.times)
    assert now.milestones[1].days == (21,)
    assert now.milestones[1].waiting_past_limit == 2  # B and C, past Tue 5 Jan


@pytest.mark.postgres
def test_every_case_has_its_stage_next_deadline_and_overdue_tasks(harness, board):
    now = figures(harness)

    assert [r.reference for r in now.cases] == [
        board.a.reference,
        board.b.reference,
        board.c.reference,
    ]
    a, b, c = now.cases
    assert (a.stage, b.stage, c.stage) == (
        "Serious case review",
        "Board Chair's decision",
        "Referral and CPU actions",
    )
    assert b.next_deadline is not None
    assert (b.next_deadline.due, b.next_deadline.what) == (
        date(2027, 1, 13),
        "Decide whether the SCR criteria are met",
    )
    assert b.overdue_tasks == 0
    assert a.next_deadline is not None and a.next_deadline.what == "Agree the terms of reference"
    assert a.overdue_tasks == 4  # the decision's four notifications, due the next working day
    assert c.next_deadline is None  # all of C's deadlines have passed
    with harness.runtime.db.session() as session:
        open_c = session.scalars(
            select(Task).where(Task.case_id == board.c.id, Task.status == "open")
        ).all()
    assert c.overdue_tasks == len(open_c) == 8


@pytest.mark.postgres
def test_an_overdue_task_counts_against_its_agency_until_it_is_done(harness, board):
    before = {a.name: a.overdue for a in figures(harness).overdue_by_agency}
    assert before == {"CPU": 4, "Board business unit": 4, "Health": 4}

    with harness.runtime.db.session() as session:
        health = session.scalar(select(Agency.id).where(Agency.name == "Health"))
        task = session.scalar(
            select(Task).where(
                Task.case_id == board.c.id,
                Task.agency_id == health,
                Task.kind == TaskKind.RECORDS_SECURED,
            )
        )
        complete_task(engine_ctx(harness, session), task, actor="U0DPH", check_permission=False)

    after = figures(harness).overdue_by_agency
    assert [(a.name, a.overdue) for a in after] == [
        ("Board business unit", 4),
        ("CPU", 4),
        ("Health", 3),
    ]


def test_the_overview_report_accepted_is_timed_from_the_referral(harness, board):
    harness.clock.set(london(2027, 3, 1))
    report_agreed(harness, board.a.id)

    now = figures(harness)
    report = now.milestones[2]
    assert report.days == (94,)
    assert report.limit_words == "1 calendar month, then 5 working days, then 4 calendar months"
    assert report.limit_days == (159,)  # Tue 5 Jan + 4 months = Wed 5 May 2027
    assert report.within == 1
    assert row(now, board.a.reference).stage == "Monitoring the action plan"


def _send(harness, task_id: int, actor: str) -> None:
    runtime = harness.runtime
    form = ReturnForm.model_validate(
        {
            "progress": "Guidance drafted",
            "status": ReturnStatus.IN_PROGRESS,
            "as_of": date(2027, 6, 1),
        },
        context={"today": runtime.clock.now().date()},
    )
    with runtime.db.session() as session:
        submit_return(
            engine_ctx(harness, session),
            task_id,
            form,
            actor=actor,
            cipher=runtime.cipher,
            view_id=f"V{task_id}",
        )


@pytest.mark.postgres
def test_progress_returns_by_the_deadline_late_and_outstanding(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27))
    harness.clock.set(london(2027, 1, 4))
    import_plan(harness, case, plan_csv(PLAN))
    [first, second, third] = (return_task(harness, case.id, n, 1) for n in (1, 2, 3))

    assert [(r.round_no, r.not_yet_due) for r in figures(harness).returns] == [(1, 3)]

    harness.clock.set(london(2027, 6, 14))
    _send(harness, first.id, "U0OWNH")  # due Sun 27 Jun 2027
    harness.clock.set(london(2027, 7, 5))
    _send(harness, second.id, "U0OWNP")

    [round_one] = figures(harness).returns
    assert (round_one.on_time, round_one.late, round_one.outstanding, round_one.not_yet_due) == (
        1,
        1,
        1,
        0,
    )
    with harness.runtime.db.session() as session:
        assert session.get(Task, third.id).status == "open"
