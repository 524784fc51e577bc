"""The cadence over ten weeks in which nobody acts, exactly as the process definition says;
then the task is stuck: its owner hears nothing more and the business unit's digest lists it
until it is re-planned."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.jobs.worker import daily_digest
from bot.process.bolton import BOLTON_SCR
from bot.process.working_days import WorkingCalendar
from bot.services.reminders.tasks import EngineContext, move_deadline
from storage.models import Task
from tests.reminders.reminder_helpers import (
    CPU_CHORES,
    DMLog,
    complete,
    london,
    open_case,
    task_of,
    travel,
)

CHRONOLOGY = [
    "Wed 16 Dec 2026",  # 7 working days before Sun 27 Dec
    "Thu 24 Dec 2026",  # 1 working day before, and the last working day (Christmas Friday)
    "Tue 29 Dec 2026",  # 1 working day late (Mon 28 Dec is the Boxing Day substitute)
    "Thu 31 Dec 2026",  # 3 working days late
    "Fri 08 Jan 2027",  # 8 working days late (New Year's Day skipped)
    "Fri 15 Jan 2027",  # 13: the first weekly one, and the 4th overdue: then stuck
]


def _from_the_definition(kind: str, deadline: date) -> list[str]:
    """The nudge days the policy of ``kind`` gives for ``deadline``, worked out afresh."""
    cal = WorkingCalendar()
    policy = BOLTON_SCR.task(kind).reminders
    last = deadline if cal.is_working_day(deadline) else cal.previous_working_day(deadline)
    days = {cal.add_working_days(deadline, -offset.n) for offset in policy.before}
    days.add(last)
    assert policy.stop_after is not None
    for k in range(1, policy.stop_after + 1):
        offset = policy.overdue_offset(k)
        assert offset is not None
        days.add(cal.add_working_days(deadline, offset))
    return [f"{d:%a %d %b %Y}" for d in sorted(days)]


def _days(sent: list) -> list[str]:
    return [s.when.removesuffix(" 09:00") for s in sent]


@pytest.mark.postgres
def test_ten_weeks_of_inaction_follow_the_cadence_then_the_task_is_stuck(harness) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "records_secured")
    log = DMLog(harness)
    harness.clock.set(london(2026, 11, 28, 9))

    travel(harness, log, london(2027, 2, 5, 18), timedelta(days=1))  # every morning at 09:00

    assert _from_the_definition("chronology_submitted", date(2026, 12, 27)) == CHRONOLOGY
    assert _days(log.to("U0RLH", "Submit the chronology")) == CHRONOLOGY
    assert _days(log.to("U0RLH")) == CHRONOLOGY, "the synopsis rides along: one a day"
    for cpu in ("U0CPU1", "U0CPU2"):
        told = log.to(cpu, "*Submit the chronology* · Health")
        assert _days(told) == CHRONOLOGY[2:], "told from the first overdue nudge"
    assert log.to("U0RLH")[-1].text.endswith(
        "*Submit the chronology* · Health\nby Sun 27 Dec 2026 · *13 working days late*"
    )
    last = [s.when for s in log.sent][-1]
    assert last == "Fri 15 Jan 2027 09:00", "after 4 overdue nudges nobody is nudged about them"

    harness.clock.set(london(2027, 2, 8, 8, 30))
    digest_log = DMLog(harness, everything=True)
    assert daily_digest(harness.runtime) == 1
    [digest] = digest_log.collect()
    assert digest.text.splitlines()[0] == (
        "Daily digest for Mon 8 Feb: 3 stuck, 0 overdue, 0 due in the next 7 days."
    )
    assert (
        "• *SCR-2026-001* · Submit the chronology · Health · 29 working days late "
        "(due Sun 27 Dec 2026) · 4 reminders unanswered"
    ) in digest.text
    assert "• *SCR-2026-001* · Schedule the initial panel · CPU · 29 working days late" in (
        digest.text
    )
    assert "*Overdue*" not in digest.text


def test_re_planning_a_stuck_task_nudges_its_owner_again(harness) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified")
    log = DMLog(harness)
    harness.clock.set(london(2026, 11, 28, 9))
    travel(harness, log, london(2026, 12, 14, 8), timedelta(days=1))  # the last on Mon 14
    records = task_of(harness, case.id, "records_secured")
    assert records.overdue_nudges == 3, "Wed 2, Fri 4 and Fri 11 Dec: stuck"
    harness.clock.set(london(2026, 12, 15, 8, 30))
    assert daily_digest(harness.runtime) == 1
    assert (
        "Secure all relevant records · Health · 10 working days late"
        in (harness.standin.calls_to("chat.postMessage")[-1].args["blocks"][1]["text"]["text"])
    )

    harness.clock.set(london(2026, 12, 15, 10))
    with harness.runtime.db.session() as session:  # a new date agreed: the plan starts again
        task = session.get(Task, records.id)
        ctx = EngineContext(session, harness.runtime.working_calendar(), harness.clock.now())
        move_deadline(ctx, task, new_due=london(2026, 12, 17, 17, 30), actor="U0CPU1", reason="x")
    harness.clock.set(london(2026, 12, 15, 9))
    travel(harness, log, london(2026, 12, 21, 8), timedelta(days=1))

    assert task_of(harness, case.id, "records_secured").overdue_nudges == 1
    before, after = log.to("U0DPH", "Secure all relevant records")[:5], log.to("U0DPH")[5:]
    assert _days(before)[-1] == "Fri 11 Dec 2026"
    assert _days(after) == ["Wed 16 Dec 2026", "Thu 17 Dec 2026", "Fri 18 Dec 2026"]
    harness.clock.set(london(2026, 12, 21, 8, 30))
    daily_digest(harness.runtime)  # sent now, unless the last tick sent today's already
    [digest] = [
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if c.ok and str(c.args.get("text")).startswith("Daily digest for Mon 21 Dec")
    ]
    text = json.dumps(digest.args["blocks"], ensure_ascii=False)
    assert "*Stuck*" not in text
    assert "Secure all relevant records · Health · *overdue* (due Thu 17 Dec)" in text
