"""The append-only audit trail. Details name ids and codes, never personal data.

Entries form a hash chain (storage/audit_chain.py) in id order. Writers take the chain's head
under a lock held to the end of their transaction, so concurrent writers still give one line:
on PostgreSQL a transaction-scoped advisory lock; on SQLite every transaction already holds the
write lock from BEGIN IMMEDIATE (storage/db.py). The unique `prev_hash` refuses a fork should
either ever fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.audit_chain import GENESIS, canonical_detail, entry_hash
from storage.models import AuditEvent

# pg_advisory_xact_lock's key for the audit chain's head (any fixed 64-bit number).
_CHAIN_LOCK_KEY = 0x5C2_A0D17


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    _lock_chain_head(session)
    prev = session.scalar(select(AuditEvent.entry_hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    stored = canonical_detail(detail)
    own = entry_hash(
        prev_hash=prev_hash, at=at, actor=actor, action=action, case_id=case_id, detail=stored
    )
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        case_id=case_id,
        detail=stored,
        prev_hash=prev_hash,
        entry_hash=own,
    )
    session.add(event)
    session.flush()
    return event


def _lock_chain_head(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def events_for(session: Session, case_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )


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
