"""Slack failing mid-send, and a worker dying mid-tick: retried later, sent once, none lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.jobs.worker import tick
from bot.services.reminders.delivery import MAX_ATTEMPTS, claim_due
from storage.models import Reminder, SentMessage
from tests.reminders.reminder_helpers import (
    CPU_CHORES,
    DMLog,
    FailingAfter,
    complete,
    london,
    open_case,
    task_of,
    without_sdk_retries,
)

MONDAY_NINE = london(2026, 11, 30, 9)


def _only_the_panel_nudge_due(harness):
    """A case whose only nudge on Mon 30 Nov 09:00 goes to the two CPU members."""
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "records_secured")
    harness.clock.set(MONDAY_NINE)
    return case, task_of(harness, case.id, "schedule_initial_panel")


def _status(harness, task_id: int) -> list[tuple[str, int, str | None]]:
    with harness.runtime.db.session() as session:
        return [
            (r.status, r.attempts, r.last_error)
            for r in session.scalars(
                select(Reminder)
                .where(Reminder.task_id == task_id, Reminder.at <= harness.clock.now())
                .order_by(Reminder.at)
            )
        ]


@pytest.mark.postgres
def test_a_rate_limit_outlasting_the_sdk_retries_is_retried_later_and_sent_once(harness) -> None:
    _case, panel = _only_the_panel_nudge_due(harness)
    log = DMLog(harness)
    harness.standin.fail("chat.postMessage", status=429, retry_after=30, times=1)

    report = tick(harness.runtime, without_sdk_retries(harness))

    assert report.reminders.failed == 1 and report.reminders.sent == 0
    first = log.collect()
    assert len(first) <= 1, "the message refused, and at most the one sent beside it"
    assert _status(harness, panel.id) == [("failed", 1, "ratelimited")]
    harness.clock.advance(timedelta(seconds=30))
    tick(harness.runtime, without_sdk_retries(harness))
    assert log.collect() == [], "retried after the backoff, not at once"

    harness.clock.advance(timedelta(minutes=1))
    report = tick(harness.runtime, without_sdk_retries(harness))

    assert report.reminders.sent == 1
    assert sorted(s.user for s in first + log.collect()) == ["U0CPU1", "U0CPU2"]
    assert _status(harness, panel.id) == [("sent", 2, None)]
    harness.clock.advance(timedelta(hours=2))
    tick(harness.runtime)
    assert log.collect() == []


def test_a_429_inside_the_sdk_retries_is_waited_out(harness) -> None:
    _only_the_panel_nudge_due(harness)
    log = DMLog(harness)
    harness.standin.fail("chat.postMessage", status=429, retry_after=0, times=1)

    tick(harness.runtime)

    assert sorted(s.user for s in log.collect()) == ["U0CPU1", "U0CPU2"]
    to_cpu = [
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if c.args["channel"] in ("U0CPU1", "U0CPU2")
    ]
    assert [c.ok for c in to_cpu[-3:]] == [False, True, True]


@pytest.mark.postgres
def test_a_server_error_after_one_dm_resends_only_the_missing_one(harness) -> None:
    _case, panel = _only_the_panel_nudge_due(harness)
    log = DMLog(harness)

    report = tick(harness.runtime, FailingAfter(harness, ok=1))

    assert report.reminders.failed == 1
    [first] = [s.user for s in log.collect()]  # the two go side by side: either may be first
    assert _status(harness, panel.id) == [("failed", 1, "internal_error")]

    harness.clock.advance(timedelta(minutes=1))
    tick(harness.runtime, without_sdk_retries(harness))

    [second] = [s.user for s in log.collect()]
    assert {first, second} == {"U0CPU1", "U0CPU2"}, "the one who had it is not sent it again"
    assert _status(harness, panel.id) == [("sent", 2, None)]


@pytest.mark.postgres
def test_a_worker_that_dies_holding_claims_loses_nothing(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    harness.clock.set(MONDAY_NINE)
    claimed = claim_due(harness.runtime.db, harness.clock.now())  # ...and then it died
    assert len(claimed) == 7  # the CPU's chores and the panel's, Health's DP's two

    harness.clock.advance(timedelta(minutes=1))
    assert tick(harness.runtime).reminders.sent == 0, "the dead worker's lease still holds"
    assert log.collect() == []

    harness.clock.advance(timedelta(minutes=10))
    report = tick(harness.runtime)

    assert report.reminders.sent == 7
    sent = log.collect()
    assert sorted(s.user for s in sent) == ["U0CPU1", "U0CPU2", "U0DPH"], "one message each"
    with harness.runtime.db.session() as session:
        keys = session.scalar(
            select(func.count()).select_from(SentMessage).where(SentMessage.key.like("reminder:%"))
        )
    assert keys == 4 + 4 + 3, "which reminders reached whom: 4 to each CPU member, 3 to the DP"
    assert case.reference == "SCR-2026-001"


def test_a_person_slack_no_longer_knows_does_not_block_the_others(harness) -> None:
    _case, panel = _only_the_panel_nudge_due(harness)
    log = DMLog(harness)
    harness.standin.deactivate_user("U0CPU1")

    report = tick(harness.runtime)

    assert report.reminders.sent == 1
    assert [s.user for s in log.collect()] == ["U0CPU2"]
    [(status, _attempts, error)] = _status(harness, panel.id)
    assert status == "sent" and error is not None


def test_a_send_waiting_for_its_retry_is_cancelled_when_the_task_is_done(harness) -> None:
    case, panel = _only_the_panel_nudge_due(harness)
    log = DMLog(harness)
    harness.standin.fail("chat.postMessage", status=500, times=1)
    tick(harness.runtime, without_sdk_retries(harness))
    assert _status(harness, panel.id) == [("failed", 1, "internal_error")]
    assert len(log.collect()) <= 1, "at most the message sent beside the one that failed"

    complete(harness, case.id, "schedule_initial_panel")
    harness.clock.advance(timedelta(hours=1))
    tick(harness.runtime, without_sdk_retries(harness))

    assert log.collect() == []
    assert _status(harness, panel.id) == [("cancelled", 1, "internal_error")]


def test_a_reminder_slack_keeps_refusing_is_given_up_after_its_last_attempt(harness) -> None:
    _case, panel = _only_the_panel_nudge_due(harness)
    with harness.runtime.db.session() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.task_id == panel.id, Reminder.at <= harness.clock.now())
            .values(attempts=MAX_ATTEMPTS - 1)
        )
    harness.standin.fail("chat.postMessage", status=500, times=1)

    tick(harness.runtime, without_sdk_retries(harness))

    assert _status(harness, panel.id) == [("abandoned", MAX_ATTEMPTS, "internal_error")]
    harness.clock.advance(timedelta(days=1))
    tick(harness.runtime, without_sdk_retries(harness))
    assert _status(harness, panel.id)[0][0] == "abandoned"
