"""The business unit's digest as part of the worker's tick: due from 08:30 on working days,
caught up by a worker started late, and sent once per admin and day however many workers
tick at once (a rolling deploy, a cron `worker --once`), even one that died mid-send."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.runtime
from bot.cli import main
from bot.clock import FrozenClock
from bot.gateway import SlackError, SlackGateway
from bot.jobs.worker import tick
from bot.runtime import Runtime
from bot.services.reminders.daily import DailyKind, claim_daily
from bot.testing.harness import BOT_TOKEN, Harness, make_settings, start_harness
from bot.testing.seed import SEED_TOML
from bot.views.messages import Message
from storage.db import Database
from storage.models import DailyDelivery, OutboxJob
from storage.states import DailyStatus, JobState
from tests.flow_helpers import cases, refer_unopened
from tests.reminders.reminder_helpers import london, open_case
from tests.socket_mode.conditions import until

ADMIN = "U0ADMIN"
TUESDAY = london(2026, 12, 1, 9, 10)


def digests(harness: Harness) -> list[str]:
    """The digests the business unit holds in its DM with the bot, as Slack has them."""
    return [m.text for m in harness.standin.dms_to(ADMIN) if m.text.startswith("Daily digest")]


def second_worker(harness: Harness) -> Runtime:
    """Another worker process: its own connections to the same database, its own clock."""
    url = harness.runtime.db.engine.url.render_as_string(hide_password=False)
    return replace(
        harness.runtime, db=Database.from_url(url), clock=FrozenClock(harness.clock.now())
    )


def daily_rows(harness: Harness) -> list[tuple[str, str, str, int]]:
    """The digest's once-a-day claims (the messages of the day have their own)."""
    with harness.runtime.db.session() as session:
        return [
            (row.day.isoformat(), row.recipient, row.status, row.attempts)
            for row in session.scalars(
                select(DailyDelivery)
                .where(DailyDelivery.kind == DailyKind.DIGEST)
                .order_by(DailyDelivery.id)
            )
        ]


def test_a_worker_started_at_9_10_sends_the_digest_once(harness) -> None:
    open_case(harness)
    harness.clock.set(TUESDAY)

    assert tick(harness.runtime).digests == 1
    for later in (timedelta(minutes=1), timedelta(hours=3)):
        harness.clock.set(TUESDAY + later)
        assert tick(harness.runtime).digests == 0
    other = second_worker(harness)
    try:
        assert tick(other).digests == 0, "a second worker's first tick sends no second digest"
    finally:
        other.db.dispose()

    assert digests(harness) == ["Daily digest for Tue 1 Dec: 3 overdue, 3 due in the next 7 days."]
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.SENT, 1)]


def test_a_worker_started_at_8_waits_for_8_30_and_never_sends_on_days_off(harness) -> None:
    open_case(harness)
    harness.clock.set(london(2026, 12, 1, 8, 0))
    while harness.clock.now() < london(2026, 12, 1, 8, 30):
        assert tick(harness.runtime).digests == 0
        harness.clock.advance(timedelta(minutes=5))
    assert digests(harness) == []

    assert tick(harness.runtime).digests == 1  # 08:30
    assert len(digests(harness)) == 1

    for day_off in (london(2026, 12, 5, 10), london(2026, 12, 25, 10), london(2026, 12, 28, 10)):
        harness.clock.set(day_off)  # a Saturday, Christmas Day, the Boxing Day substitute
        assert tick(harness.runtime).digests == 0
    harness.clock.set(london(2026, 12, 2, 18, 0))
    assert tick(harness.runtime).digests == 0, "not after working hours: tomorrow's will do"
    harness.clock.set(london(2026, 12, 29, 8, 31))
    assert tick(harness.runtime).digests == 1
    assert [text.split(":")[0] for text in digests(harness)] == [
        "Daily digest for Tue 1 Dec",
        "Daily digest for Tue 29 Dec",
    ]


def test_a_day_with_nothing_due_is_skipped_not_looked_at_again(harness) -> None:
    harness.clock.set(TUESDAY)
    assert tick(harness.runtime).digests == 0
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.SKIPPED, 1)]
    open_case(harness)
    harness.clock.advance(timedelta(minutes=1))
    assert tick(harness.runtime).digests == 0
    assert digests(harness) == []


@pytest.mark.postgres
def test_three_one_shot_ticks_at_once_send_one_digest(harness, backend) -> None:
    """The issue's case: three `worker --once` at 09:05 sent the business unit two digests."""
    open_case(harness)
    harness.clock.set(london(2026, 12, 1, 9, 5))
    workers = [second_worker(harness) for _ in range(3)]
    harness.standin.slow("chat.postMessage", 0.05)
    start = threading.Barrier(len(workers))
    failures: list[str] = []
    sent: list[int] = []

    def one_shot(runtime: Runtime) -> None:
        start.wait()
        try:
            report = tick(runtime)
        except Exception as exc:
            failures.append(type(exc).__name__)
            return
        sent.append(report.digests)

    threads = [threading.Thread(target=one_shot, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.db.dispose()

    assert failures == []
    assert sorted(sent) == [0, 0, 1]
    assert len(digests(harness)) == 1
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.SENT, 1)]


def test_a_claim_held_by_a_worker_that_died_is_taken_over_when_its_lease_runs_out(
    harness,
) -> None:
    open_case(harness)
    died_at = london(2026, 12, 1, 9, 5)
    assert claim_daily(harness.runtime.db, DailyKind.DIGEST, died_at.date(), ADMIN, died_at)

    harness.clock.set(died_at + timedelta(minutes=1))
    assert tick(harness.runtime).digests == 0, "the lease still holds"
    harness.clock.set(died_at + timedelta(minutes=10))
    assert tick(harness.runtime).digests == 1
    assert len(digests(harness)) == 1
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.SENT, 2)]


TIMEOUT, LATE = 1, 1.5
"""The stand-in answers this late after acting: past the bot's timeout."""


@pytest.fixture
def slow_harness(standin, database, clock) -> Iterator[Harness]:
    settings = make_settings(
        standin,
        database.engine.url.render_as_string(hide_password=False),
        SCR_SLACK_TIMEOUT=TIMEOUT,
    )
    standin.set_wall_clock(lambda: clock.now().timestamp())
    harness = start_harness(standin, database, clock, settings=settings)
    try:
        yield harness
    finally:
        harness.close()


def test_a_digest_posted_by_a_worker_that_died_before_hearing_back_is_adopted(
    slow_harness,
) -> None:
    harness = slow_harness
    open_case(harness)
    died_at = london(2026, 12, 1, 9, 5)
    harness.clock.set(died_at)
    day = died_at.date()
    assert claim_daily(harness.runtime.db, DailyKind.DIGEST, day, ADMIN, died_at)
    harness.standin.slow("chat.postMessage", LATE, after_acting=True)
    gateway = SlackGateway(harness.runtime.web_client(), harness.runtime.db, harness.clock)
    with pytest.raises(SlackError):  # Slack posted; the worker never heard, then died
        gateway.post_once(
            f"digest:{day.isoformat()}:{ADMIN}", ADMIN, Message("Daily digest for Tue 1 Dec", [])
        )
    harness.standin.clear_faults()
    assert len(digests(harness)) == 1
    posts = len(harness.standin.calls_to("chat.postMessage"))

    harness.clock.set(died_at + timedelta(minutes=11))
    assert tick(harness.runtime).digests == 1

    assert len(digests(harness)) == 1, "found in the DM's history, not posted again"
    assert not [
        c
        for c in harness.standin.calls_to("chat.postMessage")[posts:]
        if c.args["channel"] == ADMIN and str(c.args.get("text", "")).startswith("Daily")
    ]
    assert harness.standin.calls_to("conversations.history")
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.SENT, 2)]


def test_a_digest_slack_refused_is_released_for_the_next_tick(harness) -> None:
    open_case(harness)
    harness.clock.set(TUESDAY)
    harness.standin.fail("chat.postMessage", error="fatal_error", times=100)
    with pytest.raises(SlackError):
        tick(harness.runtime)
    assert daily_rows(harness) == [("2026-12-01", ADMIN, DailyStatus.PENDING, 1)]

    harness.standin.clear_faults()
    harness.clock.advance(timedelta(minutes=1))
    assert tick(harness.runtime).digests == 1
    assert len(digests(harness)) == 1


def _cli_environment(harness: Harness, monkeypatch, tmp_path: Path) -> None:
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    key = harness.runtime.settings.encryption_key
    assert key is not None
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": harness.standin.api_url,
        "DATABASE_URL": harness.runtime.db.engine.url.render_as_string(hide_password=False),
        "SCR_ENCRYPTION_KEY": key.get_secret_value(),
        "SCR_CONFIG": str(config),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(bot.runtime, "SystemClock", lambda: harness.clock)


def test_worker_once_twice_in_a_row_sends_nothing_the_second_time(
    harness, monkeypatch, tmp_path, capsys
) -> None:
    case = open_case(harness)
    _cli_environment(harness, monkeypatch, tmp_path)
    harness.clock.set(TUESDAY)
    capsys.readouterr()

    assert main(["worker", "--once"]) == 0
    first = capsys.readouterr().out
    posts = len(harness.standin.calls_to("chat.postMessage"))
    harness.clock.advance(timedelta(minutes=1))
    assert main(["worker", "--once"]) == 0
    second = capsys.readouterr().out

    assert "digests sent: 1" in first
    assert "reminders sent: 0 " not in first
    assert second.startswith("tick: reminders sent: 0 (0 DMs);")
    assert "digests sent: 0" in second and "failed steps: none" in second
    assert len(harness.standin.calls_to("chat.postMessage")) == posts
    assert len(digests(harness)) == 1
    assert case.reference not in first + second


def test_worker_once_exits_1_naming_the_step_that_failed(
    harness, monkeypatch, tmp_path, capsys
) -> None:
    open_case(harness)
    _cli_environment(harness, monkeypatch, tmp_path)
    harness.clock.set(TUESDAY)
    harness.standin.fail("chat.postMessage", error="fatal_error", times=100)
    capsys.readouterr()

    assert main(["worker", "--once"]) == 1
    out, err = capsys.readouterr()
    assert "failed steps: daily digest" in out
    assert "scr-bot worker --once: daily digest failed (SlackError)" in err

    harness.standin.clear_faults()
    harness.clock.advance(timedelta(minutes=1))
    assert main(["worker", "--once"]) == 0
    assert "digests sent: 1" in capsys.readouterr().out


def test_worker_help_offers_once(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["worker", "--help"])
    assert "--once" in capsys.readouterr().out


def test_worker_once_opens_and_sets_up_a_referral_the_web_kept(
    harness, monkeypatch, tmp_path, capsys
) -> None:
    """The web process kept a referral and its job; nothing in it drained the queue (as on
    PostgreSQL, where the worker does): one tick opens the case and sets it up."""
    refer_unopened(harness)
    assert cases(harness) == []
    _cli_environment(harness, monkeypatch, tmp_path)
    capsys.readouterr()

    assert main(["worker", "--once"]) == 0
    out = capsys.readouterr().out
    assert "cases opened: 1;" in out and "case set-ups finished: 1;" in out
    [case] = cases(harness)
    assert (case.reference, case.setup_status) == ("SCR-2026-001", "complete")


def test_worker_once_told_to_stop_finishes_the_set_up_under_way_and_leaves_the_rest(
    harness, monkeypatch, tmp_path, capsys
) -> None:
    """SIGTERM to a cron `worker --once` (its time limit, a deploy): the referral being set
    up is finished, its card pinned, not left to wait out its lease; the referral not yet
    started stays queued, untried, for the next tick; the process says what it left."""
    refer_unopened(harness)
    refer_unopened(harness)
    _cli_environment(harness, monkeypatch, tmp_path)
    standin = harness.standin
    standin.hold("conversations.create")
    capsys.readouterr()

    def stop_during_the_first_set_up() -> None:
        until(lambda: standin.held("conversations.create") == 1, what="a set-up under way")
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
        standin.release("conversations.create")

    stopper = threading.Thread(target=stop_during_the_first_set_up)
    stopper.start()
    assert main(["worker", "--once"]) == 0
    stopper.join(timeout=10)

    out, err = capsys.readouterr()
    assert "cases opened: 1;" in out and "case set-ups finished: 1;" in out
    left = out.split("steps left to the next tick: ")[1]
    assert {"reminders", "daily digest", "half-finished referrals"} <= set(left.strip().split(", "))
    assert err == f"scr-bot worker --once: stopped; left to the next tick: {left}"
    [case] = cases(harness)
    assert case.setup_status == "complete" and standin.pins[case.channel_id] == [case.card_ts]
    with harness.runtime.db.session() as session:
        waiting = session.scalars(select(OutboxJob).where(OutboxJob.state == JobState.PENDING))
        assert [(job.kind, job.attempts) for job in waiting] == [("case_open", 0)]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the handler is put back"

    harness.clock.advance(timedelta(minutes=1))
    assert main(["worker", "--once"]) == 0
    assert "cases opened: 1;" in capsys.readouterr().out
    assert [c.setup_status for c in cases(harness)] == ["complete", "complete"]
