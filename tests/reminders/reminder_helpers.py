"""Time travel for the reminder tests: tick the worker as the clock moves, and read back
the DMs that reached the stand-in with the London time they went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.flows.reminders import METADATA_EVENT
from bot.jobs.worker import tick
from bot.services.reminders.tasks import EngineContext, complete_task
from bot.testing.harness import Harness
from storage.models import Case, Reminder, Task
from tests.flow_helpers import cases, refer

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class Sent:
    when: str
    user: str
    text: str


class DMLog:
    """The bot's reminder DMs (or, with ``everything``, all its DMs) from the moment it is
    made."""

    def __init__(self, harness: Harness, *, everything: bool = False) -> None:
        self.harness = harness
        self.everything = everything
        self.seen = len(harness.standin.calls)
        self.sent: list[Sent] = []

    def collect(self) -> list[Sent]:
        calls = self.harness.standin.calls
        fresh = calls[self.seen :]
        self.seen = len(calls)
        when = self.harness.clock.now().astimezone(LONDON).strftime("%a %d %b %Y %H:%M")
        new = [
            Sent(when, str(c.args["channel"]), str(c.args.get("text", "")))
            for c in fresh
            if c.method == "chat.postMessage"
            and c.ok
            and str(c.args["channel"]).startswith("U")
            and (self.everything or is_reminder(c.args))
        ]
        self.sent += new
        return new

    def to(self, user: str, containing: str = "") -> list[Sent]:
        return [s for s in self.sent if s.user == user and containing in s.text]


def is_reminder(args: dict[str, Any]) -> bool:
    metadata = args.get("metadata") or {}
    return isinstance(metadata, dict) and metadata.get("event_type") == METADATA_EVENT


def travel(harness: Harness, log: DMLog, until: datetime, step: timedelta) -> None:
    """Tick at every ``step`` from the clock's present up to ``until``."""
    while harness.clock.now() < until:
        harness.clock.advance(step)
        tick(harness.runtime)
        log.collect()


def open_case(harness: Harness) -> Case:
    refer(harness)
    return cases(harness)[-1]


def task_of(harness: Harness, case_id: int, kind: str, agency_id: int | None = None) -> Task:
    with harness.runtime.db.session() as session:
        query = select(Task).where(Task.case_id == case_id, Task.kind == kind)
        if agency_id is not None:
            query = query.where(Task.agency_id == agency_id)
        return session.scalars(query).one()


def complete(harness: Harness, case_id: int, *kinds: str) -> None:
    """Tasks done by their owners, straight through the engine."""
    runtime = harness.runtime
    with runtime.db.session() as session:
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        for task in session.scalars(
            select(Task).where(Task.case_id == case_id, Task.kind.in_(kinds))
        ):
            complete_task(ctx, task, actor="U0CPU1", check_permission=False)


def reminders(harness: Harness, task_id: int) -> list[Reminder]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Reminder).where(Reminder.task_id == task_id).order_by(Reminder.at)
            )
        )


CPU_CHORES = (
    "cpu_cp_plan_checked",
    "cpu_other_children_considered",
    "cpu_organisations_informed",
    "cpu_chair_informed",
)
