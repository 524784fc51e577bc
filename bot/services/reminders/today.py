"""Each person's message of the day: the reminders a tick has claimed, sorted into one list
per person (the task's owners, and the holders of the roles an escalating nudge tells), and
the ledger of which reminders reached whom. No Slack here.

A person gets at most one such message a London day (``today_key``). A reminder reaches a
person once (``carried_key``): when it is due for several people, those who have had it
are not sent it again, and one whose message of the day went before it fell due gets it in
their next working day's message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ids import TASK_FORMS
from bot.process.bolton import COPY_SUBJECT
from bot.process.definition import TaskDefinition
from bot.process.registry import get_process
from bot.process.working_days import WorkingCalendar
from bot.services.monitoring.rounds import recommendation_id_of
from bot.services.reminders.delivery import Claim, chunked, resume_at
from bot.services.reminders.owners import RoleHolders, present
from bot.services.reminders.schema import TodayItem
from bot.services.reminders.tasks import may_waive
from storage.db import Database
from storage.models import Agency, Case, CaseMember, Recommendation, SentMessage, Task
from storage.states import TaskStatus

TODAY = "today"


def today_key(day: date, user: str) -> str:
    """The ledger key of ``user``'s message of the day on ``day`` (a London date)."""
    return f"{TODAY}:{day.isoformat()}:{user}"


def carried_key(reminder_id: int, user: str) -> str:
    """The ledger key saying that reminder ``reminder_id`` reached ``user``."""
    return f"reminder:{reminder_id}:{user}"


@dataclass
class Inbox:
    """What one person is to be told today. ``had_today``: their message of the day went
    already, so these wait for the next working day's."""

    user: str
    items: list[TodayItem] = field(default_factory=list)
    had_today: bool = False


@dataclass(frozen=True)
class Routing:
    """The claims sorted by person. ``waiting_on`` maps each live claim to the people it
    has still to reach (empty: it reached everyone before); ``closed`` are claims of tasks
    no longer open; ``unowned`` are claims of tasks nobody holds a role for."""

    inboxes: list[Inbox]
    waiting_on: dict[int, frozenset[str]]
    claims: dict[int, Claim]
    closed: list[Claim]
    unowned: list[Claim]


def route(db: Database, claims: Sequence[Claim], now: datetime, cal: WorkingCalendar) -> Routing:
    """Who is to be told what today, re-read from the tasks as they are now."""
    today = cal.london_date(now)
    with db.reading() as session:
        tasks = _tasks(session, {c.task_id for c in claims})
        holders = RoleHolders(session, {found[0].case_id for found in tasks.values()})
        people: dict[int, list[tuple[str, str | None]]] = {}
        closed: list[Claim] = []
        unowned: list[Claim] = []
        for claim in claims:
            found = tasks.get(claim.task_id)
            if found is None:
                closed.append(claim)
                continue
            task = found[0]
            if (resume_at(task, cal) or now) > now:
                closed.append(claim)  # snoozed: its nudges resume on the snooze date
                continue
            owners = _handed_to(session, task) or holders.of(
                task.case_id, task.owner_role, task.agency_id, task.subject_key
            )
            told: list[tuple[str, str | None]] = [(user, None) for user in owners]
            seen = set(owners)
            for role in claim.escalate_to:
                for user in holders.of(task.case_id, role, None, None):
                    if user not in seen:
                        seen.add(user)
                        told.append((user, role))
            if told:
                people[claim.reminder_id] = told
            else:
                unowned.append(claim)
        carried = _recorded(
            session, [carried_key(rid, user) for rid, told in people.items() for user, _ in told]
        )
        everyone = sorted({user for told in people.values() for user, _ in told})
        had_today = _recorded(session, [today_key(today, user) for user in everyone])
        members = _members(session, {found[1].id for found in tasks.values()}, everyone)
        words = _Items(session, cal, now)
        inboxes = {
            user: Inbox(user, had_today=today_key(today, user) in had_today) for user in everyone
        }
        waiting_on: dict[int, frozenset[str]] = {}
        by_id = {c.reminder_id: c for c in claims}
        for reminder_id, told in people.items():
            task, case, agency = tasks[by_id[reminder_id].task_id]
            due = [(u, role) for u, role in told if carried_key(reminder_id, u) not in carried]
            waiting_on[reminder_id] = frozenset(u for u, _ in due)
            for user, told_as in due:
                member = (case.id, user) in members
                inboxes[user].items.append(
                    words.item(reminder_id, task, case, agency, user, told_as, member)
                )
    boxes = [inboxes[user] for user in everyone if inboxes[user].items]
    for box in boxes:
        box.items = in_reading_order(box.items)
    return Routing(boxes, waiting_on, by_id, closed, unowned)


def in_reading_order(items: Iterable[TodayItem]) -> list[TodayItem]:
    """Grouped by case, the case with the latest (or soonest due) item first; within a case,
    the latest first, then the soonest due."""

    def urgency(item: TodayItem) -> tuple[int, int]:
        return (0, -item.working_days) if item.overdue else (1, item.working_days)

    cases: dict[str, list[TodayItem]] = defaultdict(list)
    for item in items:
        cases[item.reference].append(item)
    for group in cases.values():
        group.sort(key=lambda item: (urgency(item), item.title, item.task_id))
    ordered = sorted(cases.values(), key=lambda group: (urgency(group[0]), group[0].reference))
    return [item for group in ordered for item in group]


def record_carried(
    db: Database,
    user: str,
    channel: str,
    ts: str,
    claims: Sequence[Claim],
    now: datetime,
) -> None:
    """Write down that ``claims`` reached ``user`` in the message ``ts``, just after it went."""
    rows = [
        SentMessage(
            key=carried_key(claim.reminder_id, user),
            case_id=claim.case_id,
            channel=channel,
            ts=ts,
            sent_at=now,
        )
        for claim in claims
    ]
    try:
        with db.session() as session:
            session.add_all(rows)
    except IntegrityError:  # another worker recorded some of them: keep the others
        with db.session() as session:
            known = _recorded(session, [row.key for row in rows])
            session.add_all(
                [
                    SentMessage(
                        key=r.key, case_id=r.case_id, channel=r.channel, ts=r.ts, sent_at=r.sent_at
                    )
                    for r in rows
                    if r.key not in known
                ]
            )


def _tasks(session: Session, task_ids: set[int]) -> dict[int, tuple[Task, Case, str | None]]:
    """The open tasks among ``task_ids`` of open cases, with their case and agency name."""
    found: dict[int, tuple[Task, Case, str | None]] = {}
    for chunk in chunked(sorted(task_ids)):
        for task, case, agency in session.execute(
            select(Task, Case, Agency.name)
            .join(Case, Case.id == Task.case_id)
            .outerjoin(Agency, Agency.id == Task.agency_id)
            .where(Task.id.in_(chunk), Task.status == TaskStatus.OPEN, Case.closed_at.is_(None))
        ):
            found[task.id] = (task, case, agency)
    return found


def _handed_to(session: Session, task: Task) -> list[str]:
    """The person the task was handed over to, while they are still here."""
    if task.assignee is not None and present(session, [task.assignee]):
        return [task.assignee]
    return []


def _recorded(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(keys):
        found.update(session.scalars(select(SentMessage.key).where(SentMessage.key.in_(chunk))))
    return found


def _members(session: Session, case_ids: set[int], users: Sequence[str]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    if not case_ids:
        return found
    for chunk in chunked(users):
        rows = session.execute(
            select(CaseMember.case_id, CaseMember.slack_user_id).where(
                CaseMember.slack_user_id.in_(chunk), CaseMember.case_id.in_(case_ids)
            )
        )
        found.update((case_id, user) for case_id, user in rows)
    return found


class _Items:
    """Tasks as items of a message of the day, their lateness counted once per deadline."""

    def __init__(self, session: Session, cal: WorkingCalendar, now: datetime) -> None:
        self.session, self.cal, self.now = session, cal, now
        self.today = cal.london_date(now)
        self.counted: dict[date, int] = {}
        self.subjects: dict[str, str | None] = {}
        self.waivers: dict[tuple[int, str, str], bool] = {}

    def item(
        self,
        reminder_id: int,
        task: Task,
        case: Case,
        agency: str | None,
        user: str,
        told_as: str | None,
        member: bool,
    ) -> TodayItem:
        definition = get_process(case.process_key).task(task.kind)
        due = self.cal.london_date(task.due_at)
        overdue = task.due_at < self.now
        owner = told_as is None
        return TodayItem(
            reminder_id=reminder_id,
            task_id=task.id,
            reference=case.reference,
            title=definition.title,
            agency=agency,
            due=due,
            overdue=overdue,
            working_days=self._between(due),
            told_as=told_as,
            subject=self._subject(task.subject_key),
            channel_id=case.channel_id if member else None,
            can_mark_done=owner
            and definition.records_event is None
            and task.kind not in TASK_FORMS,
            form_action=TASK_FORMS.get(task.kind) if owner else None,
            task_kind=task.kind,
            can_waive=self._may_waive(case, definition, user),
            last_working_day=self.cal.last_working_day(due),
        )

    def _may_waive(self, case: Case, definition: TaskDefinition, user: str) -> bool:
        key = (case.id, definition.kind, user)
        if key not in self.waivers:
            self.waivers[key] = may_waive(self.session, case.id, definition, user)
        return self.waivers[key]

    def _between(self, due: date) -> int:
        """Working days from the deadline to today when late, from today to it otherwise."""
        if due not in self.counted:
            first, last = sorted((due, self.today))
            self.counted[due] = self.cal.working_days_between(first, last)
        return self.counted[due]

    def _subject(self, subject_key: str | None) -> str | None:
        if subject_key is None:
            return None
        if subject_key.startswith(COPY_SUBJECT):
            return f"to {subject_key.removeprefix(COPY_SUBJECT)}"
        if subject_key not in self.subjects:
            recommendation_id = recommendation_id_of(subject_key)
            recommendation = (
                None
                if recommendation_id is None
                else self.session.get(Recommendation, recommendation_id)
            )
            self.subjects[subject_key] = (
                None if recommendation is None else f"recommendation {recommendation.number}"
            )
        return self.subjects[subject_key]
