"""The scheduler's drain runs several jobs at once, so that referrals made together wait on
Slack together rather than one after another, unless the processor is busy; the jobs of one
case still run in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from benchmarks.web import wait_for
from bot.ids import Job
from bot.jobs import outbox as jobs
from bot.jobs.worker import drain_when_rung
from bot.runtime import Bell
from bot.services import outbox
from storage.models import OutboxJob
from storage.states import JobState
from tests.flow_helpers import cases
from tests.outbox.test_outbox import _jobs, _refer_queued

CREATE = "conversations.create"


class _Idle(jobs.ProcessorUse):
    """The processor as jobs waiting on Slack leave it, whatever else this machine runs."""

    def busy(self) -> bool:
        return False


class _Busy(jobs.ProcessorUse):
    """The processor as a fast Slack or a burst of requests keeps it."""

    def busy(self) -> bool:
        return True


def test_referrals_made_together_wait_on_slack_together(harness, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "ProcessorUse", _Idle)
    referred = [_refer_queued(harness) for _ in range(jobs.CONCURRENCY)]
    harness.standin.hold(CREATE)
    scheduler = BackgroundScheduler(timezone="Europe/London")
    drain_when_rung(scheduler, harness.runtime)
    scheduler.start()
    try:
        harness.runtime.bell.ring()
        together = wait_for(lambda: harness.standin.held(CREATE) == jobs.CONCURRENCY, 20)
        harness.standin.release(CREATE)
        assert together, f"{harness.standin.held(CREATE)} set-up(s) waited on Slack at once"
        assert wait_for(lambda: all(c.setup_status == "complete" for c in cases(harness)), 30)
    finally:
        harness.standin.release()
        scheduler.shutdown(wait=True)
    assert sorted(c.id for c in cases(harness)) == sorted(referred)
    assert len({c.channel_id for c in cases(harness)}) == len(referred)
    assert len([c for c in harness.standin.calls_to(CREATE) if c.ok]) == len(referred)


def test_a_cases_next_job_waits_for_the_one_running_and_other_cases_go_on(harness) -> None:
    first = _refer_queued(harness)
    with harness.runtime.db.session() as session:
        outbox.enqueue(session, Job.CASE_CARD, now=harness.clock.now(), case_id=first)
    second = _refer_queued(harness)
    harness.standin.hold(CREATE)
    reports: list[jobs.DrainReport] = []
    drainer = threading.Thread(
        target=lambda: reports.append(jobs.drain(harness.runtime, concurrency=4, processor=_Idle()))
    )
    drainer.start()
    try:
        assert wait_for(lambda: harness.standin.held(CREATE) == 2, 20), "both set-ups began"
        states = {
            (j.kind, j.args["case_id"]): j.state for j in _jobs(harness) if j.kind != Job.CASE_OPEN
        }
        assert states == {
            (Job.CASE_SETUP, first): JobState.RUNNING,
            (Job.CASE_CARD, first): JobState.PENDING,
            (Job.CASE_SETUP, second): JobState.RUNNING,
        }
    finally:
        harness.standin.release()
        drainer.join(30)
    [report] = reports
    assert report.completed(Job.CASE_SETUP) == 2
    assert report.completed(Job.CASE_CARD) == 1
    assert {j.state for j in _jobs(harness)} == {JobState.DONE}
    assert all(c.setup_status == "complete" for c in cases(harness))


def test_with_the_processor_busy_the_jobs_run_one_at_a_time(harness) -> None:
    referred = [_refer_queued(harness) for _ in range(3)]
    harness.standin.hold(CREATE)
    drainer = threading.Thread(
        target=lambda: jobs.drain(harness.runtime, concurrency=4, processor=_Busy())
    )
    drainer.start()
    try:
        assert wait_for(lambda: harness.standin.held(CREATE) == 1, 20)
        assert not wait_for(lambda: harness.standin.held(CREATE) > 1, 1.0)
    finally:
        harness.standin.release()
        drainer.join(30)
    assert {c.id for c in cases(harness) if c.setup_status == "complete"} == set(referred)


def test_the_processor_is_busy_while_this_process_or_the_machine_keeps_it(monkeypatch) -> None:
    """Seconds of processor time, this process's and the machine's, as each window leaves
    them (the wall clock is the real one)."""
    process = {"seconds": 0.0}
    machine = {"user": 0.0, "system": 0.0, "idle": 0.0, "iowait": 0.0, "guest": 0.0}

    def a_window(*, process_share: float, machine_share: float) -> None:
        started = time.monotonic()
        while time.monotonic() - started < use.WINDOW:
            time.sleep(use.WINDOW / 4)
        process["seconds"] += process_share * (time.monotonic() - started)
        machine["user"] += 10 * machine_share
        machine["guest"] += 10 * machine_share  # counted within user's already
        machine["idle"] += 10 * (1 - machine_share)

    monkeypatch.setattr(jobs.time, "process_time", lambda: process["seconds"])
    monkeypatch.setattr(
        jobs.psutil, "cpu_times", lambda: SimpleNamespace(_asdict=lambda: dict(machine))
    )
    use = jobs.ProcessorUse()
    assert use.busy(), "busy until measured"
    a_window(process_share=0.1, machine_share=0.1)
    assert not use.busy(), "this process waiting on Slack, the machine idle"
    a_window(process_share=0.1, machine_share=0.9)
    assert use.busy(), "the machine busy with something else: web requests, the database"
    a_window(process_share=0.1, machine_share=0.1)
    assert not use.busy()
    a_window(process_share=0.9, machine_share=0.45)
    assert use.busy(), "this process busy: one of two processors"


def test_a_ring_during_a_drain_starts_no_second_drain_beside_it(harness) -> None:
    """The running drain takes the new job: never more jobs at once than its concurrency."""
    _refer_queued(harness)
    harness.standin.hold(CREATE)
    drainer = jobs.Drainer(harness.runtime, _in_a_thread, concurrency=1)
    try:
        drainer.ring()
        assert wait_for(lambda: harness.standin.held(CREATE) == 1, 20)
        _refer_queued(harness)
        drainer.ring()
        assert not wait_for(lambda: harness.standin.held(CREATE) > 1, 1.0)
    finally:
        harness.standin.release()
    assert wait_for(lambda: {c.setup_status for c in cases(harness)} == {"complete"}, 30)
    assert len(cases(harness)) == 2


def test_a_ring_as_a_drain_ends_makes_it_go_round_again(harness, monkeypatch) -> None:
    """A job queued after the drain's last look is not left for the next tick."""
    drains: list[int] = []
    real = jobs.drain

    def counted(runtime, **kwargs):
        drains.append(1)
        return real(runtime, **kwargs)

    monkeypatch.setattr(jobs, "drain", counted)
    started: list[Callable[[], None]] = []
    drainer = jobs.Drainer(harness.runtime, started.append, concurrency=1)
    drainer.ring()
    drainer.ring()  # rung again before the first drain has ended
    [drain_now] = started
    drain_now()
    assert len(drains) == 2
    drainer.ring()
    assert len(started) == 2, "ended, so the next ring starts a drain"


def _in_a_thread(drain_now: Callable[[], None]) -> None:
    threading.Thread(target=drain_now, daemon=True).start()


def test_a_failed_drain_is_logged_by_kind_alone_and_the_next_ring_drains_again(
    harness, monkeypatch, caplog
) -> None:
    def failing(runtime, **kwargs):
        raise RuntimeError("what a person typed")

    monkeypatch.setattr(jobs, "drain", failing)
    started: list[Callable[[], None]] = []
    drainer = jobs.Drainer(harness.runtime, started.append, concurrency=1)
    drainer.ring()
    started[0]()  # raises nothing into the thread that ran it
    assert "RuntimeError" in caplog.text
    assert "what a person typed" not in caplog.text
    drainer.ring()
    assert len(started) == 2


@pytest.mark.postgres
def test_two_drainers_never_run_two_jobs_of_one_case_at_once(harness) -> None:
    """Whichever processes drain the outbox (two workers overlapping in a rolling deploy),
    a case's second job waits for its first: the claim passes over it, and should two
    claims meet, the index on running subjects refuses the second."""
    harness.runtime.bell = Bell()
    db, now = harness.runtime.db, harness.clock.now()
    with db.session() as session:
        for case_id in (1, 1, 2):
            outbox.enqueue(session, Job.CASE_CARD, now=now, case_id=case_id)

    first = outbox.claim_next(db, "host-a:1:1", now)
    second = outbox.claim_next(db, "host-b:2:1", now)
    assert first is not None and second is not None
    assert (first.args, second.args) == ({"case_id": 1}, {"case_id": 2})
    assert outbox.claim_next(db, "host-b:2:1", now) is None, "case 1's second job waits"
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(
            update(OutboxJob)
            .where(OutboxJob.state == JobState.PENDING)
            .values(state=JobState.RUNNING, claimed_by="host-b:2:1")
        )

    assert outbox.finish(db, first, "host-a:1:1", now)
    third = outbox.claim_next(db, "host-b:2:1", now)
    assert third is not None and third.args == {"case_id": 1} and third.id > first.id
