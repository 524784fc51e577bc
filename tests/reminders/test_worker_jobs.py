"""The worker's jobs: how they are scheduled, the daily digest, and what a tick does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.ids import Job
from bot.jobs.worker import TIMEZONE, add_jobs, daily_digest, start_background_scheduler, tick
from tests.flow_helpers import all_calls_text, cases, refer
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import DMLog, london, open_case, travel


def test_the_tick_is_the_one_job_first_at_start_then_every_minute(harness) -> None:
    """No job of its own for the digest: the tick sends it once due, so a worker started
    after 08:30 catches it up."""
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, harness.runtime)
    scheduler.start(paused=True)
    try:
        [job] = scheduler.get_jobs()
        assert job.id == "tick"
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time and job.misfire_grace_time >= 60
        assert job.args == (harness.runtime,)
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
        assert job.next_run_time <= datetime.now(UTC), "the first tick is due at start"
    finally:
        scheduler.shutdown(wait=False)


def test_the_embedded_scheduler_starts_once_and_stops(harness) -> None:
    stop = start_background_scheduler(harness.runtime)
    stop()


def test_the_daily_digest_goes_to_the_business_unit_once_on_working_days(harness) -> None:
    open_case(harness)
    harness.clock.set(london(2026, 12, 1, 8, 30))
    log = DMLog(harness, everything=True)

    assert daily_digest(harness.runtime) == 1
    assert daily_digest(harness.runtime) == 0, "never twice in a day"

    [digest] = log.collect()
    assert digest.user == "U0ADMIN"
    assert digest.text.splitlines()[0] == (
        "Daily digest for Tue 1 Dec: 3 overdue, 3 due in the next 7 days."
    )
    call = harness.standin.calls_to("chat.postMessage")[-1]
    sections = [b["text"]["text"] for b in call.args["blocks"] if b["type"] == "section"]
    assert sections[0].splitlines() == [
        "*Overdue* (3)",
        "• *SCR-2026-001* · Check for a child protection plan · *overdue* (due Mon 30 Nov)",
        "• *SCR-2026-001* · Consider other children at risk · Health · *overdue* (due Mon 30 Nov)",
        "• *SCR-2026-001* · Confirm the CPU has been notified · Health · "
        "*overdue* (due Mon 30 Nov)",
    ]
    assert sections[1].splitlines()[0] == "*Due in the next 7 days* (3)"
    assert "Secure all relevant records · Health · due Tue 1 Dec" in sections[1]
    assert not [v for v in IDENTIFYING if v in all_calls_text(harness)]

    for holiday in (london(2026, 12, 25, 8, 30), london(2026, 12, 28, 8, 30)):
        harness.clock.set(holiday)
        assert daily_digest(harness.runtime) == 0
    harness.clock.set(london(2026, 12, 29, 8, 30))
    assert daily_digest(harness.runtime) == 1
    assert log.collect()[-1].text.splitlines()[0].count("overdue") == 1


def test_a_tick_finishes_an_interrupted_case_set_up(harness) -> None:
    harness.standin.fail("conversations.create", error="fatal_error", times=100)
    refer(harness)
    assert cases(harness)[0].setup_status == "pending"
    harness.standin.clear_faults()

    harness.clock.advance(timedelta(minutes=2))
    report = tick(harness.runtime)

    assert report.outbox.completed(Job.CASE_SETUP) == 1
    assert cases(harness)[0].setup_status == "complete"


def test_a_tick_redraws_the_card_when_a_task_falls_overdue(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    before = len(harness.standin.calls_to("chat.update"))

    travel(harness, log, london(2026, 12, 1, 9), timedelta(hours=1))

    updates = harness.standin.calls_to("chat.update")[before:]
    assert [(c.args["channel"], c.args["ts"]) for c in updates] == [
        (case.channel_id, case.card_ts)
    ] * 2  # Mon 30 Nov (due today), Tue 1 Dec (first overdue nudges)
    assert "overdue (due Mon 30 Nov)" in json.dumps(updates[-1].args["blocks"])
