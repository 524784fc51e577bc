"""Bulk-filling a migrated database with open cases, their tasks and planned reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text

from bot.ids import Job
from bot.process.working_days import WorkingCalendar
from storage.models import Agency, Case, Reminder, Task
from storage.states import JobState

CASE_TASKS = (
    "cpu_cp_plan_checked",
    "cpu_other_children_considered",
    "cpu_organisations_informed",
    "cpu_chair_informed",
    "schedule_initial_panel",
)
AGENCY_TASK = "records_secured"
CHUNK = 5_000


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for chunk in _chunks(rows):
            conn.execute(insert(table), chunk)


def fill(
    engine: Engine, *, cases: int, tasks_per_case: int, reminders_per_task: int, now: datetime
) -> None:
    """Cases referred over the past weeks, each with case-wide and per-agency tasks due in
    the coming weeks, and every reminder still planned for the future."""
    cal = WorkingCalendar()
    with engine.connect() as conn:
        agencies = list(conn.scalars(select(Agency.id).order_by(Agency.id)))
    per_agency = tasks_per_case - len(CASE_TASKS)
    if not 0 <= per_agency <= len(agencies):
        raise ValueError(f"{tasks_per_case} tasks a case needs {per_agency} agencies")
    days = [cal.day_start(d) for d in _working_days(cal, now.date(), 90)]

    def case_rows() -> Iterator[dict[str, Any]]:
        for n in range(1, cases + 1):
            yield {
                "id": n,
                "reference": f"SCR-2026-{n:05d}",
                "year": 2026,
                "number": n,
                "process_key": "bolton-scr",
                "stage": "referral",
                "referring_agency_id": agencies[n % len(agencies)],
                "referred_by": "U0DPH",
                "referral_date": now.date() - timedelta(days=n % 20),
                "created_at": now - timedelta(days=n % 20),
                "criteria": ["death"],
                "setup_status": "complete",
                "setup_attempts": 0,
                "card_pinned": False,
            }

    def task_rows() -> Iterator[dict[str, Any]]:
        task_id = 0
        for case_id in range(1, cases + 1):
            kinds: list[tuple[str, int | None]] = [(kind, None) for kind in CASE_TASKS]
            kinds += [(AGENCY_TASK, agencies[a]) for a in range(per_agency)]
            for i, (kind, agency_id) in enumerate(kinds):
                task_id += 1
                yield {
                    "id": task_id,
                    "case_id": case_id,
                    "kind": kind,
                    "stage": "referral",
                    "owner_role": "cpu" if agency_id is None else "designated_persons",
                    "agency_id": agency_id,
                    "round_no": 1,
                    "due_at": cal.day_end(cal.london_date(days[30 + (case_id + i) % 60])),
                    "status": "open",
                    "created_at": now,
                }

    def reminder_rows() -> Iterator[dict[str, Any]]:
        reminder_id = 0
        for task_id in range(1, cases * tasks_per_case + 1):
            case_id = (task_id - 1) // tasks_per_case + 1
            for k in range(reminders_per_task):
                reminder_id += 1
                yield {
                    "id": reminder_id,
                    "task_id": task_id,
                    "case_id": case_id,
                    "at": days[1 + (task_id + 7 * k) % 29 + k * 30 // reminders_per_task],
                    "kind": "before",
                    "sequence": k + 1,
                    "escalate_to": "",
                    "status": "planned",
                    "attempts": 0,
                }

    _bulk(engine, Case.__table__, case_rows())
    _bulk(engine, Task.__table__, task_rows())
    _bulk(engine, Reminder.__table__, reminder_rows())
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("cases", "tasks", "reminders"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def waiting_jobs(count: int, now: datetime) -> list[dict[str, Any]]:
    """Rows of ``count`` queued set-up jobs, each of a case of its own, all due by ``now``,
    the first due longest: a backlog, as after Slack was down."""
    return [
        {
            "kind": Job.CASE_SETUP.value,
            "args": {"case_id": n},
            "subject": f"case_id={n}",
            "state": JobState.PENDING,
            "attempts": 0,
            "next_attempt_at": now - timedelta(seconds=count - n),
            "created_at": now,
        }
        for n in range(count)
    ]


def _working_days(cal: WorkingCalendar, start: date, count: int) -> list[date]:
    days: list[date] = []
    d = start
    while len(days) < count:
        if cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days
