"""Reminders about a scheduled panel, as rows: a chase for answers to the invitation,
everyone two working days before, and one hour before. Each revision of the meeting
plans its own rows and cancels the previous revision's (no Slack here).

The worker claims due rows with a lease, one conditional UPDATE per row, so two workers
never take the same row; a sent row is never sent again. After downtime only the latest
due reminder of a revision goes out; the earlier ones are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from bot.process.working_days import WorkingCalendar
from bot.services.panel.schema import ReminderKind
from storage.claim import claim as set_where
from storage.claim import claimed
from storage.db import Database
from storage.models import PanelMeeting, PanelReminder
from storage.states import MeetingStatus, ReminderStatus

CHASE, TWO_DAYS, ONE_HOUR = ReminderKind.CHASE, ReminderKind.TWO_DAYS, ReminderKind.ONE_HOUR
ORDER = tuple(ReminderKind)
IN_WORKING_HOURS = frozenset({CHASE, TWO_DAYS})
LEASE = timedelta(minutes=10)
RETRY = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
MAX_ATTEMPTS = 10
CHASE_AFTER_WORKING_DAYS = 2


@dataclass(frozen=True)
class PanelReminderClaim:
    reminder_id: int
    meeting_id: int
    kind: ReminderKind
    sequence: int
    at: datetime


def planned_times(
    meeting: PanelMeeting, cal: WorkingCalendar, now: datetime
) -> dict[ReminderKind, datetime]:
    """When each reminder of the meeting's current revision falls due (only future ones)."""
    if meeting.status != MeetingStatus.SCHEDULED or meeting.start_at is None:
        return {}
    start = meeting.start_at
    two_days = cal.day_start(cal.add_working_days(cal.london_date(start), -2))
    chase = cal.day_start(cal.add_working_days(cal.london_date(now), CHASE_AFTER_WORKING_DAYS))
    times = {CHASE: chase, TWO_DAYS: two_days, ONE_HOUR: start - timedelta(hours=1)}
    if chase >= two_days:
        del times[CHASE]
    return {kind: at for kind, at in times.items() if now < at < start}


def plan_reminders(
    session: Session, meeting: PanelMeeting, cal: WorkingCalendar, now: datetime
) -> None:
    cancel_reminders(session, meeting.id, keep_sequence=meeting.sequence)
    existing = {
        row.kind: row
        for row in session.scalars(
            select(PanelReminder).where(
                PanelReminder.meeting_id == meeting.id,
                PanelReminder.sequence == meeting.sequence,
            )
        )
    }
    for kind, at in planned_times(meeting, cal, now).items():
        row = existing.get(kind)
        if row is None:
            session.add(
                PanelReminder(
                    meeting_id=meeting.id,
                    kind=kind,
                    sequence=meeting.sequence,
                    at=at,
                    status=ReminderStatus.PLANNED,
                    attempts=0,
                )
            )
        elif row.status in (ReminderStatus.PLANNED, ReminderStatus.CANCELLED):
            row.at, row.status, row.claimed_until = at, ReminderStatus.PLANNED, None
    session.flush()


def cancel_reminders(
    session: Session, meeting_id: int, *, keep_sequence: int | None = None
) -> None:
    kept = () if keep_sequence is None else (PanelReminder.sequence != keep_sequence,)
    set_where(
        session,
        PanelReminder,
        PanelReminder.meeting_id == meeting_id,
        PanelReminder.status == ReminderStatus.PLANNED,
        *kept,
        status=ReminderStatus.CANCELLED,
        claimed_until=None,
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        PanelReminder.status == ReminderStatus.PLANNED,
        PanelReminder.at <= now,
        or_(PanelReminder.claimed_until.is_(None), PanelReminder.claimed_until <= now),
    )


def claim_due(db: Database, now: datetime, *, limit: int = 50) -> list[PanelReminderClaim]:
    """Claim due reminders; of several due for one revision, keep the latest only."""
    with db.session() as session:
        rows = list(
            session.scalars(
                select(PanelReminder)
                .where(_claimable(now))
                .order_by(PanelReminder.at, PanelReminder.id)
                .limit(limit)
            )
        )
    latest: dict[tuple[int, int], PanelReminder] = {}
    for row in rows:
        key = (row.meeting_id, row.sequence)
        if key not in latest or ORDER.index(row.kind) > ORDER.index(latest[key].kind):
            latest[key] = row
    claims = []
    with db.session() as session:
        for row in rows:
            if latest[(row.meeting_id, row.sequence)] is not row:
                _finish(session, row.id, ReminderStatus.SKIPPED, now)
                continue
            if claimed(
                session,
                PanelReminder,
                PanelReminder.id == row.id,
                _claimable(now),
                claimed_until=now + LEASE,
            ):
                claims.append(
                    PanelReminderClaim(
                        row.id, row.meeting_id, ReminderKind(row.kind), row.sequence, row.at
                    )
                )
    return claims


def _finish(session: Session, reminder_id: int, status: ReminderStatus, now: datetime) -> bool:
    sent = status == ReminderStatus.SENT
    return claimed(
        session,
        PanelReminder,
        PanelReminder.id == reminder_id,
        PanelReminder.status == ReminderStatus.PLANNED,
        status=status,
        claimed_until=None,
        sent_at=now if sent else None,
        attempts=PanelReminder.attempts + (1 if sent else 0),
    )


def mark_sent(db: Database, claim: PanelReminderClaim, now: datetime) -> bool:
    with db.session() as session:
        return _finish(session, claim.reminder_id, ReminderStatus.SENT, now)


def mark_cancelled(db: Database, claim: PanelReminderClaim, now: datetime) -> None:
    with db.session() as session:
        _finish(session, claim.reminder_id, ReminderStatus.CANCELLED, now)


def postpone(db: Database, claim: PanelReminderClaim, until: datetime) -> None:
    """Outside working hours: hand the claim back until the next working moment."""
    with db.session() as session:
        set_where(
            session,
            PanelReminder,
            PanelReminder.id == claim.reminder_id,
            PanelReminder.status == ReminderStatus.PLANNED,
            claimed_until=until,
        )


def mark_failed(db: Database, claim: PanelReminderClaim, now: datetime) -> None:
    """Slack failed: try again later with backoff, and give up after MAX_ATTEMPTS."""
    with db.session() as session:
        row = session.get(PanelReminder, claim.reminder_id)
        if row is None or row.status != ReminderStatus.PLANNED:
            return
        row.attempts += 1
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.claimed_until = ReminderStatus.ABANDONED, None
            return
        row.claimed_until = now + RETRY[min(row.attempts, len(RETRY)) - 1]
