"""A morning's messages of the day go out side by side within Slack's rate limits: a 429 is
waited out as long as Slack's Retry-After says (on the bot's clock) and the message sent
again; nobody is missed, nobody gets two."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from benchmarks.reminders import MORNING, _owner, fill_morning
from bot.clock import FrozenClock
from bot.gateway import SlackError
from bot.ids import Job
from bot.jobs.worker import TickReport, daily_digest, run_tick, tick
from bot.pacing import SENDERS, PacedSend
from bot.services import outbox
from bot.testing.harness import Harness
from storage.models import OutboxJob
from storage.states import JobState
from tests.flow_helpers import waits_of
from tests.reminders.reminder_helpers import is_reminder, without_sdk_retries
from tests.socket_mode.conditions import until

OWNERS = 12
ITEMS = 24
WORKSPACE_RATE = 4
"""Messages a second the stand-in's workspace takes (after a burst as large): the morning's
thirteen people cannot all go in the first second."""


def _morning(harness: Harness) -> None:
    for n in range(OWNERS):
        harness.standin.add_user(_owner(n), f"Author {n}")
    harness.clock.set(MORNING)
    fill_morning(harness.runtime.db.engine, OWNERS, ITEMS, MORNING)
    assert daily_digest(harness.runtime) == 1  # the business unit's digest is not the subject


def test_a_morning_waits_out_slacks_429s_and_sends_each_message_once(harness: Harness) -> None:
    _morning(harness)
    standin, clock = harness.standin, harness.clock
    standin.rate_limit(
        "chat.postMessage",
        per_conversation=1,
        per_workspace=WORKSPACE_RATE,
        workspace_burst=WORKSPACE_RATE,
        clock=lambda: clock.now().timestamp(),
    )
    reports: list[TickReport] = []

    def a_tick() -> list[timedelta]:  # the time Slack asked for passes
        return waits_of(
            clock, lambda: reports.append(run_tick(harness.runtime, without_sdk_retries(harness)))
        )

    waits = a_tick()
    [report] = reports
    assert report.failures == []
    assert standin.rate_limited > 0, "the stand-in refused some messages"
    assert waits and all(w == timedelta(seconds=1) for w in waits), "Retry-After: 1, each time"
    if report.reminders.failed:
        # a message Slack refused a third time (a sender already on its way when Slack first
        # refused took the allowance it waited for) is left to the next tick, the only one
        assert report.reminders.failed == 1 and report.reminders.messages >= OWNERS, report
        clock.advance(timedelta(minutes=2))
        a_tick()
    posts = standin.calls_to("chat.postMessage")
    refused = [c for c in posts if c.http_status == 429]
    sent = Counter(str(c.args["channel"]) for c in posts if c.ok and is_reminder(c.args))
    assert len(refused) == standin.rate_limited
    assert set(sent) == {_owner(n) for n in range(OWNERS)} | {"U0ADMIN"}
    assert set(sent.values()) == {1}, "nobody gets two"
    assert {str(c.args["channel"]) for c in refused} <= set(sent), "each refused one went later"
    assert sum(r.reminders.sent for r in reports) == ITEMS
    assert sum(r.reminders.messages for r in reports) == OWNERS + 1
    assert reports[-1].reminders.failed == 0

    clock.advance(timedelta(hours=1))
    assert tick(harness.runtime, without_sdk_retries(harness)).reminders.messages == 0


def test_a_wait_longer_than_slack_should_ask_is_left_to_a_later_tick(harness: Harness) -> None:
    """Past ten seconds the senders stop waiting: what is left goes at a later tick, once."""
    _morning(harness)
    harness.standin.fail("chat.postMessage", status=429, retry_after=60, times=1)

    report = tick(harness.runtime, without_sdk_retries(harness)).reminders

    assert report.failed == 1 and report.messages < OWNERS + 1
    harness.clock.advance(timedelta(minutes=2))
    later = tick(harness.runtime, without_sdk_retries(harness)).reminders
    assert report.messages + later.messages == OWNERS + 1
    sent = Counter(
        str(c.args["channel"])
        for c in harness.standin.calls_to("chat.postMessage")
        if c.ok and is_reminder(c.args)
    )
    assert set(sent.values()) == {1}


def test_a_worker_told_to_stop_sends_what_is_in_flight_and_leaves_the_rest_due(
    harness: Harness,
) -> None:
    """SIGTERM in the middle of a morning (a deploy): the messages already going to Slack
    go, nothing new starts, the tick's later steps wait, and the next worker's tick sends
    the rest, each person's message once."""
    _morning(harness)
    standin = harness.standin
    standin.hold("chat.postMessage")
    reports: list[TickReport] = []
    ticking = threading.Thread(
        target=lambda: reports.append(run_tick(harness.runtime, without_sdk_retries(harness)))
    )
    ticking.start()
    until(lambda: standin.held("chat.postMessage") == SENDERS, what="eight messages in flight")
    harness.runtime.stopping.set()
    standin.release("chat.postMessage")
    ticking.join(timeout=30)

    assert not ticking.is_alive(), "the tick ended once its messages in flight were sent"
    [report] = reports
    assert report.failures == []
    assert report.reminders.messages == SENDERS and report.reminders.failed == 0
    assert "reminders" not in report.skipped
    assert {"case cards", "retention", "half-finished referrals"} <= set(report.skipped)

    harness.runtime.stopping.clear()  # the next worker
    harness.clock.advance(timedelta(minutes=1))
    later = tick(harness.runtime, without_sdk_retries(harness))
    assert later.skipped == []
    assert later.reminders.messages == OWNERS + 1 - SENDERS
    sent = Counter(
        str(c.args["channel"])
        for c in standin.calls_to("chat.postMessage")
        if c.ok and is_reminder(c.args)
    )
    assert set(sent) == {_owner(n) for n in range(OWNERS)} | {"U0ADMIN"}
    assert set(sent.values()) == {1}, "nobody gets two"


def test_a_stopping_worker_claims_no_job_more(harness: Harness) -> None:
    """A tick that starts as the process is told to stop takes no job from the outbox: it
    stays due, untried, for the next drainer."""
    with harness.runtime.db.session() as session:
        outbox.enqueue(session, Job.CASE_CARD, now=harness.clock.now(), case_id=1)
    harness.runtime.stopping.set()

    report = run_tick(harness.runtime, without_sdk_retries(harness))

    assert report.outbox.done == Counter() and "outbox" in report.skipped
    with harness.runtime.db.session() as session:
        job = session.scalars(select(OutboxJob).where(OutboxJob.kind == Job.CASE_CARD)).one()
        assert (job.state, job.attempts) == (JobState.PENDING, 0)


def test_a_429_halves_the_senders_and_messages_sent_clear_bring_them_back() -> None:
    """Senders resuming together after a pause would meet the limit together again: a 429
    halves how many may be in flight, and each run of that many sent without one lets one
    more back, up to all eight."""
    clock = FrozenClock(MORNING)
    one_at_a_time = threading.Lock()
    allowed_then: list[int] = []
    flying: list[tuple[int, int]] = []

    def send(n: int) -> int:
        if n == 0 and not pacer.paused:  # refused once all eight are in flight, the others
            # having started before the pause
            until(lambda: pacer._in_flight == 8, what="eight messages in flight")
            raise SlackError("chat.postMessage", "ratelimited", retryable=True, retry_after=1)
        if n < 8:
            until(lambda: pacer.paused == 1, what="the pause")
        with one_at_a_time:
            allowed_then.append(pacer.allowed)
            if n >= 8:  # taken after the pause
                flying.append((pacer._in_flight, pacer.allowed))
        return n

    pacer = PacedSend(send, clock=clock, stop=lambda exc: False, senders=8)
    done = threading.Event()
    results: list[dict[int, int | BaseException]] = []

    def run() -> None:
        try:
            results.append(pacer.run(list(range(40))))
        finally:
            done.set()
            clock.advance(timedelta())

    thread = threading.Thread(target=run)
    thread.start()
    while (wake := clock.next_wake(unless=done.is_set)) is not None:
        clock.set(wake)
    thread.join()

    [sent] = results
    assert sent == {n: n for n in range(40)}
    assert pacer.paused == 1
    assert allowed_then[0] == 4, "halved by the 429"
    assert allowed_then == sorted(allowed_then), "then only let back"
    assert pacer.allowed == 8
    assert all(in_flight <= allowed for in_flight, allowed in flying), flying
