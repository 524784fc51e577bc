"""The framework's limits counted from the referral, read from the process definitions."""

from __future__ import annotations

from datetime import date

from bot.process.bolton import BOLTON_SCR
from bot.process.cspr import CSPR_2023
from bot.process.deadlines import CalendarMonths, WorkingDays
from bot.process.schedule import limit_from_start, limit_rules, limit_words
from bot.process.states import TaskKind
from bot.process.working_days import WorkingCalendar

CAL = WorkingCalendar()


def test_each_milestone_chains_the_deadlines_before_it_back_to_the_referral():
    assert limit_rules(BOLTON_SCR, TaskKind.SCHEDULE_INITIAL_PANEL) == (CalendarMonths(1),)
    assert limit_rules(BOLTON_SCR, TaskKind.CHAIR_DECISION) == (CalendarMonths(1), WorkingDays(5))
    assert limit_rules(BOLTON_SCR, TaskKind.OVERVIEW_REPORT) == (
        CalendarMonths(1),
        WorkingDays(5),
        CalendarMonths(4),
    )


def test_limits_follow_the_calendar_month_and_working_days():
    panel = limit_rules(BOLTON_SCR, TaskKind.SCHEDULE_INITIAL_PANEL)
    decision = limit_rules(BOLTON_SCR, TaskKind.CHAIR_DECISION)
    assert panel is not None and decision is not None
    assert limit_from_start(panel, date(2027, 1, 31), CAL) == date(2027, 2, 28)
    assert limit_from_start(panel, date(2028, 1, 31), CAL) == date(2028, 2, 29)
    # Sun 27 Dec 2026, then 5 working days skipping the 28th and 1 Jan bank holidays.
    assert limit_from_start(decision, date(2026, 11, 27), CAL) == date(2027, 1, 5)
    closed = WorkingCalendar(extra_closures=frozenset({date(2026, 12, 29)}))
    assert limit_from_start(decision, date(2026, 11, 27), closed) == date(2027, 1, 6)


def test_the_limits_in_words():
    report = limit_rules(BOLTON_SCR, TaskKind.OVERVIEW_REPORT)
    assert report is not None
    assert limit_words(report) == "1 calendar month, then 5 working days, then 4 calendar months"


def test_a_process_without_the_step_has_no_limit_for_it():
    assert limit_rules(CSPR_2023, TaskKind.CHAIR_DECISION) is None
    assert limit_rules(CSPR_2023, TaskKind.RAPID_REVIEW) == (WorkingDays(15),)
