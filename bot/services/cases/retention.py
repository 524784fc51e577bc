"""Retention: a signed-off case's personal data is erased a number of years after its sign-off
(the partnership file's `[retention] years_after_sign_off`), by destroying the case's data key
(crypto-shredding): every value stored for the case, in the database and in every backup of
it, is unreadable from then on. The anonymised record stays: the reference, dates, stages,
tasks, counts and the audit trail.

The business unit is told 30 days before (from the last working day on or before that day)
and once it is done. The erasure waits for that notice: it happens on the erasure date, or 30
days after the notice if the notice went late. Both notices are audited
(`case.erasure_notice`, `case.erasure_reported`), and so is the erasure (`case.erased`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.keys import move_legacy_values
from storage.models import AuditEvent, Case, CaseKey, CaseSignOff

NOTICE_DAYS = 30
NOTICE_ACTION = "case.erasure_notice"
ERASED_ACTION = "case.erased"
REPORTED_ACTION = "case.erasure_reported"


def erasure_date(signed_off_on: date, years: int) -> date:
    """The sign-off date ``years`` later (29 February becomes 28 February)."""
    try:
        return signed_off_on.replace(year=signed_off_on.year + years)
    except ValueError:
        return signed_off_on.replace(year=signed_off_on.year + years, day=28)


def _signed_off_by(due_by: date, years: int) -> date:
    """The last sign-off date whose erasure notice can fall due by `due_by`, with room for
    the notice day moving back past a long closure."""
    return erasure_date(due_by + timedelta(days=NOTICE_DAYS + 14), -years)


@dataclass(frozen=True)
class Retained:
    """A signed-off case whose personal data is still held, and when it goes."""

    case_id: int
    reference: str
    signed_off_on: date
    erase_on: date
    notice_from: date
    notice_sent_on: date | None

    def notice_due(self, today: date) -> bool:
        return self.notice_sent_on is None and today >= self.notice_from

    def erasure_due(self, today: date) -> bool:
        if self.notice_sent_on is None:
            return False
        return today >= max(self.erase_on, self.notice_sent_on + timedelta(days=NOTICE_DAYS))


def retained(
    session: Session, cal: WorkingCalendar, years: int, *, due_by: date | None = None
) -> list[Retained]:
    """Every signed-off case not yet erased, the soonest erasure first; with `due_by`, only
    those whose notice or erasure may be due by then (the worker's tick reads no more)."""
    query = (
        select(Case.id, Case.reference, CaseSignOff.signed_off_at)
        .select_from(CaseSignOff)
        .join(Case, Case.id == CaseSignOff.case_id)
        .outerjoin(CaseKey, CaseKey.case_id == CaseSignOff.case_id)
        .where(CaseKey.destroyed_at.is_(None))
    )
    if due_by is not None:
        query = query.where(CaseSignOff.signed_off_at < cal.day_end(_signed_off_by(due_by, years)))
    rows = session.execute(query).all()
    notices = dict(
        session.execute(
            select(AuditEvent.case_id, func.min(AuditEvent.at))
            .where(
                AuditEvent.case_id.in_([case_id for case_id, _, _ in rows]),
                AuditEvent.action == NOTICE_ACTION,
            )
            .group_by(AuditEvent.case_id)
        ).all()
    )
    out = []
    for case_id, reference, signed_off_at in rows:
        signed_on = cal.london_date(signed_off_at)
        erase_on = erasure_date(signed_on, years)
        notice_from = erase_on - timedelta(days=NOTICE_DAYS)
        if not cal.is_working_day(notice_from):
            notice_from = cal.previous_working_day(notice_from)
        sent = notices.get(case_id)
        out.append(
            Retained(
                case_id=case_id,
                reference=reference,
                signed_off_on=signed_on,
                erase_on=erase_on,
                notice_from=notice_from,
                notice_sent_on=cal.london_date(sent) if sent is not None else None,
            )
        )
    return sorted(out, key=lambda r: (r.erase_on, r.reference))


def notice_sent(session: Session, item: Retained, *, now: datetime, recipients: int) -> None:
    audit.record(
        session,
        at=now,
        actor="bot",
        action=NOTICE_ACTION,
        case_id=item.case_id,
        erase_on=item.erase_on.isoformat(),
        recipients=recipients,
    )


def erase(session: Session, cipher: FieldCipher, item: Retained, *, now: datetime) -> bool:
    """Destroy the case's data key and its encrypted referral. Values still under a master
    key are moved under the data key first, so that they go with it. False when the case was
    erased already (by another run)."""
    key = session.scalar(select(CaseKey).where(CaseKey.case_id == item.case_id).with_for_update())
    if key is not None and key.wrapped_key is None:
        return False
    moved = move_legacy_values(session, cipher.for_case(session, item.case_id))
    key = session.get(CaseKey, item.case_id)
    case = session.get(Case, item.case_id)
    assert key is not None and key.wrapped_key is not None and case is not None
    cipher.forget(bytes(key.wrapped_key))
    key.wrapped_key, key.destroyed_at = None, now
    case.personal_data = None
    audit.record(
        session,
        at=now,
        actor="bot",
        action=ERASED_ACTION,
        case_id=item.case_id,
        signed_off_on=item.signed_off_on.isoformat(),
        erase_on=item.erase_on.isoformat(),
        moved_from_master_key=moved,
    )
    return True


@dataclass(frozen=True)
class Erased:
    case_id: int
    reference: str
    erased_on: date


def unreported(session: Session, cal: WorkingCalendar) -> list[Erased]:
    """Erased cases the business unit has not been told about yet."""
    rows = session.execute(
        select(Case.id, Case.reference, CaseKey.destroyed_at)
        .select_from(CaseKey)
        .join(Case, Case.id == CaseKey.case_id)
        .where(CaseKey.destroyed_at.is_not(None), CaseKey.erasure_reported_at.is_(None))
        .order_by(CaseKey.case_id)
    ).all()
    return [Erased(case_id, ref, cal.london_date(at)) for case_id, ref, at in rows if at]


def erasure_reported(session: Session, erased: Erased, *, now: datetime, recipients: int) -> None:
    session.execute(
        update(CaseKey).where(CaseKey.case_id == erased.case_id).values(erasure_reported_at=now)
    )
    audit.record(
        session,
        at=now,
        actor="bot",
        action=REPORTED_ACTION,
        case_id=erased.case_id,
        recipients=recipients,
    )
