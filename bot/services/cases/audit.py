"""The append-only audit trail. Details name ids and codes, never personal data.

Entries form a hash chain (storage/audit_chain.py) in id order. An entry recorded in a
transaction joins the chain when the transaction commits: its writer then takes the chain's
head under a lock held to the end of the transaction, so concurrent writers still give one
line, and wait for each other only while they commit, not while they work. On PostgreSQL
the lock is a transaction-scoped advisory lock; on SQLite every transaction already holds
the write lock from BEGIN IMMEDIATE (storage/db.py). The unique `prev_hash` refuses a fork
should either ever fail. Entries recorded in a savepoint that is rolled back, or in a
transaction that is, are dropped with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as orm_events
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, SessionTransaction

from storage.audit_chain import GENESIS, canonical_detail, entry_hash
from storage.db import READ_ONLY, ReadOnlySessionError, hold_lock
from storage.models import AuditEvent, table_of

_CHAIN_LOCK = "audit-chain"
"""The lock (`hold_lock`) every transaction that extends the chain holds from its head's
read to its commit."""
_PENDING = "audit.pending"
_WRITTEN = ("at", "actor", "action", "case_id", "detail", "prev_hash", "entry_hash")
_HEAD = select(AuditEvent.entry_hash).order_by(AuditEvent.id.desc()).limit(1)
_APPEND = insert(table_of(AuditEvent))
"""The chain's statements, built once: every transaction that records an entry runs both."""


@dataclass(slots=True)
class _Pending:
    entry: AuditEvent
    savepoint: SessionTransaction | None
    """The innermost savepoint open when it was recorded, if any."""


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Record an entry, to join the chain when the transaction commits. Until then the
    returned entry may still have its detail amended (`amend`)."""
    if session.get_bind().get_execution_options().get(READ_ONLY):
        raise ReadOnlySessionError("a read-only session may not write the audit trail")
    entry = AuditEvent(
        at=at, actor=actor, action=action, case_id=case_id, detail=canonical_detail(detail)
    )
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(entry, session.get_nested_transaction()))
    return entry


def amend(entry: AuditEvent, **detail: Any) -> None:
    """Add to the detail of an entry recorded in this transaction and not yet chained (a
    case's reference, known only once the case takes its number at the end)."""
    if entry.entry_hash is not None:
        raise ValueError("an entry in the chain cannot change")
    stored = dict(entry.detail) if isinstance(entry.detail, dict) else {}
    entry.detail = canonical_detail({**stored, **detail})


@orm_events.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its entries wait for the transaction's own commit
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    hold_lock(session, _CHAIN_LOCK)
    prev = session.scalar(_HEAD)
    prev_hash = prev or GENESIS
    rows = []
    for item in pending:
        entry = item.entry
        entry.prev_hash = prev_hash
        entry.entry_hash = entry_hash(
            prev_hash=prev_hash,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            case_id=entry.case_id,
            detail=entry.detail,
        )
        rows.append({column: getattr(entry, column) for column in _WRITTEN})
        prev_hash = entry.entry_hash
    # written as rows, in order, in one statement: nothing reads the entries back as objects
    session.execute(_APPEND, rows)


@orm_events.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if not pending:
        return
    if not previous.nested:
        session.info.pop(_PENDING, None)
        return
    pending[:] = [p for p in pending if not _within(p.savepoint, previous)]


def _within(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


def events_for(session: Session, case_id: int) -> list[AuditEvent]:
    """The case's entries in chain order, then those this transaction has recorded and will
    chain on commit."""
    chained = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    pending: list[_Pending] = session.info.get(_PENDING, [])
    return [*chained, *(p.entry for p in pending if p.entry.case_id == case_id)]


@dataclass(frozen=True)
class BrokenEntry:
    """The first entry at which the chain fails: named by id, time and action, never detail."""

    id: int
    at: datetime
    action: str
    reason: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    broken: BrokenEntry | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the trail in id order, recomputing every hash; stop at the first break."""
    prev = GENESIS
    count = 0
    rows = session.execute(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500)
    ).scalars()
    for event in rows:
        reason = _fault(event, prev)
        if reason is not None:
            broken = BrokenEntry(id=event.id, at=event.at, action=event.action, reason=reason)
            return ChainReport(entries=count, head=prev, broken=broken)
        prev = event.entry_hash
        count += 1
    return ChainReport(entries=count, head=prev, broken=None)


def _fault(event: AuditEvent, prev: str) -> str | None:
    if event.prev_hash != prev:
        return "it does not follow the entry before it (an entry deleted, inserted or reordered)"
    recomputed = entry_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        actor=event.actor,
        action=event.action,
        case_id=event.case_id,
        detail=event.detail if isinstance(event.detail, dict) else {"": event.detail},
    )
    if recomputed != event.entry_hash:
        return "its contents do not match its hash (the entry was edited)"
    return None
