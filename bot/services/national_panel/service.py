"""The local authority's serious incident notification to the national Child Safeguarding
Practice Review Panel, and the rapid review report sent to it: each a task of the case's
process definition, completed by recording the date it was sent (and, for the notification,
the national panel's reference).

The notification's date becomes the case event its task records (``records_event`` in the
definition), so that what counts from it (the rapid review report, within 15 working days)
counts from the day the notification was sent, not the day it was recorded.

The actor is checked when a form opens and again on its submission, on the task re-read
under a write lock, so that a second submission or a double click has one effect. Refusals
are `RefusedError`s (inline on a form's field where they name one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.definition import TaskDefinition
from bot.process.registry import get_process
from bot.process.working_days import day, london_date
from bot.services.cases import audit
from bot.services.cases.identifying import case_identifiers, naming_fields
from bot.services.cases.records import Present
from bot.services.national_panel.schema import (
    NOTICE_KINDS,
    NOTIFICATION,
    REPORT,
    NationalPanelCard,
    NextTask,
    Notice,
    NoticeForm,
    NoticeRecorded,
    NotificationForm,
    ReportSentForm,
    notice_words,
)
from bot.services.refusal import InvalidFormError, RefusedError
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import EngineContext, complete_task, event_time, record_event
from storage.claim import claim
from storage.models import Case, NationalPanelNotice, Task
from storage.states import TaskStatus

NOTHING_TO_RECORD = "There is nothing to record for the national panel on this case now."
CLOSED = "This is recorded already, or no longer asked for: there is nothing left to do."
OWNER_WORDS = {
    "admins": "the business unit",
    "partner_leads": "the safeguarding partners' leads",
    "delegated_lead": "the partners' delegated lead",
    "cpu": "the CPU",
    "board_chair": "the Board Chair",
}
DATE_FIELDS = {NOTIFICATION: "np_notified_on", REPORT: "np_report_sent_on"}
"""The block id of each form's date, where a refusal of the whole form is shown."""
EVENT_WORDS = {"referral": "the referral", "notification": "the notification"}
AUDIT_ACTIONS = {NOTIFICATION: "national_panel.notified", REPORT: "national_panel.report_sent"}


def _not_yours(task: Task) -> RefusedError:
    who = OWNER_WORDS.get(task.owner_role, "the people it belongs to")
    return RefusedError(f"Only {who} can record this for the national panel.")


def _definition(case: Case, task: Task) -> TaskDefinition:
    return get_process(case.process_key).task(task.kind)


def _earliest(session: Session, case: Case, definition: TaskDefinition) -> date:
    """The first date the form may name: the day of the event the task counts from."""
    at = event_time(session, case.id, definition.anchor)
    return london_date(at) if at is not None else case.referral_date


def _form(ctx: EngineContext, task: Task, case: Case, actor: str) -> NoticeForm:
    if not may_act_on(ctx.session, task, actor):
        raise _not_yours(task)
    if task.status != TaskStatus.OPEN or case.closed_at is not None:
        raise RefusedError(CLOSED)
    definition = _definition(case, task)
    due = london_date(task.due_at)
    return NoticeForm(
        kind=NOTICE_KINDS[task.kind],
        task_id=task.id,
        reference=case.reference,
        title=definition.title,
        due=due,
        last_working_day=ctx.cal.last_working_day(due),
        today=ctx.cal.london_date(ctx.now),
        earliest=_earliest(ctx.session, case, definition),
    )


def form_for_task(ctx: EngineContext, task_id: int, actor: str) -> NoticeForm:
    """The form for the task a button names, once ``actor`` may record it."""
    task = ctx.session.get(Task, task_id)
    case = ctx.session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or task.kind not in NOTICE_KINDS:
        raise RefusedError(NOTHING_TO_RECORD)
    return _form(ctx, task, case, actor)


def form_in_case(ctx: EngineContext, case: Case, kind: str, actor: str) -> NoticeForm:
    """The form for the case's task of ``kind`` (a command typed in its channel); when it is
    recorded already, what was recorded."""
    task = ctx.session.scalar(
        select(Task)
        .where(Task.case_id == case.id, Task.kind == kind)
        .order_by(Task.round_no.desc(), Task.id.desc())
        .limit(1)
    )
    if task is None:
        raise RefusedError(NOTHING_TO_RECORD)
    if task.status != TaskStatus.OPEN:
        row = _notice(ctx.session, case.id, NOTICE_KINDS[kind])
        if row is not None:
            raise RefusedError(f"{case.reference}: {notice_words(_as_notice(row))}.")
    return _form(ctx, task, case, actor)


def _notice(session: Session, case_id: int, kind: str) -> NationalPanelNotice | None:
    return session.scalar(
        select(NationalPanelNotice).where(
            NationalPanelNotice.case_id == case_id, NationalPanelNotice.kind == kind
        )
    )


def _as_notice(row: NationalPanelNotice) -> Notice:
    return Notice(row.kind, row.sent_on, row.reference)


def record_notification(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, form: NotificationForm, *, actor: str
) -> NoticeRecorded:
    """Record the serious incident notification and complete its task."""
    return _record(
        ctx,
        cipher,
        task_id,
        Notice(NOTIFICATION, form.np_notified_on, form.np_reference),
        actor=actor,
    )


def record_report_sent(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, form: ReportSentForm, *, actor: str
) -> NoticeRecorded:
    """Record the rapid review report sent to the national panel and complete its task."""
    return _record(ctx, cipher, task_id, Notice(REPORT, form.np_report_sent_on), actor=actor)


def _record(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, notice: Notice, *, actor: str
) -> NoticeRecorded:
    session = ctx.session
    date_field = DATE_FIELDS[notice.kind]
    claim(session, Task, Task.id == task_id, status=Task.status)  # one submission at a time
    task = session.get(Task, task_id)
    if task is not None:
        session.refresh(task)
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or NOTICE_KINDS.get(task.kind) != notice.kind:
        raise RefusedError(NOTHING_TO_RECORD, field=date_field)
    if not may_act_on(session, task, actor):
        raise RefusedError(_not_yours(task).message, field=date_field)
    existing = _notice(session, case.id, notice.kind)
    if existing is not None:
        return NoticeRecorded(
            case.id, case.reference, _as_notice(existing), existing.recorded_by, changed=False
        )
    if task.status != TaskStatus.OPEN or case.closed_at is not None:
        raise RefusedError(CLOSED, field=date_field)
    definition = _definition(case, task)
    _check(session, cipher, case, definition, notice, date_field)
    session.add(
        NationalPanelNotice(
            case_id=case.id,
            kind=notice.kind,
            sent_on=notice.sent_on,
            reference=notice.reference,
            recorded_by=actor,
            recorded_at=ctx.now,
        )
    )
    session.flush()
    if definition.records_event:
        today = ctx.cal.london_date(ctx.now)
        at = ctx.now if notice.sent_on >= today else ctx.cal.day_start(notice.sent_on)
        record_event(ctx, case, definition.records_event, at=at, actor=actor)
    audit.record(
        session,
        at=ctx.now,
        actor=actor,
        action=AUDIT_ACTIONS[notice.kind],
        case_id=case.id,
        task_id=task.id,
        sent_on=notice.sent_on.isoformat(),
        **({"reference": notice.reference} if notice.reference else {}),
    )
    complete_task(ctx, task, actor=actor)
    return NoticeRecorded(
        case.id,
        case.reference,
        notice,
        actor,
        changed=True,
        next_tasks=_counting_from(session, case, definition.records_event),
    )


def _check(
    session: Session,
    cipher: FieldCipher,
    case: Case,
    definition: TaskDefinition,
    notice: Notice,
    date_field: str,
) -> None:
    """Inline errors: a date before the event the task counts from; a reference that names
    the child. Nothing is stored from a refused form."""
    errors: dict[str, str] = {}
    earliest = _earliest(session, case, definition)
    if notice.sent_on < earliest:
        since = EVENT_WORDS.get(definition.anchor, "the task began")
        errors[date_field] = f"This cannot be before {since} ({day(earliest)})."
    if notice.reference:
        ids = case_identifiers(session, cipher, case.id)
        texts = {"np_reference": notice.reference}
        errors |= naming_fields(texts, ids, {"np_reference": "notification reference"})
    if errors:
        raise InvalidFormError(errors)


def _counting_from(session: Session, case: Case, event: str | None) -> tuple[NextTask, ...]:
    """The case's open tasks that count from ``event``, now that it is recorded."""
    if event is None:
        return ()
    process = get_process(case.process_key)
    kinds = [task.kind for task in process.all_tasks if task.anchor == event]
    if not kinds:
        return ()
    tasks = session.scalars(
        select(Task)
        .where(Task.case_id == case.id, Task.kind.in_(kinds), Task.status == TaskStatus.OPEN)
        .order_by(Task.due_at, Task.id)
    )
    return tuple(NextTask(process.task(t.kind).title, london_date(t.due_at)) for t in tasks)


def card_state(
    session: Session, case: Case, open_tasks: Sequence[Task], present: Present
) -> NationalPanelCard | None:
    """What the case card shows of the national panel (``open_tasks``: the case's, soonest
    first; ``present``: the tables it has rows in): None when the case has nothing of it."""
    notices: tuple[Notice, ...] = ()
    if NationalPanelNotice in present:
        notices = tuple(
            _as_notice(row)
            for row in session.scalars(
                select(NationalPanelNotice)
                .where(NationalPanelNotice.case_id == case.id)
                .order_by(NationalPanelNotice.sent_on, NationalPanelNotice.id)
            )
        )
    buttons: tuple[tuple[str, int], ...] = ()
    if case.closed_at is None:
        buttons = tuple(
            (str(task.kind), task.id) for task in open_tasks if task.kind in NOTICE_KINDS
        )
    if not notices and not buttons:
        return None
    return NationalPanelCard(notices, buttons)
