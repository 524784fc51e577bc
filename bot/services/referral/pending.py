"""A referral in two parts: the Slack modal's answers (nothing identifying) wait here for the
identifying details, entered on the case room's form through a one-time link.

The Slack part creates a *pending referral*, not a case: no reference is taken, no channel
is made, nothing is encrypted yet. The web part completes it: the whole referral is validated,
the pending row is deleted (one `DELETE`, counted, so the link works once even when two
submissions race) and the case is opened in the same transaction, exactly as a referral made
all in Slack (`open_case`, its personal data encrypted under the case's key). The link's token
is kept as a SHA-256 hash, and only the referrer, signed in to the case room, may use it.

A referral left half-finished reminds its referrer once, at the start of the next working day,
with a fresh link (the earlier one stops working); after `EXPIRES` the row is deleted."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import is_partnership_member
from bot.services.referral.opening import (
    OpenedCase,
    _allowed_agency_ids,
    check_referral,
    open_case,
)
from bot.services.referral.schema import (
    NOT_A_MEMBER,
    NOT_A_PARTNER,
    OWN_AGENCY,
    ReferralFirstPart,
    completed_referral,
)
from bot.services.refusal import RefusedError
from storage.models import Agency, PendingReferral

EXPIRES = timedelta(days=7)
REMIND_AT = time(9, 0)
"""The reminder goes at this London time on the working day after the Slack part."""

STARTED = "referral.started"
COMPLETED = "referral.details_entered"
EXPIRED = "referral.expired"
REMINDED = "referral.reminded"


class LinkGoneError(RefusedError):
    """The link was used already, replaced by a newer one, or has expired."""

    def __init__(self) -> None:
        super().__init__(
            "This link no longer works: it has been used, replaced by a newer one, or the "
            "referral expired after 7 days. If the case is not open yet, refer it again with "
            "/scr refer."
        )


class NotYoursError(RefusedError):
    def __init__(self) -> None:
        super().__init__(
            "This link is for the person who made the referral. Please ask them to finish it."
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Started:
    pending_id: int
    token: str | None
    """For the one-time link (only its hash is stored); None for a modal submitted again,
    whose link went out the first time."""
    expires_at: datetime


@dataclass(frozen=True)
class PendingLink:
    """A pending referral as its web form shows it: nothing identifying."""

    id: int
    referrer: str
    agency: str
    answers: dict[str, Any]
    expires_at: datetime


PROCESS = "process"
"""The key, among a pending referral's answers, of the process the business unit picked."""


def start_referral(
    session: Session,
    first: ReferralFirstPart,
    *,
    actor: str,
    view_id: str,
    now: datetime,
    cal: WorkingCalendar,
    process_key: str | None = None,
) -> Started:
    """Keep the Slack part until the details come, with the process the business unit
    picked (``process_key``; the partnership's default when it is ``None``). The same modal
    submitted twice keeps one pending referral and one link."""
    field = "referring_agency"
    if not is_partnership_member(session, actor):
        raise RefusedError(NOT_A_MEMBER, field=field)
    allowed = _allowed_agency_ids(session, actor)
    if allowed is not None and first.referring_agency not in allowed:
        raise RefusedError(OWN_AGENCY, field=field)
    agency = session.get(Agency, first.referring_agency)
    if agency is None or not agency.active:
        raise RefusedError(NOT_A_PARTNER, field=field)
    row = session.scalar(select(PendingReferral).where(PendingReferral.source_view_id == view_id))
    if row is not None:
        return Started(row.id, None, row.expires_at)
    token = secrets.token_urlsafe(32)
    next_day = cal.next_working_day(cal.london_date(now))
    row = PendingReferral(
        token_hash=_hash(token),
        referrer=actor,
        referring_agency_id=agency.id,
        source_view_id=view_id,
        answers={**first.answers(), **({PROCESS: process_key} if process_key else {})},
        created_at=now,
        remind_at=cal.at_london(next_day, REMIND_AT),
        expires_at=now + EXPIRES,
    )
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=actor, action=STARTED, pending=row.id, agency_id=agency.id)
    return Started(row.id, token, row.expires_at)


def _live(session: Session, token: str, now: datetime) -> PendingReferral:
    row = session.scalar(select(PendingReferral).where(PendingReferral.token_hash == _hash(token)))
    if row is None or row.expires_at <= now:
        raise LinkGoneError
    return row


def pending_for_link(session: Session, token: str, user_id: str, now: datetime) -> PendingLink:
    """The pending referral behind ``token``, for its referrer only."""
    row = _live(session, token, now)
    if row.referrer != user_id:
        audit.record(session, at=now, actor=user_id, action="referral.link_refused", pending=row.id)
        raise NotYoursError
    agency = session.get(Agency, row.referring_agency_id)
    return PendingLink(
        row.id, row.referrer, agency.name if agency else "", dict(row.answers), row.expires_at
    )


def complete_referral(
    session: Session,
    token: str,
    user_id: str,
    details: dict[str, Any],
    *,
    now: datetime,
    cipher: FieldCipher,
    process_key: str,
    cal: WorkingCalendar,
) -> OpenedCase:
    """Open the case from both parts, following the process picked in Slack (else
    ``process_key``, the partnership's default). `InvalidFormError` (keyed by the web form's fields)
    changes nothing; a link used a second time is `LinkGoneError`."""
    link = pending_for_link(session, token, user_id, now)
    row = session.get(PendingReferral, link.id)
    assert row is not None
    answers = dict(link.answers)
    process_key = str(answers.pop(PROCESS, None) or process_key)
    submission = completed_referral(
        row.referring_agency_id, answers, details, today=cal.london_date(now)
    )
    view_id = row.source_view_id
    taken = session.execute(delete(PendingReferral).where(PendingReferral.id == link.id))
    if getattr(taken, "rowcount", 0) != 1:
        raise LinkGoneError
    checked = check_referral(
        session, submission, actor=user_id, view_id=view_id, process_key=process_key
    )
    opened = open_case(session, submission, checked, now=now, cipher=cipher, cal=cal)
    audit.record(
        session, at=now, actor=user_id, action=COMPLETED, case_id=opened.case_id, pending=link.id
    )
    return opened


@dataclass(frozen=True)
class Reminder:
    pending_id: int
    referrer: str
    token: str
    expires_at: datetime


def take_reminders(session: Session, now: datetime) -> list[Reminder]:
    """Pending referrals due their one reminder, each with a fresh link (the earlier one
    stops working). Each is claimed by a counted `UPDATE`, so two workers send it once."""
    due = session.scalars(
        select(PendingReferral)
        .where(
            PendingReferral.reminded_at.is_(None),
            PendingReferral.remind_at <= now,
            PendingReferral.expires_at > now,
        )
        .order_by(PendingReferral.id)
    ).all()
    reminders = []
    for row in due:
        token = secrets.token_urlsafe(32)
        claimed = session.execute(
            update(PendingReferral)
            .where(PendingReferral.id == row.id, PendingReferral.reminded_at.is_(None))
            .values(reminded_at=now, token_hash=_hash(token))
        )
        if getattr(claimed, "rowcount", 0) == 1:
            audit.record(session, at=now, actor="bot", action=REMINDED, pending=row.id)
            reminders.append(Reminder(row.id, row.referrer, token, row.expires_at))
    return reminders


def release_reminder(session: Session, pending_id: int) -> None:
    """A reminder Slack did not take: the next tick tries again (with another fresh link)."""
    session.execute(
        update(PendingReferral).where(PendingReferral.id == pending_id).values(reminded_at=None)
    )


@dataclass(frozen=True)
class Expired:
    pending_id: int
    referrer: str


def expire_pending(session: Session, now: datetime) -> list[Expired]:
    """Delete the pending referrals 7 days old, with everything they held."""
    rows = session.scalars(
        select(PendingReferral)
        .where(PendingReferral.expires_at <= now)
        .order_by(PendingReferral.id)
    ).all()
    gone = []
    for row in rows:
        taken = session.execute(delete(PendingReferral).where(PendingReferral.id == row.id))
        if getattr(taken, "rowcount", 0) == 1:
            audit.record(session, at=now, actor="bot", action=EXPIRED, pending=row.id)
            gone.append(Expired(row.id, row.referrer))
    return gone
