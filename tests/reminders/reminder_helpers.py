"""Time travel for the reminder tests: tick the worker as the clock moves, and read back
the DMs that reached the stand-in with the London time they went out."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import select

from bot.jobs.worker import tick
from bot.services.reminders.tasks import EngineContext, complete_task
from bot.services.reminders.today import TODAY
from bot.testing.harness import Harness
from bot.testing.standin.models import Message
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
    """The bot's messages of the day (or, with ``everything``, all its DMs) from the moment
    it is made, their text with their blocks' text."""

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
            Sent(when, str(c.args["channel"]), rendered(c.args))
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
    """A message of the day: posted once under a `today:` ledger key."""
    metadata = args.get("metadata") or {}
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    return isinstance(payload, dict) and str(payload.get("key", "")).startswith(f"{TODAY}:")


def rendered(args: dict[str, Any]) -> str:
    """A message's notification text and the text of its blocks, one per line."""
    parts = [str(args.get("text", ""))]
    for block in args.get("blocks") or []:
        if block.get("type") == "header":
            parts.append(str(block["text"]["text"]))
            continue
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if element.get("type") in ("mrkdwn", "plain_text"):
                parts.append(str(element.get("text", "")))
    return "\n".join(parts)


def message_of_the_day(harness: Harness, user: str, containing: str = "") -> Message:
    """The latest message of the day in ``user``'s DM that mentions ``containing``."""
    found = [
        m
        for m in harness.standin.dms_to(user)
        if is_reminder({"metadata": m.metadata})
        and containing in rendered({"text": m.text, "blocks": m.blocks})
    ]
    assert found, f"no message of the day to {user} about {containing!r}"
    return found[-1]


def item_buttons(message: Message, task_id: int) -> list[dict[str, Any]]:
    """The buttons of one item of a message of the day."""
    return [
        element
        for block in message.blocks
        if block["type"] == "actions" and block.get("block_id") == f"today_item:{task_id}"
        for element in block["elements"]
    ]


def travel(harness: Harness, log: DMLog, until: datetime, step: timedelta) -> None:
    """Tick at every ``step`` from the clock's present up to ``until``."""
    while harness.clock.now() < until:
        harness.clock.advance(step)
        tick(harness.runtime)
        log.collect()


def without_sdk_retries(harness: Harness) -> WebClient:
    """The production client retries 429/5xx itself (sleeping); this one gives up at once,
    so a test sees the worker's own retry-later path without waiting."""
    return WebClient(
        token=harness.standin.bot_token, base_url=harness.standin.api_url, retry_handlers=[]
    )


class FailingAfter(WebClient):
    """Slack answers 500 to the DM after the first ``ok`` ones."""

    def __init__(self, harness: Harness, ok: int) -> None:
        super().__init__(
            token=harness.standin.bot_token, base_url=harness.standin.api_url, retry_handlers=[]
        )
        self.standin, self.ok = harness.standin, ok
        self.lock = threading.Lock()

    def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802
        with self.lock:  # messages go side by side: the call after the first ``ok`` fails
            if self.ok == 0:
                self.standin.fail("chat.postMessage", status=500, times=1)
            self.ok -= 1
        return super().chat_postMessage(**kwargs)


def open_case(harness: Harness) -> Case:
    """Referred by Health's review lead: Health's designated person, who did not make the
    referral, is asked to confirm the CPU was told."""
    refer(harness, "U0RLH")
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
