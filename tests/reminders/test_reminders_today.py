"""One reminder message a working day per person ("Your tasks today"): every due item across
cases, grouped by case, escalations included; never a second one that day, whatever Slack
does."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.jobs.worker import tick
from storage.models import Reminder, SentMessage
from tests.flow_helpers import refer
from tests.reminders.reminder_helpers import (
    CPU_CHORES,
    DMLog,
    FailingAfter,
    complete,
    item_buttons,
    london,
    message_of_the_day,
    open_case,
    reminders,
    task_of,
    travel,
    without_sdk_retries,
)

MONDAY_NINE = london(2026, 11, 30, 9)


def _ledger(harness, prefix: str) -> int:
    with harness.runtime.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SentMessage)
                .where(SentMessage.key.like(f"{prefix}%"))
            )
            or 0
        )


def _statuses(harness) -> Counter[str]:
    with harness.runtime.db.session() as session:
        rows = session.scalars(select(Reminder.status).where(Reminder.at <= harness.clock.now()))
        return Counter(rows)


def test_fifty_cases_give_one_message_on_a_working_morning(harness) -> None:
    for _ in range(50):
        refer(harness, "U0RLH")  # Health's designated person is told, and secures records
    log = DMLog(harness)

    harness.clock.set(MONDAY_NINE)
    tick(harness.runtime)
    log.collect()

    [dm] = log.to("U0DPH")
    assert dm.text.startswith("Your tasks today: 150 tasks in 50 cases.")
    for n in range(1, 51):
        assert dm.text.count(f"*SCR-2026-{n:03}*") == 1, "each case once, its items under it"
    message = message_of_the_day(harness, "U0DPH")
    assert len(message.blocks) <= 50
    first = task_of(harness, 1, "dp_notified")
    assert [b["text"]["text"] for b in item_buttons(message, first.id)] == [
        "Mark done",
        "Snooze",
        "Hand over",
    ]
    assert "*SCR-2026-050*: Confirm the CPU has been notified · Health (due today); " in (dm.text)
    assert "Secure all relevant records · Health (due in 1 working day)" in dm.text
    assert "App Home" in dm.text, "the rest have their buttons there"
    assert Counter(s.user for s in log.sent) == {"U0DPH": 1, "U0CPU1": 1, "U0CPU2": 1}

    harness.clock.advance(timedelta(hours=3))
    tick(harness.runtime)
    assert log.collect() == [], "a second tick that day sends nothing more"
    assert _statuses(harness) == {"sent": 50 * 7}


def test_an_escalation_reaches_the_cpu_in_its_one_message(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)

    travel(harness, log, london(2026, 12, 1, 12), timedelta(hours=1))

    [tuesday] = [s for s in log.to("U0CPU1") if s.when.startswith("Tue 01 Dec")]
    assert (
        "*Confirm the CPU has been notified* · Health\n"
        "by Mon 30 Nov · *1 working day late* · you are told as the CPU"
    ) in tuesday.text
    assert "*Check for a child protection plan*\nby Mon 30 Nov · *1 working day late*\n" in (
        tuesday.text
    )
    message = message_of_the_day(harness, "U0CPU1", "you are told as the CPU")
    told = task_of(harness, case.id, "dp_notified")
    own = task_of(harness, case.id, "cpu_cp_plan_checked")
    assert item_buttons(message, told.id) == [], "the designated person's to do, not the CPU's"
    assert [b["text"]["text"] for b in item_buttons(message, own.id)] == [
        "Check child protection plan",
        "Snooze",
        "Hand over",
    ]
    assert Counter(s.when[:16] for s in log.to("U0CPU1")) == {
        "Mon 30 Nov 2026 ": 1,
        "Tue 01 Dec 2026 ": 1,
    }


def test_slack_failing_mid_way_loses_nothing_and_sends_nothing_twice(harness) -> None:
    open_case(harness)
    harness.clock.set(MONDAY_NINE)
    log = DMLog(harness)

    report = tick(harness.runtime, FailingAfter(harness, ok=1))

    assert report.reminders.failed == 1 and report.reminders.messages == 2
    sent = {s.user: s for s in log.collect()}
    [missed] = {"U0CPU1", "U0CPU2", "U0DPH"} - set(sent)
    assert _statuses(harness)["failed"] > 0
    harness.clock.advance(timedelta(seconds=30))
    tick(harness.runtime, without_sdk_retries(harness))
    assert log.collect() == [], "the retry waits for its backoff"

    harness.clock.advance(timedelta(minutes=1))
    tick(harness.runtime, without_sdk_retries(harness))

    [retried] = log.collect()
    assert retried.user == missed
    sent[missed] = retried
    cpu1, cpu2 = sent["U0CPU1"].text.splitlines(), sent["U0CPU2"].text.splitlines()
    assert cpu1[2:] == cpu2[2:], "both CPU officers have the same four items"
    harness.clock.advance(timedelta(hours=2))
    tick(harness.runtime)
    assert log.collect() == []
    assert _statuses(harness) == {"sent": 7}
    assert _ledger(harness, "today:") == 3
    assert _ledger(harness, "reminder:") == 4 + 4 + 3


def test_a_nudge_due_after_the_message_of_the_day_waits_for_the_next_one(harness) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "records_secured")
    panel = task_of(harness, case.id, "schedule_initial_panel")
    log = DMLog(harness)
    harness.clock.set(MONDAY_NINE)
    tick(harness.runtime)
    assert sorted(s.user for s in log.collect()) == ["U0CPU1", "U0CPU2"]
    later = reminders(harness, panel.id)[1]  # the Chair is told from this one on
    with harness.runtime.db.session() as session:  # as if it fell due at 11:00 today
        session.execute(
            update(Reminder).where(Reminder.id == later.id).values(at=london(2026, 11, 30, 11))
        )

    harness.clock.set(london(2026, 11, 30, 11))
    tick(harness.runtime)

    [chair] = log.collect()
    assert chair.user == "U0CHAIR", "the CPU had today's message; the Chair had none yet"
    harness.clock.set(london(2026, 12, 1, 9))
    tick(harness.runtime)
    tuesday = log.collect()
    assert sorted(s.user for s in tuesday) == ["U0CPU1", "U0CPU2"]
    assert all("Schedule the initial panel" in s.text for s in tuesday)
    assert [r.status for r in reminders(harness, panel.id)][:2] == ["sent", "sent"]
