"""Golden reminder plans: working hours, weekends, bank holidays, clock changes, catch-up."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.process.bolton import BOLTON_SCR
from bot.process.deadlines import CalendarDays, WorkingDays
from bot.process.definition import AGENCY_ADDED
from bot.process.policy import DEFAULT_REMINDERS, ReminderPolicy
from bot.process.reminders import (
    PlannedNudge,
    latest_due,
    next_overdue_nudge,
    plan_reminders,
)
from bot.process.roles import CaseRole
from bot.process.schedule import task_due
from bot.process.working_days import WorkingCalendar

CAL = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_records_secured_two_working_days_after_a_friday_referral():
    policy = BOLTON_SCR.task("records_secured").reminders
    plan = plan_reminders(utc(2026, 12, 1, 17, 30), policy, CAL, created_at=utc(2026, 11, 27, 10))
    assert plan == [  # 7 working days before (Fri 20 Nov) is before the referral
        PlannedNudge(utc(2026, 11, 30, 9), "before", 2),
        PlannedNudge(utc(2026, 12, 1, 9), "due", 1),
        PlannedNudge(utc(2026, 12, 2, 9), "overdue", 1, ("cpu",)),
    ]


def test_nudges_across_a_weekend_move_to_monday_and_merge():
    policy = ReminderPolicy(
        before=(CalendarDays(1), CalendarDays(2), WorkingDays(1)), escalate_to=()
    )
    plan = plan_reminders(utc(2026, 12, 7, 17, 30), policy, CAL, created_at=utc(2026, 11, 30, 10))
    assert plan == [
        PlannedNudge(utc(2026, 12, 4, 9), "before", 1),
        PlannedNudge(utc(2026, 12, 7, 9), "due", 1),
        PlannedNudge(utc(2026, 12, 8, 9), "overdue", 1),
    ]


def test_a_task_created_on_friday_evening_is_first_nudged_on_monday():
    plan = plan_reminders(
        utc(2026, 11, 30, 17, 30), DEFAULT_REMINDERS, CAL, created_at=utc(2026, 11, 27, 18)
    )
    assert plan == [
        PlannedNudge(utc(2026, 11, 30, 9), "due", 1),
        PlannedNudge(utc(2026, 12, 1, 9), "overdue", 1, ("cpu",)),
    ]


def test_initial_panel_reminders_from_day_three_escalating_ten_working_days_out():
    task = BOLTON_SCR.task("schedule_initial_panel")
    referral = utc(2026, 11, 27, 10)
    due = task_due(task, referral, CAL)
    chair: tuple[CaseRole, ...] = ("board_chair",)
    assert plan_reminders(due, task.reminders, CAL, created_at=referral) == [
        PlannedNudge(utc(2026, 11, 30, 9), "before", 1),  # day 3
        PlannedNudge(utc(2026, 12, 11, 9), "before", 2, chair),  # 10 working days before
        PlannedNudge(utc(2026, 12, 16, 9), "before", 3, chair),  # 7 working days before
        PlannedNudge(utc(2026, 12, 24, 9), "due", 1, chair),  # the last working day (Sun 27)
        PlannedNudge(utc(2026, 12, 29, 9), "overdue", 1, chair),
    ]


def test_spring_clock_change():
    plan = plan_reminders(
        utc(2026, 3, 30, 16, 30), DEFAULT_REMINDERS, CAL, created_at=utc(2026, 3, 16, 10)
    )
    assert plan == [
        PlannedNudge(utc(2026, 3, 19, 9), "before", 1),
        PlannedNudge(utc(2026, 3, 27, 9), "before", 2),
        PlannedNudge(utc(2026, 3, 30, 8), "due", 1),
        PlannedNudge(utc(2026, 3, 31, 8), "overdue", 1, ("cpu",)),
    ]


def test_autumn_clock_change():
    plan = plan_reminders(
        utc(2026, 10, 26, 17, 30), DEFAULT_REMINDERS, CAL, created_at=utc(2026, 10, 1, 10)
    )
    assert plan == [
        PlannedNudge(utc(2026, 10, 15, 8), "before", 1),
        PlannedNudge(utc(2026, 10, 23, 8), "before", 2),
        PlannedNudge(utc(2026, 10, 26, 9), "due", 1),
        PlannedNudge(utc(2026, 10, 27, 9), "overdue", 1, ("cpu",)),
    ]


def test_progress_return_nudges():
    task = BOLTON_SCR.task("progress_return")
    agreed = utc(2027, 3, 31, 9)
    due = task_due(task, agreed, CAL)
    assert plan_reminders(due, task.reminders, CAL, created_at=agreed) == [
        PlannedNudge(utc(2027, 9, 16, 8), "before", 1),
        PlannedNudge(utc(2027, 9, 23, 8), "before", 2),
        PlannedNudge(utc(2027, 9, 29, 8), "before", 3),
        PlannedNudge(utc(2027, 9, 30, 8), "due", 1),
        PlannedNudge(utc(2027, 10, 1, 8), "overdue", 1, ("admins",)),
    ]


def test_a_deadline_before_opening_time_is_nudged_the_working_day_before():
    policy = ReminderPolicy(before=(WorkingDays(2),))
    plan = plan_reminders(utc(2026, 12, 1, 8), policy, CAL, created_at=utc(2026, 11, 26, 12))
    assert plan == [
        PlannedNudge(utc(2026, 11, 27, 9), "before", 1),
        PlannedNudge(utc(2026, 11, 30, 9), "due", 1),
        PlannedNudge(utc(2026, 12, 1, 9), "overdue", 1, ("cpu",)),
    ]


def test_a_task_created_when_already_overdue():
    due = utc(2026, 12, 1, 17, 30)
    created = utc(2026, 12, 2, 12)
    assert plan_reminders(due, DEFAULT_REMINDERS, CAL, created_at=created) == []
    assert next_overdue_nudge(due, DEFAULT_REMINDERS, CAL, created) == PlannedNudge(
        utc(2026, 12, 4, 9),
        "overdue",
        2,
        ("cpu",),  # 3 working days late
    )


def test_later_creation_keeps_the_same_identities():
    due = utc(2026, 12, 18, 17, 30)
    early = plan_reminders(due, DEFAULT_REMINDERS, CAL, created_at=utc(2026, 11, 2, 10))
    late = plan_reminders(due, DEFAULT_REMINDERS, CAL, created_at=utc(2026, 12, 15, 10))
    assert [(n.kind, n.sequence) for n in early] == [
        ("before", 1),
        ("before", 2),
        ("due", 1),
        ("overdue", 1),
    ]
    assert late == early[1:]


def test_overdue_chain_over_christmas():
    due = utc(2026, 12, 27, 17, 30)
    chain = []
    after = due
    for _ in range(5):
        nudge = next_overdue_nudge(due, DEFAULT_REMINDERS, CAL, after)
        assert nudge is not None
        chain.append((nudge.at, nudge.sequence))
        after = nudge.at
    assert chain == [  # 1, 3 and 8 working days late, then weekly
        (utc(2026, 12, 29, 9), 1),  # Mon 28 Dec is the Boxing Day substitute
        (utc(2026, 12, 31, 9), 2),
        (utc(2027, 1, 8, 9), 3),  # New Year's Day skipped
        (utc(2027, 1, 15, 9), 4),
        (utc(2027, 1, 22, 9), 5),
    ]
    weekend = next_overdue_nudge(due, DEFAULT_REMINDERS, CAL, utc(2027, 1, 2, 12))
    assert weekend == PlannedNudge(utc(2027, 1, 8, 9), "overdue", 3, ("cpu",))


def test_overdue_chain_jumps_straight_to_the_right_nudge():
    due = utc(2026, 12, 27, 17, 30)
    walked: list[PlannedNudge] = []
    after = due
    while after < utc(2027, 6, 1):
        nudge = next_overdue_nudge(due, DEFAULT_REMINDERS, CAL, after)
        assert nudge is not None
        assert nudge.sequence == len(walked) + 1
        assert CAL.is_working_time(nudge.at)
        if walked:
            gap = CAL.working_days_between(
                CAL.london_date(walked[-1].at), CAL.london_date(nudge.at)
            )
            assert gap == {2: 2, 3: 5}.get(nudge.sequence, 5)
        walked.append(nudge)
        after = nudge.at
    for probe in (utc(2027, 3, 1, 12), utc(2027, 3, 28, 1), utc(2027, 4, 1, 8), walked[15].at):
        expected = next(n for n in walked if n.at > probe)
        assert next_overdue_nudge(due, DEFAULT_REMINDERS, CAL, probe) == expected


def test_a_single_overdue_nudge():
    policy = ReminderPolicy(overdue=(WorkingDays(1),), overdue_every=None)
    due = utc(2026, 12, 1, 17, 30)
    first = next_overdue_nudge(due, policy, CAL, due)
    assert first == PlannedNudge(utc(2026, 12, 2, 9), "overdue", 1, ("cpu",))
    assert next_overdue_nudge(due, policy, CAL, first.at) is None


@dataclass
class ReminderRow:
    at: datetime
    label: str


def test_latest_due_catches_up_once():
    rows = [
        ReminderRow(utc(2026, 12, 1, 9), "a"),
        ReminderRow(utc(2026, 12, 3, 9), "c"),
        ReminderRow(utc(2026, 12, 2, 9), "b"),
        ReminderRow(utc(2026, 12, 8, 9), "d"),
    ]
    assert latest_due(rows, utc(2026, 12, 7, 12)) == rows[1]
    assert latest_due(rows, utc(2026, 12, 2, 9)) == rows[2]
    assert latest_due(rows, utc(2026, 11, 30)) is None
    assert latest_due([], utc(2026, 11, 30)) is None
    plan = plan_reminders(
        utc(2026, 12, 1, 17, 30), DEFAULT_REMINDERS, CAL, created_at=utc(2026, 11, 20, 10)
    )
    assert latest_due(plan, utc(2026, 12, 3, 12)) == plan[-1]


BOLTON_ANCHORS = {
    "referral": utc(2026, 11, 27, 10),
    AGENCY_ADDED: utc(2026, 11, 27, 10),
    "panel_date": utc(2026, 12, 17, 10),
    "decision": utc(2026, 12, 21, 15),
    "report_agreed": utc(2027, 3, 31, 9),
}


@pytest.mark.parametrize("task", BOLTON_SCR.tasks, ids=lambda task: task.kind)
def test_every_bolton_plan_keeps_to_working_hours_and_order(task):
    created = BOLTON_ANCHORS[task.anchor]
    due = task_due(task, created, CAL)
    plan = plan_reminders(due, task.reminders, CAL, created_at=created)
    assert plan, task.kind
    assert [n.at for n in plan] == sorted({n.at for n in plan})
    for nudge in plan:
        assert CAL.is_working_time(nudge.at)
        assert nudge.at >= created
        assert (nudge.at > due) is (nudge.kind == "overdue")
    assert plan[-1].kind == "overdue"
    assert plan[-1].escalate_to == task.reminders.escalate_to


def test_the_default_cadence_backs_off_and_its_offsets_are_data():
    assert [DEFAULT_REMINDERS.overdue_offset(k) for k in range(1, 8)] == [1, 3, 8, 13, 18, 23, 28]
    assert DEFAULT_REMINDERS.stop_after == 4
    assert [o.n for o in DEFAULT_REMINDERS.before] == [7, 1]
    short = ReminderPolicy(overdue=(WorkingDays(2), WorkingDays(4)), overdue_every=None)
    assert [short.overdue_offset(k) for k in (1, 2, 3)] == [2, 4, None]
    due = utc(2026, 12, 1, 17, 30)  # Tue: the first nudge 2 working days late, on Thu
    first = next_overdue_nudge(due, short, CAL, due)
    assert first == PlannedNudge(utc(2026, 12, 3, 9), "overdue", 1, ("cpu",))
    assert next_overdue_nudge(due, short, CAL, utc(2026, 12, 7, 9)) is None


def test_the_prompt_tasks_stick_sooner_and_every_bolton_policy_stops():
    prompt = ("dp_notified", "records_secured", "cpu_cp_plan_checked", "notify_board")
    for kind in prompt:
        assert BOLTON_SCR.task(kind).reminders.stop_after == 3, kind
    for task in BOLTON_SCR.tasks:
        assert task.reminders.stop_after in (3, 4), task.kind
        assert task.reminders.repeat_every is None, task.kind
