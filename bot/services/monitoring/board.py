"""What the Board does and is told at the end of the cycle: each round's summary (counts for
the message, and the rows of the Appendix 5 pro forma, as Word and CSV), told once when the
round is complete and once at its deadline if it was not complete by then; and the case's
sign-off once no recommendation is open, after which its channel is archived."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.crypto import CaseCipher, FieldCipher
from bot.process.registry import get_process
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import Role, users_with_role
from bot.services.monitoring import rounds
from bot.services.monitoring.plan import (
    has_left,
    may_close,
    not_overseer,
    sign_off_state,
)
from bot.services.monitoring.schema import (
    STATUS_LABELS,
    ProFormaRow,
    RecStatus,
    ReturnStatus,
    RoundSummary,
    RowState,
    SummaryKind,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.delivery import cancel_planned
from bot.services.reminders.tasks import EngineContext, open_tasks, record_event
from storage.claim import claimed
from storage.db import Database
from storage.models import (
    Agency,
    Case,
    CaseSignOff,
    MonitoringRound,
    ProgressReturn,
    Recommendation,
)
from storage.states import TaskStatus

LEASE = timedelta(minutes=10)
STILL_OPEN = timedelta(days=400)
"""A round can be completed by late returns until the next round's deadline, when they
lapse; older rounds need no more looking at."""
END_EVENT = "action_plan_complete"
COLUMNS = ("Recommendation number", "Agency", "Progress")


def board_business_unit(session: Session) -> list[str]:
    """Who is told about the plan for the Board: its business unit, less anyone who left."""
    return [a for a in users_with_role(session, Role.ADMIN) if not has_left(session, a)]


# Round summaries --------------------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _returned(row: ProgressReturn, cipher: CaseCipher) -> str:
    text = f"{STATUS_LABELS[ReturnStatus(row.status)]} (as at {_day(row.as_of)}): "
    text += cipher.decrypt_text(row.progress)
    if row.reason is not None:
        text += f" Reason: {cipher.decrypt_text(row.reason)}"
    if row.evidence is not None:
        text += f" Evidence: {cipher.decrypt_text(row.evidence)}"
    return text


def _row(
    rec: Recommendation,
    agency: str,
    task_status: str,
    returned: ProgressReturn | None,
    *,
    due: date,
    now_date: date,
    cipher: CaseCipher,
    cal: WorkingCalendar,
    overseer: str,
) -> ProFormaRow:
    if returned is not None:
        state = returned.status
        progress = _returned(returned, cipher)
        if rec.status == RecStatus.IMPLEMENTED and rec.closed_at is not None:
            progress += (
                f" Confirmed implemented by {overseer} on {_day(cal.london_date(rec.closed_at))}."
            )
        confirmed = rec.status != RecStatus.OPEN
        return ProFormaRow(rec.number, agency, state, progress, confirmed)
    if rec.status != RecStatus.OPEN and rec.closed_at is not None:
        closed_on = _day(cal.london_date(rec.closed_at))
        if rec.status == RecStatus.IMPLEMENTED:
            return ProFormaRow(
                rec.number,
                agency,
                ReturnStatus.IMPLEMENTED.value,
                f"Implemented: confirmed by {overseer} on {closed_on}.",
                confirmed=True,
            )
        reason = cipher.decrypt_text(rec.closure_reason) if rec.closure_reason else ""
        closed = f"Closed by {overseer} on {closed_on}. {reason}"
        return ProFormaRow(rec.number, agency, RowState.CLOSED, closed, confirmed=True)
    if task_status == TaskStatus.OPEN:
        state = RowState.OVERDUE if due < now_date else RowState.AWAITING
        words = "overdue" if state == RowState.OVERDUE else "not yet received"
        return ProFormaRow(rec.number, agency, state, f"No return: {words} (due {_day(due)}).")
    return ProFormaRow(
        rec.number, agency, RowState.MISSED, "No return was received for this round."
    )


def round_summary(
    session: Session,
    case: Case,
    round_no: int,
    *,
    kind: SummaryKind,
    now: datetime,
    cipher: FieldCipher,
    cal: WorkingCalendar,
) -> RoundSummary:
    """One row per recommendation the round asked a return for, in number order, in the
    words of the case's process (who confirmed or closed it)."""
    tasks = {
        rounds.recommendation_id_of(t.subject_key): t
        for t in rounds.tasks_of(session, case.id)
        if t.round_no == round_no
    }
    row = rounds.round_row(session, case.id, round_no)
    due = cal.london_date(row.due_at) if row is not None else cal.london_date(now)
    names = {agency_id: name for agency_id, name in session.execute(select(Agency.id, Agency.name))}
    sealed = cipher.for_case(session, case.id)
    overseer = get_process(case.process_key).action_plan().overseer
    recs = session.scalars(
        select(Recommendation)
        .where(Recommendation.id.in_([k for k in tasks if k is not None]))
        .order_by(Recommendation.number)
    )
    rows = tuple(
        _row(
            rec,
            names.get(rec.agency_id, "?"),
            tasks[rec.id].status,
            rounds.return_of(session, rec.id, round_no),
            due=due,
            now_date=cal.london_date(now),
            cipher=sealed,
            cal=cal,
            overseer=overseer,
        )
        for rec in recs
    )
    return RoundSummary(case.id, case.reference, round_no, due, kind, rows)


@dataclass(frozen=True)
class SummaryDue:
    case_id: int
    round_no: int
    kind: SummaryKind


def summaries_due(session: Session, now: datetime) -> list[SummaryDue]:
    """Rounds the Board has not yet been told about: complete ones, and incomplete ones
    whose deadline has passed. A deadline passing with nothing returned and nothing still
    asked for (every recommendation closed meanwhile) needs no message."""
    case_open = select(Case.id).where(Case.id == MonitoringRound.case_id, Case.closed_at.is_(None))
    rows = session.scalars(
        select(MonitoringRound).where(
            MonitoringRound.due_at > now - STILL_OPEN,
            MonitoringRound.complete_summary_at.is_(None),
            or_(MonitoringRound.claimed_until.is_(None), MonitoringRound.claimed_until <= now),
            case_open.exists(),
        )
    )
    due: list[SummaryDue] = []
    for row in sorted(rows, key=lambda r: (r.case_id, r.round_no)):
        tasks = [t for t in rounds.tasks_of(session, row.case_id) if t.round_no == row.round_no]
        asked = {t.status for t in tasks} & {TaskStatus.OPEN, TaskStatus.DONE}
        if rounds.is_complete(tasks):
            due.append(SummaryDue(row.case_id, row.round_no, SummaryKind.COMPLETE))
        elif row.due_at <= now and row.deadline_summary_at is None and asked:
            due.append(SummaryDue(row.case_id, row.round_no, SummaryKind.DEADLINE))
    return due


def _sent_column(kind: SummaryKind) -> InstrumentedAttribute[datetime | None]:
    return (
        MonitoringRound.complete_summary_at
        if kind == SummaryKind.COMPLETE
        else MonitoringRound.deadline_summary_at
    )


def claim(db: Database, due: SummaryDue, now: datetime) -> bool:
    """Take the telling of this round for a while, so that no other worker does it too."""
    with db.session() as session:
        return claimed(
            session,
            MonitoringRound,
            MonitoringRound.case_id == due.case_id,
            MonitoringRound.round_no == due.round_no,
            _sent_column(due.kind).is_(None),
            or_(MonitoringRound.claimed_until.is_(None), MonitoringRound.claimed_until <= now),
            claimed_until=now + LEASE,
        )


def mark_sent(db: Database, due: SummaryDue, now: datetime) -> None:
    with db.session() as session:
        session.execute(
            update(MonitoringRound)
            .where(MonitoringRound.case_id == due.case_id, MonitoringRound.round_no == due.round_no)
            .values({_sent_column(due.kind): now, MonitoringRound.claimed_until: None})
            .execution_options(synchronize_session=False)
        )


def release(db: Database, due: SummaryDue, retry_at: datetime) -> None:
    """Slack failed: try again from ``retry_at``."""
    with db.session() as session:
        session.execute(
            update(MonitoringRound)
            .where(MonitoringRound.case_id == due.case_id, MonitoringRound.round_no == due.round_no)
            .values(claimed_until=retry_at)
            .execution_options(synchronize_session=False)
        )


# The pro forma ----------------------------------------------------------------------------


def file_stem(reference: str, round_date: date) -> str:
    """``scr-2026-001-progress-2027-06-27``: the case reference and the round's date only."""
    return f"{reference.lower()}-progress-{round_date.isoformat()}"


def pro_forma_title(summary: RoundSummary) -> str:
    return (
        f"{summary.reference}: progress on the recommendations, round {summary.round_no} "
        f"(due {summary.due.day} {summary.due:%B %Y})"
    )


def pro_forma_docx(summary: RoundSummary) -> bytes:
    """The monitoring pro forma (Appendix 5 of the framework: number, agency, progress)."""
    # python-docx (with lxml, about 7 MB resident) is loaded when a Word document is first made
    from docx import Document

    document = Document()
    document.core_properties.title = pro_forma_title(summary)
    document.core_properties.author = "scr-bot"
    document.add_heading("Monitoring of recommendations", level=1)
    document.add_paragraph(pro_forma_title(summary))
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(heading)
        run.bold = True
    for row in summary.rows:
        cells = table.add_row().cells
        cells[0].text = str(row.number)
        cells[1].text = row.agency
        cells[2].text = row.progress
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pro_forma_csv(summary: RoundSummary) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read it as UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in summary.rows:
        writer.writerow((row.number, row.agency, row.progress))
    return out.getvalue().encode("utf-8-sig")


def summary_sent(
    session: Session, due: SummaryDue, *, now: datetime, recipients: int, files: list[str]
) -> None:
    audit.record(
        session,
        at=now,
        actor="bot",
        action="progress.summary_sent",
        case_id=due.case_id,
        round_no=due.round_no,
        kind=due.kind,
        recipients=recipients,
        files=files,
    )


# Sign-off and archiving -------------------------------------------------------------------


def sign_off(ctx: EngineContext, case: Case, *, actor: str) -> bool:
    """Record the sign-off: the monitoring stage ends, the case closes (so no reminder goes
    out for it again) and its channel is to be archived. False (nothing changed) when it
    was signed off already, or another click got there first."""
    if not may_close(ctx.session, case, actor):
        raise RefusedError(not_overseer(case))
    state = sign_off_state(ctx, case)
    if state.signed_off is not None:
        return False
    if not state.allowed:
        raise RefusedError(state.blocker or "Not yet.")
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                CaseSignOff(case_id=case.id, signed_off_at=ctx.now, signed_off_by=actor)
            )
    except IntegrityError:
        return False
    record_event(ctx, case, END_EVENT, at=ctx.now, actor=actor)
    for task in open_tasks(ctx.session, case.id):
        task.status, task.completed_at, task.completed_by = TaskStatus.WAIVED, ctx.now, "bot"
        cancel_planned(ctx.session, task.id)
    case.closed_at = ctx.now
    audit.record(ctx.session, at=ctx.now, actor=actor, action="case.signed_off", case_id=case.id)
    return True


def archive_pending(session: Session) -> list[int]:
    """Signed-off cases whose channel Slack has not archived yet."""
    has_channel = select(Case.id).where(
        Case.id == CaseSignOff.case_id, Case.channel_id.is_not(None)
    )
    return list(
        session.scalars(
            select(CaseSignOff.case_id)
            .where(CaseSignOff.archived_at.is_(None), has_channel.exists())
            .order_by(CaseSignOff.case_id)
        )
    )


def mark_archived(db: Database, case_id: int, now: datetime) -> None:
    with db.session() as session:
        row = session.get(CaseSignOff, case_id)
        if row is None or row.archived_at is not None:
            return
        row.archived_at, row.last_error = now, None
        audit.record(session, at=now, actor="bot", action="case.channel_archived", case_id=case_id)


def archive_failed(db: Database, case_id: int, error: str) -> None:
    with db.session() as session:
        session.execute(
            update(CaseSignOff)
            .where(CaseSignOff.case_id == case_id)
            .values(
                archive_attempts=CaseSignOff.archive_attempts + 1,
                last_error=error[:80],
            )
        )
