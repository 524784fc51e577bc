"""What the Board is told about a round of progress returns: counts for the message, and the
rows of the Appendix 5 pro forma (number, agency, progress). Told once when the round is
complete, and once at its deadline if it was not complete by then."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import progress_returns as returns
from bot.services.action_plan import RecStatus
from bot.services.progress_returns import STATUS_LABELS, ReturnStatus
from storage.db import Database
from storage.models import Agency, Case, MonitoringRound, ProgressReturn, Recommendation

COMPLETE, DEADLINE = "complete", "deadline"
LEASE = timedelta(minutes=10)
STILL_OPEN = timedelta(days=400)
"""A round can be completed by late returns until the next round's deadline, when they
lapse; older rounds need no more looking at."""
OVERDUE, AWAITING, MISSED, CLOSED = "overdue", "awaiting", "missed", "closed"


@dataclass(frozen=True)
class ProFormaRow:
    number: int
    agency: str
    state: str
    """A ``ReturnStatus`` value, or overdue / awaiting / missed / closed."""
    progress: str
    confirmed: bool = False
    """The Board has closed the recommendation (implemented, or with a reason)."""


@dataclass(frozen=True)
class RoundSummary:
    case_id: int
    reference: str
    round_no: int
    due: date
    kind: str
    rows: tuple[ProFormaRow, ...]

    @property
    def counts(self) -> Counter[str]:
        return Counter(row.state for row in self.rows)

    @property
    def late(self) -> tuple[ProFormaRow, ...]:
        return tuple(row for row in self.rows if row.state == OVERDUE)


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _returned(row: ProgressReturn, cipher: FieldCipher) -> str:
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
    cipher: FieldCipher,
    cal: WorkingCalendar,
) -> ProFormaRow:
    if returned is not None:
        state = returned.status
        progress = _returned(returned, cipher)
        if rec.status == RecStatus.IMPLEMENTED and rec.closed_at is not None:
            progress += (
                f" Confirmed implemented by the Board on {_day(cal.london_date(rec.closed_at))}."
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
                f"Implemented: confirmed by the Board on {closed_on}.",
                confirmed=True,
            )
        reason = cipher.decrypt_text(rec.closure_reason) if rec.closure_reason else ""
        closed = f"Closed by the Board on {closed_on}. {reason}"
        return ProFormaRow(rec.number, agency, CLOSED, closed, confirmed=True)
    if task_status == "open":
        state = OVERDUE if due < now_date else AWAITING
        words = "overdue" if state == OVERDUE else "not yet received"
        return ProFormaRow(rec.number, agency, state, f"No return: {words} (due {_day(due)}).")
    return ProFormaRow(rec.number, agency, MISSED, "No return was received for this round.")


def round_summary(
    session: Session,
    case: Case,
    round_no: int,
    *,
    kind: str,
    now: datetime,
    cipher: FieldCipher,
    cal: WorkingCalendar,
) -> RoundSummary:
    """One row per recommendation the round asked a return for, in number order."""
    tasks = {
        returns.recommendation_id_of(t.subject_key): t
        for t in returns.tasks_of(session, case.id)
        if t.round_no == round_no
    }
    row = returns.round_row(session, case.id, round_no)
    due = cal.london_date(row.due_at) if row is not None else cal.london_date(now)
    names = {agency_id: name for agency_id, name in session.execute(select(Agency.id, Agency.name))}
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
            returns.return_of(session, rec.id, round_no),
            due=due,
            now_date=cal.london_date(now),
            cipher=cipher,
            cal=cal,
        )
        for rec in recs
    )
    return RoundSummary(case.id, case.reference, round_no, due, kind, rows)


@dataclass(frozen=True)
class SummaryDue:
    case_id: int
    round_no: int
    kind: str


def summaries_due(session: Session, now: datetime) -> list[SummaryDue]:
    """Rounds the Board has not yet been told about: complete ones, and incomplete ones
    whose deadline has passed. A deadline passing with nothing returned and nothing still
    asked for (every recommendation closed meanwhile) needs no message."""
    rows = session.scalars(
        select(MonitoringRound)
        .join(Case, Case.id == MonitoringRound.case_id)
        .where(
            Case.closed_at.is_(None),
            MonitoringRound.complete_summary_at.is_(None),
            MonitoringRound.due_at > now - STILL_OPEN,
            or_(MonitoringRound.claimed_until.is_(None), MonitoringRound.claimed_until <= now),
        )
        .order_by(MonitoringRound.case_id, MonitoringRound.round_no)
    )
    due: list[SummaryDue] = []
    for row in rows:
        tasks = [t for t in returns.tasks_of(session, row.case_id) if t.round_no == row.round_no]
        statuses = {t.status for t in tasks}
        if returns.is_complete(tasks):
            due.append(SummaryDue(row.case_id, row.round_no, COMPLETE))
        elif row.due_at <= now and row.deadline_summary_at is None and statuses & {"open", "done"}:
            due.append(SummaryDue(row.case_id, row.round_no, DEADLINE))
    return due


def _sent_column(kind: str) -> InstrumentedAttribute[datetime | None]:
    return (
        MonitoringRound.complete_summary_at
        if kind == COMPLETE
        else MonitoringRound.deadline_summary_at
    )


def claim(db: Database, due: SummaryDue, now: datetime) -> bool:
    """Take the telling of this round for a while, so that no other worker does it too."""
    with db.session() as session:
        result = session.execute(
            update(MonitoringRound)
            .where(
                MonitoringRound.case_id == due.case_id,
                MonitoringRound.round_no == due.round_no,
                _sent_column(due.kind).is_(None),
                or_(MonitoringRound.claimed_until.is_(None), MonitoringRound.claimed_until <= now),
            )
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(db: Database, due: SummaryDue, now: datetime) -> None:
    with db.session() as session:
        session.execute(
            update(MonitoringRound)
            .where(
                and_(
                    MonitoringRound.case_id == due.case_id,
                    MonitoringRound.round_no == due.round_no,
                )
            )
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
