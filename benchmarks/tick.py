"""How long one worker tick takes on a full database: `python -m benchmarks.tick`.

Fills SQLite (a temporary file) and PostgreSQL (a schema of its own at BENCH_DATABASE_URL or
TEST_DATABASE_URL; skipped when neither is set or reachable) with 10,000 open cases,
100,000 tasks and 300,000 planned reminders, then times the tick when nothing is due and
when 100 and 1,000 reminders are due (sent to a local Slack stand-in); then how long a
drainer takes to claim a queued job with 100 and with 10,000 jobs waiting (a backlog after
Slack was down).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from benchmarks.fill import fill, waiting_jobs
from bot.clock import FrozenClock
from bot.crypto import cipher_for
from bot.jobs.worker import tick
from bot.runtime import Runtime
from bot.services import outbox
from bot.services.cases.access import sync_partnership
from bot.services.reminders.delivery import claimable_at
from bot.settings import Settings
from bot.slack_client import retry_handlers
from bot.testing.harness import BOT_TOKEN, seed_people
from bot.testing.seed import seed_partnership
from bot.testing.standin import SlackStandIn
from storage.db import Database, make_engine
from storage.migrate import upgrade
from storage.models import OutboxJob, Reminder, Task

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))
IDLE_RUNS = 20


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="scr-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    schema = f"scr_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _runtime(url: str, standin: SlackStandIn) -> Runtime:
    key = "b" * 43 + "="
    settings = Settings.model_validate(
        {
            "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": url,
            "SCR_ENCRYPTION_KEY": SecretStr(key),
        }
    )
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.session() as session:
        sync_partnership(session, seed_partnership())
    return Runtime(
        settings=settings,
        db=db,
        cipher=cipher_for(key, allow_generated=False),
        clock=FrozenClock(NOW),
        partnership=seed_partnership(),
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _idle(runtime: Runtime, client: WebClient) -> tuple[float, float]:
    tick(runtime, client)
    times = []
    for _ in range(IDLE_RUNS):
        started = time.perf_counter()
        report = tick(runtime, client)
        times.append(time.perf_counter() - started)
        assert report.reminders.sent == 0
    return statistics.median(times), max(times)


def _make_due(engine: Engine, count: int, offset: int, now: datetime) -> None:
    """One reminder each of ``count`` tasks spread over all cases falls due a minute ago."""
    with engine.begin() as conn:
        tasks = conn.scalar(select(func.count()).select_from(Task)) or 0
        step = max(1, tasks // count)
        task_ids = [1 + offset + i * step for i in range(count)]
        ids = list(
            conn.scalars(
                select(func.min(Reminder.id))
                .where(Reminder.task_id.in_(task_ids), Reminder.status == "planned")
                .group_by(Reminder.task_id)
            )
        )
        conn.execute(
            update(Reminder).where(Reminder.id.in_(ids)).values(at=now - timedelta(minutes=1))
        )


def _due(runtime: Runtime, client: WebClient, count: int, offset: int) -> tuple[float, int, int]:
    """A tick with ``count`` due, on the ``offset``-th working morning after NOW: each person
    gets one reminder message a day, so each measurement has a morning of its own."""
    cal = runtime.working_calendar()
    day = cal.add_working_days(NOW.date(), offset)
    now = datetime.combine(day, NOW.timetz())
    assert isinstance(runtime.clock, FrozenClock)
    runtime.clock.set(now)
    _make_due(runtime.db.engine, count, offset, now)
    started = time.perf_counter()
    report = tick(runtime, client).reminders
    return time.perf_counter() - started, report.sent, report.messages


def _claim_plan(engine: Engine) -> str:
    """How the database finds due reminders: an index range, not a scan of what is stored."""
    pick = select(Reminder.id).where(claimable_at(NOW)).order_by(Reminder.at).limit(50)
    with engine.connect() as conn:
        sql = str(pick.compile(conn, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            return "; ".join(
                str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
        lines = [str(row[0]).strip() for row in conn.execute(text(f"EXPLAIN {sql}"))]
        return "; ".join(line.split("  (cost")[0].lstrip("-> ") for line in lines if "Scan" in line)


CLAIMS = 50


def claim_with_backlog(db: Database, waiting: int) -> float:
    """Median seconds for a drainer to claim the next job with ``waiting`` jobs queued and
    due (each of a case of its own); the jobs are removed afterwards."""
    with db.session() as session:
        session.execute(insert(OutboxJob), waiting_jobs(waiting, NOW))
    _analyze(db.engine)
    each = []
    for _ in range(min(CLAIMS, waiting)):
        started = time.perf_counter()
        assert outbox.claim_next(db, "bench", NOW) is not None
        each.append(time.perf_counter() - started)
    with db.session() as session:
        session.execute(delete(OutboxJob))
    return statistics.median(each)


def _analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def run(
    name: str,
    url: str,
    standin: SlackStandIn,
    sizes: tuple[int, int, int],
    due: Sequence[int],
    backlogs: Sequence[int] = (100, 10_000),
) -> None:
    runtime = _runtime(url, standin)
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=retry_handlers())
    engine = runtime.db.engine
    empty_median, _ = _idle(runtime, client)
    started = time.perf_counter()
    cases, per_case, per_task = sizes
    fill(engine, cases=cases, tasks_per_case=per_case, reminders_per_task=per_task, now=NOW)
    _analyze(engine)
    filled = time.perf_counter() - started
    with engine.connect() as conn:
        reminders = conn.scalar(select(func.count()).select_from(Reminder)) or 0
    print(f"\n{name}: {cases:,} cases, {cases * per_case:,} tasks, {reminders:,} reminders")
    print(f"  filled in {filled:.1f} s")
    print(f"  due reminders are found by: {_claim_plan(engine)}")
    print(f"  idle tick, empty database      median {_ms(empty_median)}")
    median, worst = _idle(runtime, client)
    print(f"  idle tick, full database       median {_ms(median)}   max {_ms(worst)}")
    for n, count in enumerate(due):
        seconds, sent, dms = _due(runtime, client, count, offset=n)
        print(
            f"  tick with {count:>5,} due           {_ms(seconds)}   "
            f"({sent:,} sent in {dms:,} DMs, {seconds / max(sent, 1) * 1000:.2f} ms each)"
        )
    median, worst = _idle(runtime, client)
    print(f"  idle tick afterwards           median {_ms(median)}   max {_ms(worst)}")
    for waiting in backlogs:
        seconds = claim_with_backlog(runtime.db, waiting)
        print(f"  claim of a job, {waiting:>6,} waiting   median {seconds * 1000:8.2f} ms")
    runtime.db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tick", description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--tasks-per-case", type=int, default=10)
    parser.add_argument("--reminders-per-task", type=int, default=3)
    parser.add_argument("--due", type=int, nargs="+", default=[100, 1_000])
    parser.add_argument("--backlog", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    sizes = (args.cases, args.tasks_per_case, args.reminders_per_task)
    print(f"one worker tick at {NOW:%a %d %b %Y %H:%M} London (working hours)")
    with SlackStandIn() as standin:
        seed_people(standin)
        if "sqlite" in backends:
            with sqlite_url() as url:
                run("SQLite", url, standin, sizes, args.due, args.backlog)
        if "postgresql" in backends:
            base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            if not base:
                print("\nPostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
            else:
                try:
                    with postgres_url(base) as url:
                        run("PostgreSQL", url, standin, sizes, args.due, args.backlog)
                except OperationalError as exc:
                    print(f"\nPostgreSQL: skipped ({type(exc.orig).__name__}: not reachable)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
