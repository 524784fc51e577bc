"""Reminders over weeks of (frozen) time: who was nudged, when in London, how often."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.ids import FirstMonthAction
from bot.jobs.worker import tick
from bot.services.reminders.tasks import EngineContext, move_deadline
from storage.models import Reminder, Task
from tests.flow_helpers import all_calls_text
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import (
    CPU_CHORES,
    DMLog,
    complete,
    item_buttons,
    london,
    message_of_the_day,
    open_case,
    reminders,
    task_of,
    travel,
)

RECORDS = ["Mon 30 Nov 2026", "Tue 01 Dec 2026"]
"""1 working day before Tue 1 Dec (7 before was before the referral), then its own day."""
RECORDS_OVERDUE = ["Wed 02 Dec 2026", "Fri 04 Dec 2026", "Fri 11 Dec 2026"]
"""1, 3 and 8 working days late; a task due in the first days is stuck after 3."""

PANEL = [
    "Mon 30 Nov 2026", "Fri 11 Dec 2026", "Wed 16 Dec 2026", "Thu 24 Dec 2026",
]  # fmt: skip
"""Day 3; 10 working days before Sun 27 Dec (the Chair told from then); 7 working days
before; the last working day before the Sunday deadline (Christmas Day is a Friday)."""

MONTH_OVERDUE = ["Tue 29 Dec 2026", "Thu 31 Dec 2026", "Fri 08 Jan 2027"]
"""1, 3 and 8 working days after Sun 27 Dec: the Boxing Day substitute (Mon 28 Dec) and New
Year's Day skipped."""
CHRONOLOGY_BEFORE = ["Wed 16 Dec 2026", "Thu 24 Dec 2026"]


def _days(sent: list) -> list[str]:
    assert all(s.when.endswith("09:00") for s in sent), [s.when for s in sent]
    return [s.when.removesuffix(" 09:00") for s in sent]


@pytest.mark.postgres
def test_reminders_across_months_and_the_year_end(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified")

    travel(harness, log, london(2027, 1, 8, 18), timedelta(hours=1))

    records = log.to("U0DPH", "Secure all relevant records")
    assert _days(records) == RECORDS + RECORDS_OVERDUE
    assert "*Secure all relevant records* · Health\nby Tue 1 Dec · due in 1 working day" in (
        records[0].text
    )
    assert "by Tue 1 Dec · due today" in records[1].text
    assert "by Tue 1 Dec · *1 working day late*" in records[2].text
    assert "by Tue 1 Dec · *8 working days late*" in records[-1].text
    for cpu in ("U0CPU1", "U0CPU2"):
        told = log.to(cpu, "Secure all relevant records")
        assert _days(told) == RECORDS_OVERDUE
        assert "*1 working day late* · you are told as the CPU" in told[0].text
        assert _days(log.to(cpu, "Schedule the initial panel")) == PANEL + MONTH_OVERDUE
        assert _days(log.to(cpu, "Submit the chronology")) == MONTH_OVERDUE
    assert _days(log.to("U0CHAIR")) == PANEL[1:] + MONTH_OVERDUE
    assert _days(log.to("U0RLH", "Submit the chronology")) == CHRONOLOGY_BEFORE + MONTH_OVERDUE
    assert _days(log.to("U0RLH", "synopsis")) == CHRONOLOGY_BEFORE + MONTH_OVERDUE
    assert log.to("U0ADMIN") == [] and log.to("U0DPP") == [] and log.to("U0OUTSIDER") == []

    per_user = defaultdict(list)
    for sent in log.sent:
        per_user[sent.user].append(sent.when)
    for days in per_user.values():
        assert len(days) == len(set(days)), "one message a day"
    assert {user: len(days) for user, days in per_user.items()} == {
        "U0DPH": 5,
        "U0CPU1": 9,  # the panel's days, and Wed 2, Fri 4 Dec about Health's records
        "U0CPU2": 9,
        "U0CHAIR": 6,
        "U0RLH": 5,
    }
    text = all_calls_text(harness)
    assert not [value for value in IDENTIFYING if value in text]


def test_a_reminder_offers_its_action_and_the_case_channel(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 11, 30, 9), timedelta(hours=1))

    dm = message_of_the_day(harness, "U0DPH")
    told = item_buttons(dm, task_of(harness, case.id, "dp_notified").id)
    assert [b["text"]["text"] for b in told] == ["Mark done", "Snooze", "Hand over"]
    assert told[0]["value"] == str(task_of(harness, case.id, "dp_notified").id)
    records = item_buttons(dm, task_of(harness, case.id, "records_secured").id)
    assert [b["text"]["text"] for b in records] == [
        "Confirm records secured",
        "Snooze",
        "Hand over",
    ]
    assert records[0]["accessibility_label"] == "Confirm records secured for SCR-2026-001, Health"
    assert records[0]["action_id"] == FirstMonthAction.TASK.value
    assert records[0]["value"] == str(task_of(harness, case.id, "records_secured").id)
    headings = [b["text"]["text"] for b in dm.blocks if b["type"] == "section"]
    assert f"*SCR-2026-001* · <#{case.channel_id}>" in headings, "the case, linked for a member"
    panel = message_of_the_day(harness, "U0CPU1")
    labels = json.dumps(panel.blocks)
    assert "Mark done" not in labels, "scheduling the panel has its own form, not a button"
    assert "Schedule the initial panel" in labels


def test_nudges_outside_working_hours_wait_for_the_next_working_morning(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "records_secured")
    panel = task_of(harness, case.id, "schedule_initial_panel")
    first = reminders(harness, panel.id)[0]
    assert first.at == london(2026, 11, 30, 9)
    with harness.runtime.db.session() as session:  # a row planned for a Saturday night
        session.execute(
            update(Reminder).where(Reminder.id == first.id).values(at=london(2026, 11, 28, 22))
        )

    for moment in [london(2026, 11, 28, 22), london(2026, 11, 29, 12), london(2026, 11, 30, 8, 59)]:
        harness.clock.set(moment)
        tick(harness.runtime)
    assert log.collect() == []

    harness.clock.set(london(2026, 11, 30, 9))
    tick(harness.runtime)
    assert sorted(s.user for s in log.collect()) == ["U0CPU1", "U0CPU2"]

    second = reminders(harness, panel.id)[1]
    assert second.at == london(2026, 12, 11, 9)
    harness.clock.set(london(2026, 12, 11, 17, 30))  # after hours: planned for then, it waits
    with harness.runtime.db.session() as session:
        session.execute(
            update(Reminder).where(Reminder.id == second.id).values(at=london(2026, 12, 11, 17, 30))
        )
    tick(harness.runtime)
    harness.clock.set(london(2026, 12, 14, 7))
    tick(harness.runtime)
    assert log.collect() == []
    harness.clock.set(london(2026, 12, 14, 9))
    tick(harness.runtime)
    sent = log.collect()
    assert sorted(s.user for s in sent) == ["U0CHAIR", "U0CPU1", "U0CPU2"]
    assert {s.when for s in sent} == {"Mon 14 Dec 2026 09:00"}


@pytest.mark.postgres
def test_a_week_of_downtime_gives_one_catch_up_nudge_per_task(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)

    harness.clock.set(london(2026, 12, 9, 10, 15))  # the worker was down since Fri 27 Nov
    tick(harness.runtime)
    caught_up = log.collect()

    assert {s.when for s in caught_up} == {"Wed 09 Dec 2026 10:15"}
    assert sorted(s.user for s in caught_up) == ["U0ADMIN", "U0CPU1", "U0CPU2", "U0DPH"]
    items = {
        "Check for a child protection plan": ["U0ADMIN", "U0CPU1", "U0CPU2"],
        "Consider other children at risk": ["U0CPU1", "U0CPU2", "U0DPH"],
        "Inform the other organisations": ["U0ADMIN", "U0CPU1", "U0CPU2"],
        "Inform the Board Chair": ["U0ADMIN", "U0CPU1", "U0CPU2"],
        "Confirm the CPU has been notified": ["U0CPU1", "U0CPU2", "U0DPH"],
        "Secure all relevant records": ["U0CPU1", "U0CPU2", "U0DPH"],
        "Schedule the initial panel": ["U0CPU1", "U0CPU2"],  # a "before" nudge
    }
    for title, people in items.items():
        assert sorted(s.user for s in caught_up if f"*{title}*" in s.text) == people, title
    [panel] = [s for s in caught_up if s.user == "U0CPU1"]
    assert (
        "*Schedule the initial panel*\nby Thu 24 Dec (deadline Sun 27 Dec) · due in 11 working days"
        in panel.text
    )
    [records] = log.to("U0DPH", "records")
    assert "*Secure all relevant records* · Health\nby Tue 1 Dec · *6 working days late*" in (
        records.text
    )

    rows = [r for t in range(1, 10) for r in reminders(harness, t)]
    assert len([r for r in rows if r.status == "sent"]) == 7
    skipped = [r for r in rows if r.status == "skipped"]
    assert len(skipped) == 9  # each task's older nudges
    assert all(r.at < london(2026, 12, 9, 10, 15) for r in skipped)

    tick(harness.runtime)
    assert log.collect() == [], "a second tick sends nothing more"
    travel(harness, log, london(2026, 12, 10, 12), timedelta(hours=1))
    nextday = log.sent[len(caught_up) :]
    assert {s.when for s in nextday} == {"Thu 10 Dec 2026 09:15"}
    # the overdue chains go on from the catch-up (8 working days late), not from the backlog
    assert sorted(s.user for s in nextday) == ["U0ADMIN", "U0CPU1", "U0CPU2", "U0DPH"]
    assert "Inform the Board Chair" not in "".join(s.text for s in nextday), "due Fri 11 Dec"
    assert case.reference == "SCR-2026-001"


@pytest.mark.postgres
def test_done_and_waived_tasks_stop_their_reminders(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 11, 30, 9), timedelta(hours=1))
    assert len(log.to("U0DPH", "Confirm the CPU has been notified")) == 1

    complete(harness, case.id, "dp_notified", *CPU_CHORES)
    chronology = task_of(harness, case.id, "chronology_submitted")
    with harness.runtime.db.session() as session:
        from bot.services.reminders.tasks import waive_task

        task = session.get(Task, chronology.id)
        ctx = EngineContext(
            session, harness.runtime.working_calendar(), harness.runtime.clock.now()
        )
        assert waive_task(
            ctx, task, actor="U0CPU1", reason="No involvement", cipher=harness.runtime.cipher
        )
    travel(harness, log, london(2027, 1, 8, 18), timedelta(hours=2))

    assert len(log.to("U0DPH", "Confirm the CPU has been notified")) == 1, "the one before"
    assert len(log.to("U0CPU1", "child protection plan")) == 1
    assert log.to("U0RLH", "chronology") == []
    assert _days(log.to("U0RLH", "synopsis")) == CHRONOLOGY_BEFORE + MONTH_OVERDUE
    statuses = {r.status for r in reminders(harness, chronology.id)}
    assert statuses == {"cancelled"}


@pytest.mark.postgres
def test_an_extension_moves_the_reminders(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "records_secured")
    chronology = task_of(harness, case.id, "chronology_submitted")

    harness.clock.set(london(2026, 12, 14, 11))
    with harness.runtime.db.session() as session:
        task = session.get(Task, chronology.id)
        ctx = EngineContext(session, harness.runtime.working_calendar(), harness.clock.now())
        move_deadline(
            ctx, task, new_due=london(2027, 1, 15, 17, 30), actor="U0CPU1", reason="agreed"
        )
    travel(harness, log, london(2027, 1, 20, 18), timedelta(hours=1))

    assert _days(log.to("U0RLH", "chronology")) == [
        "Wed 06 Jan 2027",  # 7 working days before
        "Thu 14 Jan 2027",  # 1 working day before
        "Fri 15 Jan 2027",  # on the day
        "Mon 18 Jan 2027",  # 1 working day late
        "Wed 20 Jan 2027",  # 3 working days late
    ]
    first, _before, on_the_day, *_late = log.to("U0RLH", "chronology")
    assert "*Submit the chronology* · Health\nby Fri 15 Jan · due in 7 working days" in first.text
    assert "*Submit the chronology* · Health\nby Fri 15 Jan · due today" in on_the_day.text
