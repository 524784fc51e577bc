"""Helpers for the monitoring tests: a case brought to the monitoring stage through the
engine, an action plan imported as a person would (modal and CSV file), returns sent from
the nudge's button, and time travel that ticks the worker every working morning."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringAction
from bot.ids import MonitoringBlock as B
from bot.jobs.worker import tick
from bot.services.monitoring.rounds import KIND
from bot.services.reminders.delivery import cancel_planned
from bot.services.reminders.tasks import EngineContext, complete_task, open_tasks, record_event
from bot.testing.harness import Harness
from storage.models import Case, Recommendation, Task
from tests.flow_helpers import cases, refer
from tests.reminders.reminder_helpers import is_reminder, rendered

LONDON = ZoneInfo("Europe/London")
OWNERS = {"Health": "U0OWNH", "Police": "U0OWNP", "Children's Services": "U0OWNC"}
HEADER = ["Number", "Agency", "Action", "Owner", "Target date", "Expected outcome", "Source"]
PLAN = [
    ["1", "Health", "Health visitors to review the threshold for home visits",
     "U0OWNH", "30/06/2027", "Every family seen at home within the threshold", "overview report"],
    ["2", "Police", "Share domestic abuse call-outs with the health visiting team",
     "u0ownp@owners.example", "31/03/2027", "Call-outs shared within a day", "management review"],
    ["3", "Children's Services", "Audit the handover of cases between teams",
     "U0OWNC", "31/12/2027", "No case closed without a documented handover", ""],
]  # fmt: skip


def london(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def add_owners(harness: Harness) -> None:
    names = {"U0OWNH": "Hana Health", "U0OWNP": "Paul Police", "U0OWNC": "Cat Children"}
    for user_id, name in names.items():
        harness.standin.add_user(user_id, name, f"{user_id.lower()}@owners.example")


def ctx(harness: Harness, session) -> EngineContext:
    runtime = harness.runtime
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


def to_monitoring(harness: Harness, agreed_at: datetime) -> Case:
    """Refer a case, finish every earlier task through the engine, and agree the overview
    report at ``agreed_at`` (the clock moves there). Nothing else is left to nag anyone."""
    refer(harness)
    case_id = cases(harness)[-1].id
    for _ in range(12):
        with harness.runtime.db.session() as session:
            case = session.get(Case, case_id)
            if case.stage == "review":
                break
            for task in open_tasks(session, case_id):
                complete_task(ctx(harness, session), task, actor="U0CPU1", check_permission=False)
    harness.clock.set(agreed_at)
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case.stage == "review", case.stage
        record_event(ctx(harness, session), case, "report_agreed", at=agreed_at, actor="U0ADMIN")
        for task in open_tasks(session, case_id):
            task.status, task.completed_by = "waived", "bot"
            cancel_planned(session, task.id)
        assert case.stage == "monitoring"
    return cases(harness)[-1]


def plan_csv(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, *, bom=True) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def import_plan(harness: Harness, case: Case, content: bytes, user: str = "U0ADMIN"):
    """`/scr actions import` in the case channel, then the modal submitted with the file."""
    harness.driver.slash_command(user, "actions import", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None, "the import modal did not open"
    file_id = harness.standin.add_user_file(
        user, harness.standin.im_with(user), "action-plan.csv", content
    )
    response = harness.driver.submit_view(
        user,
        {B.PLAN_FILE.value: {INPUT_ACTION: [harness.standin.file_json(file_id)]}},
        view_id=view.id,
    )
    harness.wait()
    return response, view.id


def return_task(harness: Harness, case_id: int, number: int, round_no: int) -> Task:
    with harness.runtime.db.session() as session:
        rec = session.scalar(
            select(Recommendation).where(
                Recommendation.case_id == case_id, Recommendation.number == number
            )
        )
        return session.scalar(
            select(Task).where(
                Task.kind == KIND, Task.subject_key == f"rec:{rec.id}", Task.round_no == round_no
            )
        )


def send_return(
    harness: Harness,
    user: str,
    task_id: int,
    *,
    status: str,
    progress: str,
    reason: str = "",
    evidence: str = "",
    as_of: str | None = None,
):
    """Click the return button the user was sent for this task, and fill in the form."""
    message = latest_with_button(harness, user, task_id)
    harness.driver.block_action(
        user,
        MonitoringAction.SEND_RETURN.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None and view.callback_id == "progress_return_submit"
    values = {
        B.PROGRESS.value: {INPUT_ACTION: progress},
        B.STATUS.value: {INPUT_ACTION: status},
        B.REASON.value: {INPUT_ACTION: reason},
        B.EVIDENCE.value: {INPUT_ACTION: evidence},
    }
    if as_of is not None:
        values[B.AS_OF.value] = {INPUT_ACTION: as_of}
    response = harness.driver.submit_view(user, values, view_id=view.id)
    harness.wait()
    return response


def latest_with_button(harness: Harness, user: str, task_id: int):
    for message in reversed(harness.standin.messages_seen_by(user)):
        for block in message.blocks:
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if (
                    isinstance(element, dict)
                    and element.get("action_id") == MonitoringAction.SEND_RETURN.value
                    and element.get("value") == str(task_id)
                ):
                    return message
    raise AssertionError(f"{user} was sent no button for task {task_id}")


@dataclass(frozen=True)
class Seen:
    when: str
    method: str
    to: str
    text: str


class SlackLog:
    """What the bot sent from now on: DMs and channel messages (a message of the day with its
    blocks' text), and files shared."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.seen = len(harness.standin.calls)
        self.items: list[Seen] = []

    def collect(self) -> list[Seen]:
        calls = self.harness.standin.calls
        fresh, self.seen = calls[self.seen :], len(calls)
        when = self.harness.clock.now().astimezone(LONDON).strftime("%a %d %b %Y %H:%M")
        new = []
        for call in fresh:
            if not call.ok:
                continue
            if call.method == "chat.postMessage":
                text = rendered(call.args) if is_reminder(call.args) else call.args.get("text", "")
                new.append(Seen(when, call.method, str(call.args["channel"]), text))
            elif call.method == "files.completeUploadExternal":
                names = ",".join(str(f.get("title")) for f in call.args.get("files", []))
                to = call.args.get("channels") or call.args.get("channel_id")
                new.append(Seen(when, call.method, str(to), names))
            elif call.method == "conversations.archive":
                new.append(Seen(when, call.method, str(call.args["channel"]), ""))
        self.items += new
        return new

    def dms_to(self, user: str) -> list[Seen]:
        return [s for s in self.items if s.method == "chat.postMessage" and s.to == user]


def working_mornings(start: datetime, until: datetime, harness: Harness) -> Iterator[datetime]:
    cal = harness.runtime.working_calendar()
    day = cal.london_date(start)
    while True:
        moment = cal.day_start(day)
        if moment > until:
            return
        if moment > start and cal.is_working_day(day):
            yield moment
        day += timedelta(days=1)


def travel(harness: Harness, log: SlackLog, until: datetime) -> None:
    """Tick at 09:00 London on every working day after now, up to ``until``; the clock
    ends at ``until``."""
    for moment in working_mornings(harness.clock.now(), until, harness):
        harness.clock.set(moment)
        tick(harness.runtime)
        log.collect()
    harness.clock.set(until)
