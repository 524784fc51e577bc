"""The Board's figures across every case, in a handful of queries whatever the number of
cases: the counting is done by the database, and only a few rows per case come back.

Timeliness is measured to each milestone of the processes the cases follow, against the
latest it could be on time under the case's process definition (`limit_rules`): for a
Serious Case Review, the Initial Panel held (its meeting's date), the Board Chair's
decision and the overview report accepted by the Board, counted from the referral; for a
Child Safeguarding Practice Review, the national panel notified (from learning of the
incident), the rapid review report sent (from the notification) and the local review
published (from the partners' decision). Only columns are
read, never a case's encrypted personal data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.process.deadlines import DateRule
from bot.process.definition import ProcessDefinition
from bot.process.registry import UnknownProcessError, get_process
from bot.process.schedule import limit_from_start, limit_rules, limit_words
from bot.process.states import TaskKind
from bot.process.working_days import WorkingCalendar, ensure_utc
from bot.services.dashboard.schema import (
    AgencyOverdue,
    BoardFigures,
    CaseRow,
    Milestone,
    MilestoneTime,
    NextDeadline,
    ReturnOutcome,
    ReturnRound,
)
from bot.services.monitoring.rounds import KIND as RETURN_KIND
from bot.services.monitoring.rounds import LAPSED_BY
from bot.services.reminders.my_tasks import ROLE_GROUPS
from bot.words import plural
from storage.models import Agency, Case, CaseEvent, PanelMeeting, Task
from storage.states import MeetingStatus, TaskStatus

PANEL_HELD = "initial_panel_held"
CLOSED = "Closed"
_PER_NOUNS = {"agency": ("agency", "agencies"), "recommendation": ("recommendation", None)}


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    """A milestone: reached when ``event`` is recorded (dated by it), on time by the limit
    of the task ``limit_task``, counted from the event ``since`` (the referral unless
    named). A process without ``limit_task`` does not have the milestone."""

    event: str
    label: str
    limit_task: TaskKind
    since: str | None = None


MILESTONES: tuple[MilestoneRule, ...] = (
    MilestoneRule("panel_date", "Initial Panel held", TaskKind.SCHEDULE_INITIAL_PANEL),
    MilestoneRule("decision", "Board Chair's decision", TaskKind.CHAIR_DECISION),
    MilestoneRule("report_agreed", "Overview report accepted", TaskKind.OVERVIEW_REPORT),
    MilestoneRule("notification", "National panel notified", TaskKind.NOTIFY_NATIONAL_PANEL),
    MilestoneRule(
        "rapid_review_sent",
        "Rapid review report sent (from the notification)",
        TaskKind.RAPID_REVIEW_REPORT,
        since="notification",
    ),
    MilestoneRule(
        "report_published",
        "Local review published (from the decision)",
        TaskKind.REVIEW_REPORT,
        since="decision",
    ),
)
"""The Initial Panel comes first: ``BoardFigures.panel`` is its figures."""


@lru_cache(maxsize=16_384)
def _limit(
    process_key: str, kind: str, since: str | None, start: date, cal: WorkingCalendar
) -> date | None:
    """A milestone's limit for a case whose count starts on ``start`` (kept between calls: it
    depends on nothing else)."""
    try:
        rules = limit_rules(get_process(process_key), kind, since)
    except UnknownProcessError:
        return None
    return None if rules is None else limit_from_start(rules, start, cal)


class _Processes:
    """Process definitions by key, and each milestone's limit rules, looked up once."""

    def __init__(self, cal: WorkingCalendar) -> None:
        self.cal = cal
        self._processes: dict[str, ProcessDefinition | None] = {}
        self._rules: dict[tuple[str, str, str | None], tuple[DateRule, ...] | None] = {}
        self._main_line: dict[tuple[str, str], bool] = {}
        self._words: dict[tuple[str, str, int], str] = {}

    def get(self, key: str) -> ProcessDefinition | None:
        if key not in self._processes:
            try:
                self._processes[key] = get_process(key)
            except UnknownProcessError:
                self._processes[key] = None
        return self._processes[key]

    def rules(self, key: str, rule: MilestoneRule) -> tuple[DateRule, ...] | None:
        found = key, rule.limit_task, rule.since
        if found not in self._rules:
            process = self.get(key)
            self._rules[found] = (
                limit_rules(process, rule.limit_task, rule.since) if process else None
            )
        return self._rules[found]

    def limit(self, key: str, rule: MilestoneRule, start: date) -> date | None:
        return _limit(key, rule.limit_task, rule.since, start, self.cal)

    def stage_title(self, key: str, stage: str, closed: bool) -> str:
        process = self.get(key)
        if closed:
            return CLOSED
        try:
            return process.stage(stage).title if process else stage
        except KeyError:
            return stage.replace("_", " ").capitalize()

    def on_main_line(self, key: str, stage: str) -> bool:
        """A case can still reach a main-line milestone from a main-line stage only."""
        if (key, stage) not in self._main_line:
            process = self.get(key)
            found = process is not None and any(s.key == stage for s in process.stages)
            self._main_line[key, stage] = found
        return self._main_line[key, stage]

    def london_date(self, instant: datetime) -> date:
        """A stored (UTC) instant's London date. London is UTC or an hour ahead of it, so
        only from 23:00 UTC can the date differ."""
        return instant.date() if instant.hour < 23 else self.cal.london_date(instant)

    def task_words(self, key: str, kind: str, count: int) -> str:
        """What falls due: the task's title, with how many when there are several."""
        if (key, kind, count) not in self._words:
            self._words[key, kind, count] = self._task_words(key, kind, count)
        return self._words[key, kind, count]

    def _task_words(self, key: str, kind: str, count: int) -> str:
        process = self.get(key)
        definition = (
            next((t for t in process.all_tasks if t.kind == kind), None) if process else None
        )
        title = definition.title if definition else kind.replace("_", " ").capitalize()
        if count < 2:
            return title
        one, many = _PER_NOUNS.get(definition.per if definition else "", ("task", None))
        return f"{title} ({plural(count, one, many)})"


# Reading -----------------------------------------------------------------------------------

_open = Task.status == TaskStatus.OPEN


_CaseFacts = tuple[int, str, str, str, date, datetime | None]
"""id, reference, process key, stage, referral date, closed at."""


def _cases(conn: Connection) -> Sequence[_CaseFacts]:
    return conn.execute(
        select(
            Case.id,
            Case.reference,
            Case.process_key,
            Case.stage,
            Case.referral_date,
            Case.closed_at,
        ).order_by(Case.year, Case.number, Case.id)
    ).all()


def _events(conn: Connection, processes: _Processes) -> dict[tuple[int, str], date]:
    wanted = {rule.event for rule in MILESTONES} | {PANEL_HELD}
    wanted |= {rule.since for rule in MILESTONES if rule.since is not None}
    rows = conn.execute(
        select(CaseEvent.case_id, CaseEvent.event, CaseEvent.at).where(CaseEvent.event.in_(wanted))
    )
    return {(case_id, event): processes.london_date(at) for case_id, event, at in rows}


def _held_panels(conn: Connection, cal: WorkingCalendar) -> dict[int, date]:
    """The date of each case's first Initial Panel meeting marked held."""
    rows = conn.execute(
        select(PanelMeeting.case_id, func.min(PanelMeeting.start_at))
        .where(PanelMeeting.status == MeetingStatus.HELD, PanelMeeting.start_at.is_not(None))
        .group_by(PanelMeeting.case_id)
    )
    return {case_id: cal.london_date(start) for case_id, start in rows if start is not None}


def _overdue_per_case(conn: Connection, now: datetime) -> dict[int, int]:
    rows = conn.execute(
        select(Task.case_id, func.count()).where(_open, Task.due_at < now).group_by(Task.case_id)
    )
    return {case_id: count for case_id, count in rows}


_Soonest = tuple[str, int | None, int, datetime]
"""At a case's soonest deadline ahead: a task kind, an agency of it, how many, when."""


def _next_deadlines(conn: Connection, now: datetime) -> dict[int, _Soonest]:
    """What falls due at each case's soonest deadline still ahead: the kind of its first
    task (the one made first) and how many of that kind fall due then."""
    soonest = (
        select(Task.case_id, func.min(Task.due_at).label("due_at"))
        .where(_open, Task.due_at >= now)
        .group_by(Task.case_id)
        .subquery()
    )
    task = aliased(Task)
    first = func.min(task.id)
    rows = conn.execute(
        select(task.case_id, task.kind, func.min(task.agency_id), func.count(), soonest.c.due_at)
        .join(soonest, and_(soonest.c.case_id == task.case_id, soonest.c.due_at == task.due_at))
        .where(task.status == TaskStatus.OPEN)
        .group_by(task.case_id, task.kind, soonest.c.due_at)
        .order_by(task.case_id, first)
    )
    found: dict[int, _Soonest] = {}
    for case_id, kind, agency, count, due in rows:
        found.setdefault(case_id, (kind, agency, count, due))
    return found


def _overdue_by_agency(
    conn: Connection, now: datetime, agencies: dict[int, str]
) -> tuple[AgencyOverdue, ...]:
    """Overdue tasks of open cases, by agency; tasks of no agency by the role owning them."""
    rows = conn.execute(
        select(Task.agency_id, Task.owner_role, func.count())
        .join(Case, Case.id == Task.case_id)
        .where(_open, Task.due_at < now, Case.closed_at.is_(None))
        .group_by(Task.agency_id, Task.owner_role)
    )
    counts: Counter[str] = Counter()
    for agency_id, owner_role, count in rows:
        if agency_id is not None:
            counts[agencies.get(agency_id, "Unknown agency")] += count
        else:
            counts[ROLE_GROUPS.get(owner_role, owner_role)] += count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(AgencyOverdue(name=name, overdue=count) for name, count in ranked)


def _returns(conn: Connection, now: datetime) -> tuple[ReturnRound, ...]:
    """Progress returns by round: returned by the deadline or late (done), not yet due or
    outstanding (open), and lapsed unreturned (closed by the bot when the next round fell
    due) as outstanding. Returns no longer asked for are not counted."""
    late = Task.completed_at > Task.due_at
    past = Task.due_at < now
    lapsed = (Task.status == TaskStatus.WAIVED) & (Task.completed_by == LAPSED_BY)
    rows = conn.execute(
        select(Task.round_no, Task.status, late, past, func.count())
        .where(Task.kind == RETURN_KIND, or_(Task.status.in_(_COUNTED), lapsed))
        .group_by(Task.round_no, Task.status, late, past)
    )
    counts: defaultdict[int, Counter[ReturnOutcome]] = defaultdict(Counter)
    for round_no, status, was_late, was_past, count in rows:
        if status == TaskStatus.DONE:
            outcome = ReturnOutcome.LATE if was_late else ReturnOutcome.ON_TIME
        elif status == TaskStatus.OPEN and not was_past:
            outcome = ReturnOutcome.NOT_YET_DUE
        else:
            outcome = ReturnOutcome.OUTSTANDING
        counts[round_no][outcome] += count
    return tuple(
        ReturnRound(
            round_no=round_no,
            on_time=tally[ReturnOutcome.ON_TIME],
            late=tally[ReturnOutcome.LATE],
            outstanding=tally[ReturnOutcome.OUTSTANDING],
            not_yet_due=tally[ReturnOutcome.NOT_YET_DUE],
        )
        for round_no, tally in sorted(counts.items())
    )


_COUNTED = (TaskStatus.OPEN, TaskStatus.DONE)


# Working out -------------------------------------------------------------------------------


def _reached(
    rule: MilestoneRule,
    case_id: int,
    events: dict[tuple[int, str], date],
    held: dict[int, date],
) -> date | None:
    """The milestone's date; for the Initial Panel, its meeting's date once it was held."""
    if rule is not MILESTONES[0]:
        return events.get((case_id, rule.event))
    if case_id in held:
        return held[case_id]
    if (case_id, PANEL_HELD) in events:
        return events.get((case_id, rule.event))
    return None


def _times(
    case: _CaseFacts,
    rules: Sequence[MilestoneRule],
    processes: _Processes,
    events: dict[tuple[int, str], date],
    held: dict[int, date],
) -> tuple[MilestoneTime, ...]:
    case_id, _, process_key, stage, referral, _ = case
    on_the_way = processes.on_main_line(process_key, stage)
    times = []
    for rule in rules:
        start = referral if rule.since is None else events.get((case_id, rule.since))
        if start is None or processes.rules(process_key, rule) is None:
            # Not a step of this case's process (a practice review has no Initial Panel), or
            # not counting yet (no decision, so no six months to publish in).
            times.append(MilestoneTime(reached=None, limit=None, start=start or referral))
            continue
        reached = _reached(rule, case_id, events, held)
        limit = None
        if reached is not None or on_the_way:
            limit = processes.limit(process_key, rule, start)
        times.append(MilestoneTime(reached=reached, limit=limit, start=start))
    return tuple(times)


def _applicable(processes: _Processes, process_keys: Iterable[str]) -> tuple[MilestoneRule, ...]:
    """The milestones of the processes the cases follow (every one before there is a case);
    the Initial Panel's always, first."""
    keys = set(process_keys)
    return tuple(
        rule
        for rule in MILESTONES
        if rule is MILESTONES[0] or not keys or any(processes.rules(k, rule) for k in keys)
    )


def _milestones(
    rules: Sequence[MilestoneRule],
    rows: Sequence[CaseRow],
    processes: _Processes,
    process_keys: Iterable[str],
    today: date,
) -> tuple[Milestone, ...]:
    keys = sorted(set(process_keys))
    figures = []
    for index, rule in enumerate(rules):
        measured = [
            (row.times[index], row.closed_on is None)
            for row in rows
            if row.times[index].limit is not None
        ]
        reached = [time for time, _ in measured if time.reached is not None]
        waiting = sum(
            1
            for time, is_open in measured
            if is_open and time.reached is None and time.limit is not None and time.limit < today
        )
        words = []
        for key in keys:
            chain = processes.rules(key, rule)
            if chain is not None and limit_words(chain) not in words:
                words.append(limit_words(chain))
        figures.append(
            Milestone(
                key=rule.event,
                label=rule.label,
                counted_from="referral" if rule.since is None else f"the {rule.since}",
                limit_words=" or ".join(words) or "no limit",
                days=tuple(time.days for time in reached if time.days is not None),
                limit_days=tuple(t.limit_days for t in reached if t.limit_days is not None),
                within=sum(1 for time in reached if time.within_limit),
                waiting_past_limit=waiting,
            )
        )
    return tuple(figures)


def _next_deadline(
    soonest: _Soonest | None, process_key: str, processes: _Processes, agencies: dict[int, str]
) -> NextDeadline | None:
    if soonest is None:
        return None
    kind, agency_id, count, due_at = soonest
    what = processes.task_words(process_key, kind, count)
    if count == 1 and agency_id is not None and agency_id in agencies:
        what = f"{what} ({agencies[agency_id]})"
    cal = processes.cal
    due = cal.london_date(due_at)
    return NextDeadline(due=due, last_working_day=cal.last_working_day(due), what=what)


def board_figures(session: Session, now: datetime, calendar: WorkingCalendar) -> BoardFigures:
    """Every case with its stage, next deadline and overdue tasks; timeliness against the
    process's limits; overdue tasks by agency; progress returns by round."""
    now = ensure_utc(now)
    today = calendar.london_date(now)
    processes = _Processes(calendar)
    conn = session.connection()
    agencies = {id_: name for id_, name in conn.execute(select(Agency.id, Agency.name))}
    cases = _cases(conn)
    events = _events(conn, processes)
    held = _held_panels(conn, calendar)
    overdue = _overdue_per_case(conn, now)
    upcoming = _next_deadlines(conn, now)
    rules = _applicable(processes, (case[2] for case in cases))
    rows = []
    for case in cases:
        case_id, reference, process_key, stage, referral, closed_at = case
        process = processes.get(process_key)
        is_open = closed_at is None
        rows.append(
            CaseRow(
                reference=reference,
                process=process.title if process else process_key,
                stage=processes.stage_title(process_key, stage, not is_open),
                referral_date=referral,
                closed_on=None if closed_at is None else calendar.london_date(closed_at),
                next_deadline=_next_deadline(
                    upcoming.get(case_id) if is_open else None, process_key, processes, agencies
                ),
                overdue_tasks=overdue.get(case_id, 0) if is_open else 0,
                times=_times(case, rules, processes, events, held),
            )
        )
    return BoardFigures(
        generated_at=now,
        today=today,
        cases=tuple(rows),
        milestones=_milestones(rules, rows, processes, (case[2] for case in cases), today),
        overdue_by_agency=_overdue_by_agency(conn, now, agencies),
        returns=_returns(conn, now),
    )
