"""How many reminders people get, and what one morning's sending costs:
`python -m benchmarks.reminders`.

(a) One referral, then six simulated weeks in which nobody acts: the worker ticks every half
hour of the working day and the digest goes at 08:30; the reminder messages each person got
(goal: at most one a working day and 12 in all; the business unit's digest counted apart).

(b) One working morning's tick for 1,000 people with 10,000 due items (7,000 nudges before a
deadline, 3,000 overdue ones that also tell the business unit): wall time, messages sent,
peak memory (tracemalloc, in a second run on a copy of the same database).

Both on SQLite in a temporary folder, with the in-process Slack stand-in.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import Engine, insert, select

from bot.clock import FrozenClock
from bot.crypto import cipher_for
from bot.demo.referral import DEMO_REFERRAL, REFERRER
from bot.ids import INPUT_ACTION, ReferralBlock
from bot.jobs.worker import daily_digest, tick
from bot.runtime import Runtime
from bot.services.cases.access import active_agencies, sync_partnership
from bot.services.reminders.today import TODAY
from bot.settings import Settings
from bot.slack_client import retry_handlers
from bot.testing.harness import BOT_TOKEN, make_settings, seed_people, start_harness
from bot.testing.seed import PEOPLE, seed_partnership
from bot.testing.standin import SlackStandIn
from bot.testing.standin.models import RecordedCall
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Agency, Case, CaseAssignment, Reminder, Task

LONDON = ZoneInfo("Europe/London")
REFERRED = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)
WEEKS = 6
MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)
OWNERS = 1_000
ITEMS = 10_000
OVERDUE_SHARE = 0.3


# (a) one referral, six weeks ----------------------------------------------------------------


def _message_of_the_day(call: RecordedCall) -> bool:
    metadata = call.args.get("metadata") or {}
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    key = str((payload or {}).get("key", ""))
    return call.method == "chat.postMessage" and call.ok and key.startswith(f"{TODAY}:")


def _digest(call: RecordedCall) -> bool:
    text = str(call.args.get("text", ""))
    return call.method == "chat.postMessage" and call.ok and text.startswith("Daily digest")


def _refer(harness: Any) -> None:
    with harness.runtime.db.session() as session:
        health = next(a.id for a in active_agencies(session) if a.name == "Health")
    harness.driver.slash_command(REFERRER, "refer")
    harness.wait()
    values = {ReferralBlock.AGENCY: str(health), **DEMO_REFERRAL}
    harness.driver.submit_view(
        REFERRER, {b.value: {INPUT_ACTION: v} for b, v in values.items() if v != ""}
    )
    harness.wait()


def six_weeks(folder: Path) -> None:
    url = f"sqlite:///{folder / 'six-weeks.sqlite3'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    with SlackStandIn() as standin:
        seed_people(standin)
        settings = make_settings(standin, url)
        harness = start_harness(standin, database, FrozenClock(REFERRED), settings=settings)
        try:
            _refer(harness)
            start = len(standin.calls)
            cal = harness.runtime.working_calendar()
            until = REFERRED + timedelta(weeks=WEEKS)
            day = cal.london_date(REFERRED)
            days: dict[str, set[date]] = defaultdict(set)
            messages: Counter[str] = Counter()
            digests: Counter[str] = Counter()
            per_day_max = 0
            while cal.day_start(day) <= until:
                if cal.is_working_day(day):
                    harness.clock.set(
                        datetime.combine(day, cal.start, LONDON) - timedelta(minutes=30)
                    )
                    daily_digest(harness.runtime)
                    moment = cal.day_start(day)
                    while cal.is_working_time(moment) and moment <= until:
                        if moment > REFERRED:
                            harness.clock.set(moment)
                            tick(harness.runtime)
                        moment += timedelta(minutes=30)
                    fresh = standin.calls[start:]
                    start = len(standin.calls)
                    today = Counter(str(c.args["channel"]) for c in fresh if _message_of_the_day(c))
                    per_day_max = max([per_day_max, *today.values()])
                    messages.update(today)
                    for person in today:
                        days[person].add(day)
                    digests.update(str(c.args["channel"]) for c in fresh if _digest(c))
                day += timedelta(days=1)
        finally:
            harness.close()
    names = {p.user_id: p.name for p in PEOPLE}
    print(f"(a) one referral ({REFERRED:%a %d %b %Y}), {WEEKS} weeks in which nobody acts")
    print("    reminder messages per person (the goal: at most 1 a working day, 12 in all)")
    for person, count in messages.most_common():
        print(f"    {names.get(person, person):<34} {count:>3}")
    for person, count in digests.items():
        print(f"    {names.get(person, person):<34} {count:>3} daily digests, besides")
    print(f"    most messages to one person on one day: {per_day_max}")
    print(f"    most in all: {max(messages.values(), default=0)}")


# (b) one morning, 1,000 people, 10,000 items -------------------------------------------------


def _runtime(url: str, standin: SlackStandIn, now: datetime) -> Runtime:
    key = "r" * 43 + "="
    settings = Settings.model_validate(
        {
            "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": url,
            "SCR_ENCRYPTION_KEY": SecretStr(key),
        }
    )
    return Runtime(
        settings=settings,
        db=Database.from_url(url),
        cipher=cipher_for(key, allow_generated=False),
        clock=FrozenClock(now),
        partnership=seed_partnership(),
    )


def _owner(n: int) -> str:
    return f"U1{n:06d}"


def _bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    chunk: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            chunk.append(row)
            if len(chunk) == 5_000:
                conn.execute(insert(table), chunk)
                chunk = []
        if chunk:
            conn.execute(insert(table), chunk)


def fill_morning(engine: Engine, owners: int, items: int, now: datetime) -> None:
    """``items`` individual management reviews, one per case and agency, each assigned to one
    of ``owners`` people (so each has ``items / owners`` across as many cases) and each with
    a nudge due a minute ago: most before their deadline, a share overdue (telling the
    business unit)."""
    with engine.connect() as conn:
        agencies = list(conn.scalars(select(Agency.id).order_by(Agency.id)))
    cases = -(-items // len(agencies))
    late = int(items * OVERDUE_SHARE)
    day = now.date()

    def case_rows() -> Iterator[dict[str, Any]]:
        for n in range(1, cases + 1):
            yield {
                "id": n,
                "reference": f"SCR-2026-{n:04d}",
                "year": 2026,
                "number": n,
                "process_key": "bolton-scr",
                "stage": "review",
                "referring_agency_id": agencies[0],
                "referred_by": "U0DPH",
                "referral_date": day - timedelta(days=60),
                "created_at": now - timedelta(days=60),
                "criteria": ["death"],
                "setup_status": "complete",
                "setup_attempts": 0,
                "card_pinned": False,
            }

    def pairs() -> Iterator[tuple[int, int, int]]:
        for i in range(items):
            yield i + 1, i // len(agencies) + 1, agencies[i % len(agencies)]

    def assignment_rows() -> Iterator[dict[str, Any]]:
        for i, case_id, agency_id in pairs():
            yield {
                "case_id": case_id,
                "role": "imr_author",
                "agency_id": agency_id,
                "slack_user_id": _owner(i % owners),
                "assigned_at": now - timedelta(days=30),
            }

    def task_rows() -> Iterator[dict[str, Any]]:
        for i, case_id, agency_id in pairs():
            overdue = i <= late
            yield {
                "id": i,
                "case_id": case_id,
                "kind": "imr",
                "stage": "review",
                "owner_role": "imr_author",
                "agency_id": agency_id,
                "round_no": 1,
                "due_at": now + (timedelta(days=-3) if overdue else timedelta(days=5 + i % 20)),
                "status": "open",
                "created_at": now - timedelta(days=30),
                "overdue_nudges": 0,
            }

    def reminder_rows() -> Iterator[dict[str, Any]]:
        for i, case_id, _agency in pairs():
            overdue = i <= late
            yield {
                "task_id": i,
                "case_id": case_id,
                "at": now - timedelta(minutes=1),
                "kind": "overdue" if overdue else "before",
                "sequence": 1,
                "escalate_to": "admins" if overdue else "",
                "status": "planned",
                "attempts": 0,
            }

    _bulk(engine, Case.__table__, case_rows())
    _bulk(engine, CaseAssignment.__table__, assignment_rows())
    _bulk(engine, Task.__table__, task_rows())
    _bulk(engine, Reminder.__table__, reminder_rows())


def _morning_tick(url: str, standin: SlackStandIn) -> tuple[float, int, int]:
    runtime = _runtime(url, standin, MORNING)
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=retry_handlers())
    try:
        started = time.perf_counter()
        report = tick(runtime, client).reminders
        return time.perf_counter() - started, report.messages, report.sent
    finally:
        runtime.db.dispose()


def one_morning(folder: Path, owners: int, items: int) -> None:
    path = folder / "morning.sqlite3"
    url = f"sqlite:///{path}"
    database = Database.from_url(url)
    upgrade(database.engine)
    with database.session() as session:
        sync_partnership(session, seed_partnership())
    fill_morning(database.engine, owners, items, MORNING)
    database.dispose()
    shutil.copy(path, folder / "morning-copy.sqlite3")
    with SlackStandIn() as standin:
        seed_people(standin)
        for n in range(owners):
            standin.add_user(_owner(n), f"Author {n}")
        seconds, messages, sent = _morning_tick(url, standin)
        shutil.copy(folder / "morning-copy.sqlite3", path)
        tracemalloc.start()
        _morning_tick(url, standin)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"(b) one working morning's tick ({MORNING:%a %d %b %Y %H:%M} London)")
    print(f"    {owners:,} people, {items:,} due items ({int(items * OVERDUE_SHARE):,} overdue)")
    print(f"    wall time        {seconds:8.2f} s")
    print(f"    messages sent    {messages:8,}   ({sent:,} reminders recorded as sent)")
    print(f"    peak memory      {peak / 2**20:8.1f} MiB (tracemalloc, a second run)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reminders", description=__doc__)
    parser.add_argument("--owners", type=int, default=OWNERS)
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--skip-weeks", action="store_true", help="only the morning's tick")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scr-bench-reminders-") as folder:
        if not args.skip_weeks:
            six_weeks(Path(folder))
            print()
        one_morning(Path(folder), args.owners, args.items)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
