"""The outbox: Slack work queued in the transaction that decided it, and taken off the queue
by drainers with a lease.

A listener (or a service it calls) queues a job in its own transaction, so the job exists
exactly when the change it tells of does. A drainer claims one job at a time with a
conditional UPDATE and commits before it calls Slack; a drainer that dies leaves its job to
be claimed again once the lease runs out (the flows' ledger and adoption make a second run
safe). A job that failed waits longer after each attempt."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.dml import ReturningUpdate

from bot.ids import Job
from storage.claim import claimed, inserted_key
from storage.db import Database
from storage.models import OutboxJob
from storage.states import JobState

LEASE = timedelta(minutes=5)
"""How long a claimed job is its drainer's: longer than any job takes, Slack's retries
included."""

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
"""The wait after each failed attempt; the last repeats."""

KEPT = timedelta(days=7)
"""How long a finished job stays in the table (for an operator's question), then goes."""

QUEUED = "outbox.queued"
"""Set in a session's ``info`` when a job was queued in it: the caller rings the drain once
the transaction is committed."""

NOTIFY_CHANNEL = "scr_outbox"
"""On PostgreSQL, queuing a job also notifies this channel (at commit), so that a worker in
another process can start at once."""

_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class NotAnIdError(ValueError):
    """A job argument that is not an id: jobs carry ids only, never what a person typed."""


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    args: dict[str, Any]
    attempts: int
    """Attempts so far, this one included."""


def _checked(ids: dict[str, int | str]) -> dict[str, int | str]:
    for name, value in ids.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise NotAnIdError(name)
        if isinstance(value, str) and not _ID.match(value):
            raise NotAnIdError(name)
    return dict(ids)


@dataclass(frozen=True)
class Lease:
    """A job taken as it is queued: ``drainer``'s until ``until``. The next step of the job
    in whose transaction it is queued (a referral's set-up, after its opening), run by that
    job's drainer straight after it: no claim of its own, and no other drainer woken for it.
    Should that drainer die, the job is claimed again once the lease runs out, as any is."""

    drainer: str
    until: datetime


def enqueue(
    session: Session,
    job: Job,
    *,
    now: datetime,
    dedupe_key: str | None = None,
    **ids: int | str,
) -> bool:
    """Queue ``job`` with ``ids`` as its arguments, in ``session``'s transaction. With
    ``dedupe_key``, a job of that key queued before (done or not) makes this a no-op:
    whether this call queued it."""
    # on PostgreSQL the job's own insert sends the notice (delivered at commit), and only
    # when it queued the job
    notify = [_NOTIFY] if session.get_bind().dialect.name == "postgresql" else []
    if _insert(session, job, now, dedupe_key, _checked(ids), *notify) is None:
        return False
    session.info[QUEUED] = True
    return True


_NOTIFY = func.pg_notify(NOTIFY_CHANNEL, "")


def enqueue_taken(
    session: Session, job: Job, lease: Lease, *, now: datetime, dedupe_key: str, **ids: int | str
) -> ClaimedJob | None:
    """`enqueue`, the job taken under ``lease`` as it is queued (no drainer is woken for
    it): the job, or None when one of ``dedupe_key`` was queued before."""
    args = _checked(ids)
    taken = {"claimed_by": lease.drainer, "claimed_until": lease.until}
    job_id = _insert(
        session, job, now, dedupe_key, args, state=JobState.RUNNING, attempts=1, **taken
    )
    return None if job_id is None else ClaimedJob(job_id, job.value, args, 1)


def _insert(
    session: Session,
    job: Job,
    now: datetime,
    dedupe_key: str | None,
    args: dict[str, int | str],
    *also: ColumnElement[Any],
    **state: Any,
) -> int | None:
    """The job's row, pending unless ``state`` says otherwise: its id, or None when one of
    ``dedupe_key`` exists. ``also``: evaluated by the insert for the new row (its notice)."""
    values = {"state": JobState.PENDING, "attempts": 0, **state}
    return cast(
        "int | None",
        inserted_key(
            session,
            OutboxJob,
            *also,
            kind=job.value,
            args=args,
            subject=subject_of(args),
            dedupe_key=dedupe_key,
            next_attempt_at=now,
            created_at=now,
            **values,
        ),
    )


def _due(now: datetime | BindParameter[Any]) -> Any:
    return or_(
        and_(OutboxJob.state == JobState.PENDING, OutboxJob.next_attempt_at <= now),
        and_(OutboxJob.state == JobState.RUNNING, OutboxJob.claimed_until <= now),
    )


RACES = 3
"""Claims tried again when another drainer started a job of the same subject meanwhile."""


def subject_of(ids: dict[str, int | str]) -> str:
    """What a job with ``ids`` is about (``case_id=12``): no two jobs of one subject run at
    once, in any process, so the jobs of one case run in the order they were queued."""
    return ";".join(f"{name}={value}" for name, value in sorted(ids.items()))[:100]


def _subject_free() -> ColumnElement[bool]:
    """No other job of the same subject running (a lease run out included: that job is due
    again, and older, so it is taken first)."""
    other = aliased(OutboxJob)
    return ~exists().where(
        other.subject == OutboxJob.subject,
        other.state == JobState.RUNNING,
        other.id != OutboxJob.id,
    )


def _of_kinds(kinds: bool) -> tuple[ColumnElement[bool], ...]:
    return (OutboxJob.kind.in_(bindparam("kinds", expanding=True)),) if kinds else ()


def _longest_due(state: JobState, due: ColumnElement[bool], kinds: bool) -> Any:
    """The id of the job in ``state`` due longest, read in the order of the index on
    (state, next attempt), so that it stops at the first claimable job rather than read and
    sort every job waiting: a backlog (after Slack was down) drains in time that grows with
    its length, not with its square. On PostgreSQL a job another drainer is taking that
    moment is passed over (SKIP LOCKED) for the next."""
    return (
        select(OutboxJob.id)
        .where(OutboxJob.state == state, due, _subject_free(), *_of_kinds(kinds))
        .order_by(OutboxJob.next_attempt_at, OutboxJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .correlate(None)  # a table of its own, not the UPDATE's row
        .scalar_subquery()
    )


def _claim_statement(kinds: bool) -> ReturningUpdate[int, str, dict[str, Any], int]:
    """A claim in one statement, built once (with and without kinds): making it, and its
    cache key, cost the drain more than running it. It takes a job whose drainer's lease ran
    out first (it has waited longest), else the pending job due longest; the UPDATE checks
    the job is still claimable as it takes it."""
    now: BindParameter[datetime] = bindparam("now")
    lease_out = _longest_due(JobState.RUNNING, OutboxJob.claimed_until <= now, kinds)
    pending = _longest_due(JobState.PENDING, OutboxJob.next_attempt_at <= now, kinds)
    return (
        update(OutboxJob)
        .where(
            OutboxJob.id == func.coalesce(lease_out, pending),
            _due(now),
            _subject_free(),
            *_of_kinds(kinds),
        )
        .values(
            state=JobState.RUNNING,
            claimed_by=bindparam("drainer", type_=OutboxJob.claimed_by.type),
            claimed_until=bindparam("until", type_=OutboxJob.claimed_until.type),
            attempts=OutboxJob.attempts + 1,
        )
        .returning(OutboxJob.id, OutboxJob.kind, OutboxJob.args, OutboxJob.attempts)
        .execution_options(synchronize_session=False)
    )


_CLAIMS = {kinds: _claim_statement(kinds) for kinds in (False, True)}


def claim_next(
    db: Database,
    drainer: str,
    now: datetime,
    *,
    kinds: Collection[Job] | None = None,
) -> ClaimedJob | None:
    """Take the job due longest for ``drainer`` (of ``kinds``, or any) and commit, or None
    when nothing is due. Two drainers never take the same job: the claim's WHERE carries the
    state it expects. A job whose subject another job is running waits, whichever drainer
    runs that one; should two drainers claim two jobs of one subject at the same moment, the
    index on running subjects refuses the second, which looks again."""
    claim = _CLAIMS[kinds is not None]
    params: dict[str, Any] = {"now": now, "drainer": drainer, "until": now + LEASE}
    if kinds is not None:
        params["kinds"] = [kind.value for kind in kinds]
    for _ in range(RACES):
        try:
            with db.session() as session:
                row = session.execute(claim, params).first()
        except IntegrityError:
            continue
        return None if row is None else ClaimedJob(row.id, row.kind, dict(row.args), row.attempts)
    return None


def _settled(session: Session, job: ClaimedJob, drainer: str, **values: Any) -> bool:
    return claimed(
        session,
        OutboxJob,
        OutboxJob.id == job.id,
        OutboxJob.state == JobState.RUNNING,
        OutboxJob.claimed_by == drainer,
        claimed_by=None,
        claimed_until=None,
        **values,
    )


def _settle(db: Database, job: ClaimedJob, drainer: str, **values: Any) -> bool:
    with db.session() as session:
        return _settled(session, job, drainer, **values)


def finish(db: Database, job: ClaimedJob, drainer: str, now: datetime) -> bool:
    """The job is done (False if its lease ran out and another drainer took it)."""
    return _settle(db, job, drainer, state=JobState.DONE, done_at=now, last_error=None)


def finish_in(session: Session, job: ClaimedJob, drainer: str, now: datetime) -> bool:
    """`finish`, written in the transaction that writes the job's last result: the job
    ends with its work, one transaction fewer, and never done without it."""
    return _settled(session, job, drainer, state=JobState.DONE, done_at=now, last_error=None)


def retry_at(attempts: int, now: datetime, retry_after: float | None = None) -> datetime:
    """When a job that failed ``attempts`` times is tried again: the back-off, or longer
    when Slack asked for a longer wait."""
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return now + wait


def postpone(db: Database, job: ClaimedJob, drainer: str, *, error: str, at: datetime) -> bool:
    return _settle(
        db, job, drainer, state=JobState.PENDING, next_attempt_at=at, last_error=error[:80]
    )


def give_up(db: Database, job: ClaimedJob, drainer: str, *, error: str, now: datetime) -> bool:
    return _settle(db, job, drainer, state=JobState.FAILED, done_at=now, last_error=error[:80])


def forget_finished(db: Database, now: datetime) -> int:
    """Delete jobs done more than `KEPT` ago; how many went."""
    with db.session() as session:
        result = session.execute(
            delete(OutboxJob).where(
                OutboxJob.state == JobState.DONE, OutboxJob.done_at < now - KEPT
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def waiting(db: Database, now: datetime) -> int:
    """How many jobs are due now (tests and `scr-bot worker --once` use it)."""
    with db.session() as session:
        return int(session.scalar(select(func.count(OutboxJob.id)).where(_due(now))) or 0)
