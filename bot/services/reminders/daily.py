"""Once a day per person: a claim on "today's message of this kind to this person" that
several workers running at once (a rolling deploy, a cron `worker --once` beside the
scheduler) agree on, on PostgreSQL and SQLite alike.

The guarantee: for one (kind, London day, recipient) at most one worker at a time holds the
claim, and once the message is marked sent (or skipped) no worker claims it again that day.

- `claim_daily` inserts the day's row if there is none (`INSERT ... ON CONFLICT DO
  NOTHING`: of two concurrent inserts exactly one goes in; on PostgreSQL the other waits for
  it and finds it there), or else takes an existing pending row whose lease has run out
  (a conditional UPDATE, `storage.claim`). Either way the row count says who won; the claim
  is committed before the caller posts anything.
- The winner posts (through the gateway's `post_once`, keyed per kind, day and person), then
  calls `mark_daily_sent`. When Slack fails it calls `release_daily`, and a later tick
  tries again (not before ``retry_at`` if given).
- A worker that dies after claiming leaves a lease that runs out (`LEASE`); the next tick
  takes the row over. If the dead worker's post had reached Slack, `post_once` finds it in
  the ledger, or (answer lost) in the conversation's history by its metadata, and adopts it
  instead of posting again.

The one gap: a worker still alive but stalled past its lease (longer than `LEASE` on one
post) may be overtaken; `post_once` then still adopts a post that reached Slack first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select

from storage import claim as conditional
from storage.db import Database
from storage.models import DailyDelivery
from storage.states import DailyStatus

LEASE = timedelta(minutes=10)
"""How long a claim holds before another worker may take the row over."""


class DailyKind(StrEnum):
    """The once-a-day messages. The column is plain text: a new kind needs no migration."""

    DIGEST = "digest"
    TODAY = "today"
    """A person's message of the day ("Your tasks today")."""


def claim_daily(
    db: Database,
    kind: str,
    day: date,
    recipient: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> bool:
    """Take today's ``kind`` message to ``recipient`` for this worker until ``now + lease``.
    False when it was sent or skipped already, or another worker holds it."""
    until = now + lease
    with db.session() as session:
        if conditional.inserted(
            session,
            DailyDelivery,
            kind=str(kind),
            day=day,
            recipient=recipient,
            status=DailyStatus.PENDING,
            claimed_until=until,
            attempts=1,
        ):
            return True
        return conditional.claimed(
            session,
            DailyDelivery,
            _row(kind, day, recipient),
            DailyDelivery.status == DailyStatus.PENDING,
            or_(DailyDelivery.claimed_until.is_(None), DailyDelivery.claimed_until <= now),
            claimed_until=until,
            attempts=DailyDelivery.attempts + 1,
        )


def mark_daily_sent(db: Database, kind: str, day: date, recipient: str, now: datetime) -> None:
    """The message went (or was found in Slack): nobody sends it again that day."""
    _finish(db, kind, day, recipient, now, DailyStatus.SENT)


def mark_daily_skipped(db: Database, kind: str, day: date, recipient: str, now: datetime) -> None:
    """Nothing to send that day (or nobody to send it to): not tried again that day."""
    _finish(db, kind, day, recipient, now, DailyStatus.SKIPPED)


def release_daily(
    db: Database, kind: str, day: date, recipient: str, *, retry_at: datetime | None = None
) -> None:
    """Give the claim back after a failure, for a later tick (from ``retry_at``) to retry."""
    with db.session() as session:
        conditional.claim(
            session,
            DailyDelivery,
            _row(kind, day, recipient),
            DailyDelivery.status == DailyStatus.PENDING,
            claimed_until=retry_at,
        )


def not_yet_done(db: Database, kind: str, day: date, recipients: Iterable[str]) -> list[str]:
    """Those of ``recipients`` whose ``kind`` message for ``day`` is neither sent nor skipped,
    in the given order (a cheap check before building the message)."""
    wanted = list(recipients)
    if not wanted:
        return []
    with db.reading() as session:
        done = set(
            session.scalars(
                select(DailyDelivery.recipient).where(
                    DailyDelivery.kind == str(kind),
                    DailyDelivery.day == day,
                    DailyDelivery.recipient.in_(wanted),
                    DailyDelivery.status != DailyStatus.PENDING,
                )
            )
        )
    return [person for person in wanted if person not in done]


def _finish(
    db: Database, kind: str, day: date, recipient: str, now: datetime, status: DailyStatus
) -> None:
    """Record the outcome whoever holds the row (a stalled worker's post counts as well);
    a message sent stays sent."""
    replaceable: tuple[DailyStatus, ...] = (DailyStatus.PENDING, DailyStatus.SKIPPED)
    if status is DailyStatus.SKIPPED:
        replaceable = (DailyStatus.PENDING,)
    with db.session() as session:
        if not conditional.inserted(
            session,
            DailyDelivery,
            kind=str(kind),
            day=day,
            recipient=recipient,
            status=status,
            attempts=1,
            done_at=now,
        ):
            conditional.claim(
                session,
                DailyDelivery,
                _row(kind, day, recipient),
                DailyDelivery.status.in_(replaceable),
                status=status,
                claimed_until=None,
                done_at=now,
            )


def _row(kind: str, day: date, recipient: str) -> ColumnElement[bool]:
    return and_(
        DailyDelivery.kind == str(kind),
        DailyDelivery.day == day,
        DailyDelivery.recipient == recipient,
    )
