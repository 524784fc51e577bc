"""The deadline engine: stages begin and end, tasks are created, done, waived, moved or
superseded, and their reminders follow. No Slack here; callers refresh the case card
afterwards."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.definition import (
    AGENCY_ADDED,
    STAGE_START,
    EventRecorded,
    ProcessDefinition,
    StageDefinition,
    TaskDefinition,
)
from bot.process.registry import get_process
from bot.process.schedule import due_before_event, task_due
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.reminders.delivery import (
    cancel_planned,
    plan_for_new_tasks,
    plan_for_task,
    replan,
)
from bot.services.reminders.owners import may_act_on, role_holders
from storage.models import Case, CaseAgency, CaseEvent, Task, table_of
from storage.states import TaskStatus


class TaskRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


@dataclass(frozen=True)
class EngineContext:
    session: Session
    cal: WorkingCalendar
    now: datetime
    processes: Mapping[str, ProcessDefinition] = field(default_factory=dict)
    """Definitions beyond the registry's (a new template on trial, or a test's own)."""
    days_before: Mapping[str, int] = field(default_factory=dict)
    """The partnership's own number of working days before a meeting (by its event, e.g.
    ``panel_date``) that papers wanted for it fall due, instead of the definitions'."""

    def process(self, case: Case) -> ProcessDefinition:
        if case.process_key in self.processes:
            return self.processes[case.process_key]
        return get_process(case.process_key)


def event_time(session: Session, case_id: int, event: str) -> datetime | None:
    return session.scalar(
        select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
    )


def case_tasks(session: Session, case_id: int) -> list[Task]:
    """Every task of the case, in the order they were made: read once for all that the
    case card (and a set-up's briefings) show of them."""
    return list(session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id)))


def involved_agencies(session: Session, case_id: int) -> list[CaseAgency]:
    return list(
        session.scalars(
            select(CaseAgency)
            .where(CaseAgency.case_id == case_id, CaseAgency.removed_at.is_(None))
            .order_by(CaseAgency.id)
        )
    )


def start_case(
    ctx: EngineContext,
    case: Case,
    *,
    actor: str,
    referred_at: datetime,
    done: Collection[tuple[str, int | None]] = (),
) -> list[Task]:
    """A new case: the referral is recorded, the referring agency involved, stage one begun.
    Nothing is read back: a new case is exactly what was just written. ``done``: the kind
    and agency of tasks the referral itself did (a designated person who refers has
    notified the CPU by it), made done by ``actor`` from the start with nothing planned for
    them. Returns the case's tasks."""
    process = ctx.process(case)
    # written by the tables' own inserts: nothing is left for the session to flush (a flush
    # costs the request more than the rows do)
    ctx.session.execute(
        insert(table_of(CaseAgency)),
        {
            "case_id": case.id,
            "agency_id": case.referring_agency_id,
            "added_at": referred_at,
            "added_by": actor,
        },
    )
    ctx.session.execute(
        insert(table_of(CaseEvent)),
        {
            "case_id": case.id,
            "event": process.start_event,
            "at": referred_at,
            "recorded_by": actor,
            "recorded_at": ctx.now,
        },
    )
    known = _Known(
        tasks={},
        events={process.start_event: referred_at},
        added={case.referring_agency_id: referred_at},
    )
    tasks = begin_stage(ctx, case, process.first_stage, actor=actor, new_case=known, done=done)
    finished = [task for task in tasks if task.status == TaskStatus.DONE]
    if finished and _moves_on(process, process.first_stage, tasks):
        # those recording an event first, so a stage they end finds its events recorded
        for task in sorted(finished, key=lambda t: not process.task(t.kind).records_event):
            after_task_change(ctx, task, actor)
    return tasks


def _moves_on(process: ProcessDefinition, stage: StageDefinition, tasks: list[Task]) -> bool:
    """Whether tasks done from a case's start record an event or end its first stage: then
    the engine's general rules follow (`after_task_change`). Decided from the new case's
    tasks alone, without reading them back."""
    if any(process.task(t.kind).records_event for t in tasks if t.status == TaskStatus.DONE):
        return True
    if isinstance(stage.ends_when, EventRecorded):
        return False
    ending = [task for task in tasks if task.kind in stage.ending_kinds()]
    return bool(ending) and all(task.status != TaskStatus.OPEN for task in ending)


def _add_event(ctx: EngineContext, case: Case, event: str, at: datetime, actor: str) -> None:
    ctx.session.add(
        CaseEvent(case_id=case.id, event=event, at=at, recorded_by=actor, recorded_at=ctx.now)
    )
    ctx.session.flush()


SUPERSEDED_BY = "bot"


def begin_stage(
    ctx: EngineContext,
    case: Case,
    stage: StageDefinition,
    *,
    actor: str,
    new_case: _Known | None = None,
    done: Collection[tuple[str, int | None]] = (),
) -> list[Task]:
    """The case enters ``stage``: the earlier stages' open tasks end (unless the definition
    carries them into it), then the stage's own tasks are created and returned.
    ``new_case``: a case opened in this transaction, which has nothing to supersede and
    nothing to read back; ``done``: tasks of it made done at once (`start_case`)."""
    if case.stage != stage.key:  # a new case is in it already: nothing left to flush
        case.stage = stage.key
    audit.record(
        ctx.session, at=ctx.now, actor=actor, action="stage.begun", case_id=case.id, stage=stage.key
    )
    if new_case is None:
        supersede_earlier_tasks(ctx, case, stage)
        known = _Known.read(ctx.session, case.id, involved_agencies(ctx.session, case.id))
    else:
        known = new_case
    created: list[tuple[Task, TaskDefinition]] = []
    with ctx.session.no_autoflush:
        for definition in stage.tasks:
            if definition.per == "case":
                for_whom: list[int | None] = [None]
            elif definition.per == "agency":
                for_whom = list(known.added)
            elif definition.per == "referring_agency":
                for_whom = [case.referring_agency_id]
            else:
                continue
            for agency_id in for_whom:
                _create_task(
                    ctx, case, definition, stage, agency_id=agency_id, created=created, known=known
                )
        for task, _ in created:
            if (task.kind, task.agency_id) in done:
                task.status, task.completed_at, task.completed_by = TaskStatus.DONE, ctx.now, actor
    written = _insert_all(ctx.session, created)
    plan_for_new_tasks(
        ctx.session, [(t, d) for t, d in written if t.status == TaskStatus.OPEN], ctx.cal, ctx.now
    )
    for task, _ in written:
        if task.status == TaskStatus.DONE:
            _audit_done(ctx, task, actor)
    return [task for task, _ in written]


def _insert_all(
    session: Session, created: list[tuple[Task, TaskDefinition]]
) -> list[tuple[Task, TaskDefinition]]:
    """A stage's new tasks written in one statement, rather than one each as the session
    would (it reads each id back): the rows come back as the session's own tasks, matched
    to their definitions by what makes a task one of a kind in its case."""
    if not created:
        return []
    rows = [dict(inspect(task).dict) for task, _ in created]
    named = set().union(*rows)  # one statement needs the same columns in every row: those
    for row in rows:  # only some set (a task done from the start) are NULL in the others
        for column in named - row.keys():
            row[column] = None
    statement = insert(Task).returning(Task).execution_options(render_nulls=True)
    stored = {_key(t): t for t in session.scalars(statement, rows)}
    return [(stored[_key(task)], definition) for task, definition in created]


def _key(task: Task) -> _TaskKey:
    return (task.kind, task.agency_id, task.subject_key, task.round_no)


def supersede_earlier_tasks(ctx: EngineContext, case: Case, stage: StageDefinition) -> list[Task]:
    """Close what the case has moved past: every open task of another stage that does not
    carry into ``stage`` is superseded (by the bot), its planned nudges cancelled, and each
    audited. Returns the tasks closed."""
    carried = {task.kind for task in ctx.process(case).carried_into(stage.key)}
    closed = [
        task
        for task in open_tasks(ctx.session, case.id)
        if task.stage != stage.key and task.kind not in carried
    ]
    for task in closed:
        task.status, task.completed_at, task.completed_by = (
            TaskStatus.SUPERSEDED,
            ctx.now,
            SUPERSEDED_BY,
        )
        cancel_planned(ctx.session, task.id)
        audit.record(
            ctx.session,
            at=ctx.now,
            actor=SUPERSEDED_BY,
            action="task.superseded",
            case_id=case.id,
            task_id=task.id,
            kind=task.kind,
            stage=task.stage,
            agency_id=task.agency_id,
            by_stage=stage.key,
        )
    return closed


_TaskKey = tuple[str, int | None, str | None, int]
"""A task's kind, agency, subject and round: what makes it one of a kind in its case."""


@dataclass(frozen=True, slots=True)
class _Known:
    """What a stage's tasks are made from, read in one go when the stage begins rather than
    once per task: the case's tasks already made, its events' times, and when each agency
    became involved."""

    tasks: dict[_TaskKey, Task]
    events: dict[str, datetime]
    added: dict[int, datetime]
    """Each involved agency (in the order it became involved) and when."""

    @classmethod
    def read(cls, session: Session, case_id: int, involved: list[CaseAgency]) -> _Known:
        tasks = session.scalars(select(Task).where(Task.case_id == case_id))
        events = session.execute(
            select(CaseEvent.event, CaseEvent.at).where(CaseEvent.case_id == case_id)
        )
        return cls(
            tasks={(t.kind, t.agency_id, t.subject_key, t.round_no): t for t in tasks},
            events={event: at for event, at in events},
            added={row.agency_id: row.added_at for row in involved},
        )


def _anchor(
    ctx: EngineContext,
    case: Case,
    definition: TaskDefinition,
    agency_id: int | None,
    known: _Known | None = None,
) -> datetime:
    if definition.anchor == STAGE_START:
        return ctx.now
    if definition.anchor == AGENCY_ADDED:
        if known is not None and agency_id is not None:
            return known.added.get(agency_id) or ctx.now
        added = ctx.session.scalar(
            select(CaseAgency.added_at).where(
                CaseAgency.case_id == case.id, CaseAgency.agency_id == agency_id
            )
        )
        return added or ctx.now
    if known is not None:
        at = known.events.get(definition.anchor)
    else:
        at = event_time(ctx.session, case.id, definition.anchor)
    if at is None:
        raise LookupError(f"{case.reference}: event {definition.anchor} is not recorded")
    return at


def _create_task(
    ctx: EngineContext,
    case: Case,
    definition: TaskDefinition,
    stage: StageDefinition,
    *,
    agency_id: int | None,
    subject_key: str | None = None,
    round_no: int = 1,
    created: list[tuple[Task, TaskDefinition]] | None = None,
    known: _Known | None = None,
) -> Task:
    """The task, unless it exists. With ``created``, it is added to the session and to
    ``created`` (its reminders planned later, with the others', in one insert); else it is
    written and its reminders planned at once. ``known`` is the case as read when its stage
    began (`_Known`)."""
    key: _TaskKey = (definition.kind, agency_id, subject_key, round_no)
    if known is not None:
        existing = known.tasks.get(key)
    else:
        existing = ctx.session.scalar(
            select(Task).where(
                Task.case_id == case.id,
                Task.kind == definition.kind,
                Task.agency_id.is_(None) if agency_id is None else Task.agency_id == agency_id,
                Task.subject_key.is_(None)
                if subject_key is None
                else Task.subject_key == subject_key,
                Task.round_no == round_no,
            )
        )
    if existing is not None:
        return existing
    anchor = _anchor(ctx, case, definition, agency_id, known)
    due = task_due(definition, anchor, ctx.cal, round_no=round_no)
    task = Task(
        case_id=case.id,
        kind=definition.kind,
        stage=stage.key,
        owner_role=definition.owner,
        agency_id=agency_id,
        subject_key=subject_key,
        round_no=round_no,
        due_at=due_before_meeting(ctx, case.id, definition, known) or due,
        status=TaskStatus.OPEN,
        created_at=ctx.now,
    )
    if known is not None:
        known.tasks[key] = task
    if created is not None:  # written with the stage's others (`_insert_all`)
        created.append((task, definition))
        return task
    ctx.session.add(task)
    ctx.session.flush()
    plan_for_task(ctx.session, task, definition, ctx.cal, ctx.now)
    return task


def due_before_meeting(
    ctx: EngineContext, case_id: int, definition: TaskDefinition, known: _Known | None = None
) -> datetime | None:
    """The deadline of a task wanted before a meeting, once the meeting is booked (its event
    recorded); None for other tasks, and before that."""
    rule = definition.due_before
    if rule is None:
        return None
    if known is not None:
        at = known.events.get(rule.event)
    else:
        at = event_time(ctx.session, case_id, rule.event)
    if at is None:
        return None
    return due_before_event(definition, at, ctx.cal, days=ctx.days_before.get(rule.event))


def follow_meeting(ctx: EngineContext, case: Case, event: str, *, actor: str, reason: str) -> int:
    """A meeting was booked or moved (``event`` recorded or changed): the open tasks wanted
    before it fall due before its date, their reminders planned again. Returns how many
    moved."""
    process = ctx.process(case)
    moved = 0
    for task in open_tasks(ctx.session, case.id):
        definition = process.task(task.kind)
        if definition.due_before is None or definition.due_before.event != event:
            continue
        due = due_before_meeting(ctx, case.id, definition)
        if due is not None and task.round_no == 1 and due != task.due_at:
            move_deadline(ctx, task, new_due=due, actor=actor, reason=reason)
            moved += 1
    return moved


def create_task(
    ctx: EngineContext,
    case: Case,
    kind: str,
    *,
    agency_id: int | None = None,
    subject_key: str | None = None,
    round_no: int = 1,
) -> Task:
    """Create (or find) one task of a kind outside a stage's start: per-recommendation
    returns, a later round, an agency's task when it joins."""
    process = ctx.process(case)
    return _create_task(
        ctx,
        case,
        process.task(kind),
        process.stage_of(kind),
        agency_id=agency_id,
        subject_key=subject_key,
        round_no=round_no,
    )


def _live_definitions(
    process: ProcessDefinition, stage: StageDefinition
) -> list[tuple[TaskDefinition, StageDefinition]]:
    """The tasks alive in ``stage``: its own, and earlier stages' carried into it."""
    carried = [(task, process.stage_of(task.kind)) for task in process.carried_into(stage.key)]
    return [*carried, *((task, stage) for task in stage.tasks)]


def add_agency(ctx: EngineContext, case: Case, agency_id: int, *, actor: str) -> CaseAgency:
    """Involve an agency: it gets the per-agency tasks alive in the current stage (its own
    and those carried into it, e.g. the chronology wanted for the Initial Panel)."""
    row = ctx.session.scalar(
        select(CaseAgency).where(CaseAgency.case_id == case.id, CaseAgency.agency_id == agency_id)
    )
    if row is None:
        row = CaseAgency(case_id=case.id, agency_id=agency_id, added_at=ctx.now, added_by=actor)
        ctx.session.add(row)
    elif row.removed_at is not None:
        row.removed_at, row.removed_by, row.removal_reason = None, None, None
        row.added_at, row.added_by = ctx.now, actor
    ctx.session.flush()
    process = ctx.process(case)
    for definition, stage in _live_definitions(process, process.stage(case.stage)):
        if definition.per == "agency":
            task = _create_task(ctx, case, definition, stage, agency_id=agency_id)
            if task.status == TaskStatus.WAIVED and task.completed_by == "bot":
                task.status, task.completed_at, task.completed_by = TaskStatus.OPEN, None, None
                replan(ctx.session, task, definition, ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="agency.added",
        case_id=case.id,
        agency_id=agency_id,
    )
    return row


def remove_agency(
    ctx: EngineContext, case: Case, agency_id: int, *, actor: str, reason: bytes
) -> None:
    """End an agency's involvement; its open tasks close (waived by the bot) with their nudges."""
    row = ctx.session.scalar(
        select(CaseAgency).where(CaseAgency.case_id == case.id, CaseAgency.agency_id == agency_id)
    )
    if row is None or row.removed_at is not None:
        raise TaskRefusedError("That agency is not involved in this case.")
    row.removed_at, row.removed_by, row.removal_reason = ctx.now, actor, reason
    for task in open_tasks(ctx.session, case.id, agency_id=agency_id):
        task.status, task.completed_at, task.completed_by = TaskStatus.WAIVED, ctx.now, "bot"
        cancel_planned(ctx.session, task.id)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="agency.removed",
        case_id=case.id,
        agency_id=agency_id,
    )
    ctx.session.flush()


def open_tasks(session: Session, case_id: int, *, agency_id: int | None = None) -> list[Task]:
    query = select(Task).where(Task.case_id == case_id, Task.status == TaskStatus.OPEN)
    if agency_id is not None:
        query = query.where(Task.agency_id == agency_id)
    return list(session.scalars(query.order_by(Task.due_at, Task.id)))


def record_event(ctx: EngineContext, case: Case, event: str, *, at: datetime, actor: str) -> bool:
    """Record a case event once (a repeat changes nothing), then see whether the stage ends."""
    if event_time(ctx.session, case.id, event) is not None:
        return False
    _add_event(ctx, case, event, at, actor)
    audit.record(
        ctx.session, at=ctx.now, actor=actor, action="event.recorded", case_id=case.id, event=event
    )
    advance(ctx, case, actor=actor)
    return True


def after_task_change(ctx: EngineContext, task: Task, actor: str) -> None:
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    definition = ctx.process(case).task(task.kind)
    if (
        task.status == TaskStatus.DONE
        and definition.records_event
        and record_event(ctx, case, definition.records_event, at=ctx.now, actor=actor)
    ):
        return
    advance(ctx, case, actor=actor)


def stage_has_ended(session: Session, case: Case, stage: StageDefinition) -> bool:
    if isinstance(stage.ends_when, EventRecorded):
        return event_time(session, case.id, stage.ends_when.event) is not None
    kinds = stage.ending_kinds()
    remaining = session.scalar(
        select(Task.id)
        .where(Task.case_id == case.id, Task.kind.in_(kinds), Task.status == TaskStatus.OPEN)
        .limit(1)
    )
    created = session.scalar(
        select(Task.id).where(Task.case_id == case.id, Task.kind.in_(kinds)).limit(1)
    )
    return remaining is None and created is not None


def recorded_events(session: Session, case_id: int) -> set[str]:
    return set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case_id)))


def advance(ctx: EngineContext, case: Case, *, actor: str) -> None:
    """Move the case on through every stage that has ended (down a side path when a route's
    event is recorded)."""
    process = ctx.process(case)
    while case.closed_at is None and stage_has_ended(ctx.session, case, process.stage(case.stage)):
        following = process.next_stage(case.stage, recorded_events(ctx.session, case.id))
        audit.record(
            ctx.session,
            at=ctx.now,
            actor=actor,
            action="stage.ended",
            case_id=case.id,
            stage=case.stage,
        )
        if following is None:
            if process.stage(case.stage).closes_case:
                case.closed_at = ctx.now
                audit.record(
                    ctx.session, at=ctx.now, actor=actor, action="case.closed", case_id=case.id
                )
            break
        begin_stage(ctx, case, following, actor=actor)


def complete_task(
    ctx: EngineContext,
    task: Task,
    *,
    actor: str,
    note: bytes | None = None,
    check_permission: bool = True,
) -> bool:
    """Mark done. Returns False (and changes nothing) when it was already closed, so a
    double click has one effect."""
    if check_permission and not may_act_on(ctx.session, task, actor):
        raise TaskRefusedError("This task belongs to someone else.")
    if task.status != TaskStatus.OPEN:
        return False
    task.status, task.completed_at, task.completed_by, task.note = (
        TaskStatus.DONE,
        ctx.now,
        actor,
        note,
    )
    cancel_planned(ctx.session, task.id)
    _audit_done(ctx, task, actor)
    after_task_change(ctx, task, actor)
    return True


def _audit_done(ctx: EngineContext, task: Task, actor: str) -> None:
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.done",
        case_id=task.case_id,
        task_id=task.id,
        kind=task.kind,
        agency_id=task.agency_id,
    )


def may_waive(session: Session, case_id: int, definition: TaskDefinition, user_id: str) -> bool:
    """Whether ``user_id`` holds on the case a role the definition lets waive the task."""
    return any(user_id in role_holders(session, case_id, role) for role in definition.waivable_by)


def waive_task(
    ctx: EngineContext, task: Task, *, actor: str, reason: str, cipher: FieldCipher
) -> bool:
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    definition = ctx.process(case).task(task.kind)
    if not reason.strip():
        raise TaskRefusedError("Please give a reason for waiving this task.")
    if not may_waive(ctx.session, case.id, definition, actor):
        raise TaskRefusedError("You cannot waive this task.")
    if task.status != TaskStatus.OPEN:
        return False
    task.status, task.completed_at, task.completed_by = TaskStatus.WAIVED, ctx.now, actor
    task.waive_reason = cipher.for_case(ctx.session, case.id).encrypt_text(reason.strip())
    cancel_planned(ctx.session, task.id)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.waived",
        case_id=task.case_id,
        task_id=task.id,
        kind=task.kind,
    )
    after_task_change(ctx, task, actor)
    return True


def move_deadline(
    ctx: EngineContext, task: Task, *, new_due: datetime, actor: str, reason: str
) -> None:
    """An agreed extension: the deadline moves and its reminders are planned again."""
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    if task.status != TaskStatus.OPEN:
        raise TaskRefusedError("Only an open task's deadline can move.")
    previous = task.due_at
    task.due_at, task.extension_reason = new_due, reason
    replan(ctx.session, task, ctx.process(case).task(task.kind), ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.deadline_moved",
        case_id=task.case_id,
        task_id=task.id,
        previous=previous.isoformat(),
        due=new_due.isoformat(),
    )


def reopen_task(ctx: EngineContext, task: Task, *, new_due: datetime, actor: str) -> bool:
    """Hand a done task back (a management review returned for changes): open again, with a
    new deadline and its reminders planned afresh. False when it is open already, or was
    superseded (its stage is over)."""
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    if task.status in (TaskStatus.OPEN, TaskStatus.SUPERSEDED):
        return False
    task.status, task.completed_at, task.completed_by = TaskStatus.OPEN, None, None
    task.due_at = new_due
    replan(ctx.session, task, ctx.process(case).task(task.kind), ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.reopened",
        case_id=task.case_id,
        task_id=task.id,
        due=new_due.isoformat(),
    )
    return True
