"""Reminders over weeks of (frozen) time: who was nudged, when in London, how often."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

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
    london,
    open_case,
    reminders,
    task_of,
    travel,
)

RECORDS_OVERDUE = [
    "Wed 02 Dec 2026", "Fri 04 Dec 2026", "Tue 08 Dec 2026", "Thu 10 Dec 2026",
    "Mon 14 Dec 2026", "Wed 16 Dec 2026", "Fri 18 Dec 2026", "Tue 22 Dec 2026",
    "Thu 24 Dec 2026", "Wed 30 Dec 2026", "Mon 04 Jan 2027", "Wed 06 Jan 2027",
    "Fri 08 Jan 2027",
]  # fmt: skip
"""Every 2 working days from the day after Tue 1 Dec: Christmas, the Boxing Day substitute
(Mon 28 Dec) and New Year's Day are skipped."""

PANEL_BEFORE = [
    "Mon 30 Nov 2026", "Mon 07 Dec 2026", "Fri 11 Dec 2026", "Mon 14 Dec 2026",
    "Mon 21 Dec 2026", "Wed 23 Dec 2026", "Thu 24 Dec 2026",
]  # fmt: skip
"""Day 3, then weekly; the Chair is told from 10 working days before Sun 27 Dec; 7 days and
2 working days before; "on the day" is the last working day before a Sunday deadline."""

PANEL_OVERDUE = ["Tue 29 Dec 2026", "Thu 31 Dec 2026", "Tue 05 Jan 2027", "Thu 07 Jan 2027"]
CHRONOLOGY_BEFORE = ["Mon 21 Dec 2026", "Wed 23 Dec 2026", "Thu 24 Dec 2026"]


def _days(sent: list) -> list[str]:
    assert all(s.when.endswith("09:00") for s in sent), [s.when for s in sent]
    return [s.when.removesuffix(" 09:00") for s in sent]


@pytest.mark.postgres
def test_reminders_across_months_and_the_year_end(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified")

    travel(harness, log, london(2027, 1, 8, 18), timedelta(hours=1))

    assert _days(log.to("U0DPH", "secure all relevant records")) == [
        "Tue 01 Dec 2026",
        *RECORDS_OVERDUE,
    ]
    [due_today] = log.to("U0DPH", "due today")
    assert due_today.text == (
        "SCR-2026-001: please secure all relevant records for Health, due today (Tue 1 Dec)."
    )
    assert log.to("U0DPH")[1].text == (
        "SCR-2026-001: please secure all relevant records for Health. "
        "It was due Tue 1 Dec; the CPU has been told."
    )
    assert log.to("U0DPH")[-1].text.endswith("It was due Tue 1 Dec 2026; the CPU has been told.")
    for cpu in ("U0CPU1", "U0CPU2"):
        assert _days(log.to(cpu, "“Secure all relevant records” (Health) was due")) == (
            RECORDS_OVERDUE
        )
        assert _days(log.to(cpu, "schedule the initial panel")) == PANEL_BEFORE + PANEL_OVERDUE
        assert _days(log.to(cpu, "“Submit the chronology” (Health)")) == PANEL_OVERDUE
    assert _days(log.to("U0CHAIR")) == PANEL_BEFORE[2:] + PANEL_OVERDUE
    assert _days(log.to("U0RLH", "submit the chronology")) == CHRONOLOGY_BEFORE + PANEL_OVERDUE
    assert _days(log.to("U0RLH", "synopsis")) == CHRONOLOGY_BEFORE + PANEL_OVERDUE
    assert log.to("U0ADMIN") == [] and log.to("U0DPP") == [] and log.to("U0OUTSIDER") == []

    per_user = defaultdict(int)
    for sent in log.sent:
        per_user[sent.user] += 1
    assert dict(per_user) == {
        "U0DPH": 14,
        "U0CPU1": 13 + 11 + 4 + 4,
        "U0CPU2": 13 + 11 + 4 + 4,
        "U0CHAIR": 9,
        "U0RLH": 14,
    }
    text = all_calls_text(harness)
    assert not [value for value in IDENTIFYING if value in text]


def test_a_reminder_offers_its_action_and_the_case_channel(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 1, 9), timedelta(hours=1))

    def buttons_of(text: str) -> list[dict[str, Any]]:
        dm = next(
            c
            for c in harness.standin.calls_to("chat.postMessage")
            if c.args["channel"] == "U0DPH" and text in c.args["text"]
        )
        return [e for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]]

    told = buttons_of("confirm the CPU has been notified")
    item = ["Snooze", "Hand over", "Open case channel"]
    assert [b["text"]["text"] for b in told] == ["Mark done", *item]
    assert told[0]["value"] == str(task_of(harness, case.id, "dp_notified").id)
    assert case.channel_id in told[-1]["url"]
    records = buttons_of("secure all relevant records")
    assert [b["text"]["text"] for b in records] == ["Confirm records secured", *item]
    assert records[0]["accessibility_label"] == "Confirm records secured for SCR-2026-001, Health"
    assert records[0]["action_id"] == FirstMonthAction.TASK.value
    assert records[0]["value"] == str(task_of(harness, case.id, "records_secured").id)
    schedule = next(c for c in log.sent if "schedule the initial panel" in c.text)
    panel_dm = next(
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if c.args.get("text") == schedule.text
    )
    labels = json.dumps(panel_dm.args["blocks"])
    assert "Mark done" not in labels, "scheduling the panel has its own form, not a button"
    assert "Open case channel" in labels


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
    assert second.at == london(2026, 12, 7, 9)
    harness.clock.set(london(2026, 12, 7, 17, 30))  # after hours: planned for then, it waits
    with harness.runtime.db.session() as session:
        session.execute(
            update(Reminder).where(Reminder.id == second.id).values(at=london(2026, 12, 7, 17, 30))
        )
    tick(harness.runtime)
    harness.clock.set(london(2026, 12, 8, 7))
    tick(harness.runtime)
    assert log.collect() == []
    harness.clock.set(london(2026, 12, 8, 9))
    tick(harness.runtime)
    assert [s.when for s in log.collect()] == ["Tue 08 Dec 2026 09:00"] * 2


@pytest.mark.postgres
def test_a_week_of_downtime_gives_one_catch_up_nudge_per_task(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)

    harness.clock.set(london(2026, 12, 9, 10, 15))  # the worker was down since Fri 27 Nov
    tick(harness.runtime)
    caught_up = log.collect()

    assert {s.when for s in caught_up} == {"Wed 09 Dec 2026 10:15"}
    per_user = defaultdict(int)
    for sent in caught_up:
        per_user[sent.user] += 1
    assert dict(per_user) == {"U0CPU1": 7, "U0CPU2": 7, "U0ADMIN": 4, "U0DPH": 2}
    messages_per_task = {
        "check for a child protection plan": 3,  # both CPUs; the business unit told
        "consider other children at risk": 3,
        "inform the other organisations": 3,
        "inform the board chair": 3,
        "confirm the cpu has been notified": 3,  # Health's DP; both CPUs told
        "secure all relevant records": 3,
        "schedule the initial panel": 2,  # both CPUs, a "before" nudge
    }
    for title, count in messages_per_task.items():
        assert len([s for s in caught_up if title in s.text.casefold()]) == count, title
    [panel] = [s for s in caught_up if s.user == "U0CPU1" and "initial panel" in s.text]
    assert panel.text == (
        "SCR-2026-001: please schedule the initial panel, due Thu 24 Dec (deadline Sun 27 Dec)."
    )
    [records] = log.to("U0DPH", "records")
    assert records.text.endswith("It was due Tue 1 Dec; the CPU has been told.")

    rows = [r for t in range(1, 10) for r in reminders(harness, t)]
    assert len([r for r in rows if r.status == "sent"]) == 7
    skipped = [r for r in rows if r.status == "skipped"]
    assert len(skipped) == 7  # each task's older due nudges
    assert all(r.at < london(2026, 12, 9, 10, 15) for r in skipped)

    tick(harness.runtime)
    assert log.collect() == [], "a second tick sends nothing more"
    travel(harness, log, london(2026, 12, 10, 12), timedelta(hours=1))
    nextday = log.sent[len(caught_up) :]
    assert {s.when for s in nextday} == {"Thu 10 Dec 2026 09:15"}
    per_user = defaultdict(int)
    for sent in nextday:  # the overdue chain goes on from the catch-up, not from the backlog
        per_user[sent.user] += 1
    assert dict(per_user) == {"U0DPH": 1, "U0CPU1": 3, "U0CPU2": 3, "U0ADMIN": 2}
    assert case.reference == "SCR-2026-001"


@pytest.mark.postgres
def test_done_and_waived_tasks_stop_their_reminders(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 11, 30, 9), timedelta(hours=1))
    assert len(log.to("U0DPH", "confirm the CPU has been notified")) == 1

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

    assert len(log.to("U0DPH", "confirm the CPU has been notified")) == 1, "the one before"
    assert len(log.to("U0CPU1", "child protection plan")) == 1
    assert log.to("U0RLH", "chronology") == []
    assert len(log.to("U0RLH", "synopsis")) == 7
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
        "Fri 08 Jan 2027",  # 7 days before
        "Wed 13 Jan 2027",  # 2 working days before
        "Fri 15 Jan 2027",  # on the day
        "Mon 18 Jan 2027",  # overdue, then every 2 working days
        "Wed 20 Jan 2027",
    ]
    assert log.to("U0RLH", "chronology")[0].text == (
        "SCR-2026-001: please submit the chronology for Health, due Fri 15 Jan."
    )
    assert log.to("U0RLH", "chronology")[2].text.endswith("due today (Fri 15 Jan).")
