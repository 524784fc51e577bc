"""Real worker processes on one PostgreSQL database, sending to the stand-in: every due
reminder reaches its person, each person gets one message of the day, by two workers at once
or after one is killed mid-tick.

Each child builds its own runtime on the test's schema, says "ready", waits for "go" (so
the two start together), ticks until nothing is left for it, and prints what it sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.crypto import cipher_for
from bot.jobs.worker import tick
from bot.pacing import SENDERS
from bot.runtime import Runtime
from bot.settings import Settings
from bot.testing.harness import BOT_TOKEN
from bot.testing.seed import seed_partnership
from storage.db import Database
from storage.models import Agency, CaseAssignment, Reminder, SentMessage, Task
from tests.reminders.reminder_helpers import london, open_case

ROOT = Path(__file__).resolve().parents[2]
DUE = london(2026, 11, 30, 9, 5)
PEOPLE = [f"U0BULK{n:02d}" for n in range(40)]
TASKS = 3 * len(PEOPLE)


def _runtime(database_url: str, api_url: str, now: datetime) -> Runtime:
    key = "x" * 43 + "="
    settings = Settings.model_validate(
        {
            "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "SCR_ENCRYPTION_KEY": SecretStr(key),
        }
    )
    return Runtime(
        settings=settings,
        db=Database.from_url(database_url),
        cipher=cipher_for(key, allow_generated=False),
        clock=FrozenClock(now),
        partnership=seed_partnership(),
    )


def child(database_url: str, api_url: str) -> None:
    """Each line on stdin is a moment: set the clock to it, tick until nothing is left for
    this worker, and print how many reminders it sent."""
    runtime = _runtime(database_url, api_url, DUE)
    assert isinstance(runtime.clock, FrozenClock)
    print("ready", flush=True)
    for line in sys.stdin:
        runtime.clock.set(datetime.fromisoformat(line.strip()))
        sent = 0
        while True:
            report = tick(runtime).reminders
            sent += report.sent
            if report.sent == 0 and report.failed == 0:
                break
        print(json.dumps({"sent": sent}), flush=True)


def _spawn(harness) -> subprocess.Popen[str]:
    url = harness.runtime.db.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reminders.test_worker_processes",
            url,
            harness.standin.api_url,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"


def _tick_at(process: subprocess.Popen[str], moment: datetime) -> None:
    assert process.stdin is not None
    process.stdin.write(moment.isoformat() + "\n")
    process.stdin.flush()


def _sent(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the worker died"
    return int(json.loads(line)["sent"])


def _stop(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def _fill_due_reminders(harness) -> int:
    """TASKS open tasks, three for each of PEOPLE (assigned to them on the case), each with a
    nudge due at 09:00 Monday."""
    case = open_case(harness)
    for person in PEOPLE:
        harness.standin.add_user(person, f"Owner {person[-2:]}")
    with harness.runtime.db.session() as session:
        health = session.scalars(select(Agency.id).where(Agency.name == "Health")).one()
        session.query(Reminder).delete()
        for n in range(TASKS):
            subject = f"bulk-{n}"
            session.add(
                CaseAssignment(
                    case_id=case.id,
                    role="action_owner",
                    agency_id=health,
                    subject_key=subject,
                    slack_user_id=PEOPLE[n % len(PEOPLE)],
                    assigned_at=harness.clock.now(),
                )
            )
            task = Task(
                case_id=case.id,
                kind="records_secured",
                stage="referral",
                owner_role="action_owner",
                agency_id=health,
                subject_key=subject,
                due_at=london(2026, 12, 1, 17, 30),
                status="open",
                created_at=harness.clock.now(),
            )
            session.add(task)
            session.flush()
            session.add(
                Reminder(
                    task_id=task.id,
                    case_id=case.id,
                    at=london(2026, 11, 30, 9),
                    kind="before",
                    sequence=1,
                    escalate_to="",
                    status="planned",
                    attempts=0,
                )
            )
    return case.id


def _dms(harness) -> list:
    return [
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if c.ok and c.args["channel"] in PEOPLE
    ]


def _ledger_and_statuses(harness) -> tuple[int, dict[str, int]]:
    with harness.runtime.db.session() as session:
        keys = session.scalar(
            select(func.count()).select_from(SentMessage).where(SentMessage.key.like("reminder:%"))
        )
        rows = session.execute(select(Reminder.status, func.count()).group_by(Reminder.status))
        statuses = {status: count for status, count in rows}
    return int(keys or 0), statuses


def _one_each(dms: list) -> None:
    keys = [c.args["metadata"]["event_payload"]["key"] for c in dms]
    assert sorted(c.args["channel"] for c in dms) == sorted(PEOPLE), "one message each"
    assert sorted(keys) == sorted(f"today:2026-11-30:{person}" for person in PEOPLE)


@pytest.fixture
def pg_harness(harness, backend):
    if backend != "postgresql":
        pytest.skip("this is about PostgreSQL's row locks")
    return harness


@pytest.mark.postgres
def test_two_workers_send_every_due_reminder_exactly_once(pg_harness) -> None:
    harness = pg_harness
    workers = [_spawn(harness), _spawn(harness)]
    _fill_due_reminders(harness)
    before = len(_dms(harness))
    harness.standin.slow("chat.postMessage", 0.002)
    for worker in workers:
        _ready(worker)
    for worker in workers:
        _tick_at(worker, DUE)
    sent = [_sent(worker) for worker in workers]
    for worker in workers:
        _stop(worker)

    assert sum(sent) == TASKS
    _one_each(_dms(harness)[before:])
    assert _ledger_and_statuses(harness) == (TASKS, {"sent": TASKS})


@pytest.mark.postgres
def test_a_worker_killed_mid_tick_loses_nothing_and_repeats_nothing(pg_harness) -> None:
    """What the dead worker sent is not sent again. A person whose message went out just
    before the worker died, without the note of what it carried, has those items in the
    next working day's message: late, not lost, and not twice in one day (as many people as
    the worker had messages in flight)."""
    harness = pg_harness
    doomed, survivor = _spawn(harness), _spawn(harness)
    _fill_due_reminders(harness)
    before = len(_dms(harness))
    delay = 0.02
    harness.standin.slow("chat.postMessage", delay)
    _ready(doomed)
    _ready(survivor)
    _tick_at(doomed, DUE)
    deadline = time.monotonic() + 30
    while len(_dms(harness)) - before < 15 and time.monotonic() < deadline:
        time.sleep(0.01)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    time.sleep(delay * 5)  # Slack finishes what was already on the wire
    harness.standin.clear_faults()
    sent_before_death = len(_dms(harness)) - before
    assert 15 <= sent_before_death < len(PEOPLE)

    _tick_at(survivor, DUE + timedelta(minutes=1))
    assert _sent(survivor) == 0, "the dead worker's leases still hold"
    _tick_at(survivor, DUE + timedelta(minutes=15))
    _sent(survivor)

    monday = _dms(harness)[before:]
    _one_each(monday)  # the DM in flight when the worker died was found, not repeated
    _tick_at(survivor, london(2026, 12, 1, 9, 5))
    _sent(survivor)
    _stop(survivor)
    late = len(_dms(harness)) - before - len(monday)
    assert late <= SENDERS, "at most the ones in flight when it died, a day late"
    assert _ledger_and_statuses(harness) == (TASKS, {"sent": TASKS})


if __name__ == "__main__":
    child(*sys.argv[1:3])
