"""The ledger of integrated-chronology exports: one per state of the chronology, so that a
double click uploads the files once."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import CaseAgency, ChronologyEntry, ChronologyExport

EXPORT_COOLDOWN = timedelta(minutes=10)


def claim_export(db: Database, case_id: int, *, actor: str, now: datetime) -> bool:
    """One export per state of the chronology; the same state again only after a pause, so
    that a double click uploads the files once."""
    with db.session() as session:
        fingerprint, count = _fingerprint(session, case_id)
    try:
        with db.session() as session:
            session.add(
                ChronologyExport(
                    case_id=case_id,
                    fingerprint=fingerprint,
                    requested_by=actor,
                    requested_at=now,
                    entry_count=count,
                )
            )
            return True
    except IntegrityError:
        with db.session() as session:
            renewed = session.execute(
                update(ChronologyExport)
                .where(
                    ChronologyExport.case_id == case_id,
                    ChronologyExport.fingerprint == fingerprint,
                    ChronologyExport.requested_at <= now - EXPORT_COOLDOWN,
                )
                .values(requested_at=now, requested_by=actor)
                .execution_options(synchronize_session=False)
            )
            return bool(renewed.rowcount)  # type: ignore[attr-defined]


def release_export(db: Database, case_id: int, requested_at: datetime) -> None:
    """The upload failed: the same export may be asked for again at once."""
    with db.session() as session:
        session.execute(
            delete(ChronologyExport).where(
                ChronologyExport.case_id == case_id, ChronologyExport.requested_at == requested_at
            )
        )


def _fingerprint(session: Session, case_id: int) -> tuple[str, int]:
    involved = sorted(
        session.scalars(
            select(CaseAgency.agency_id).where(
                CaseAgency.case_id == case_id, CaseAgency.removed_at.is_(None)
            )
        )
    )
    last, count = session.execute(
        select(func.max(ChronologyEntry.id), func.count(ChronologyEntry.id)).where(
            ChronologyEntry.case_id == case_id
        )
    ).one()
    state = f"{last or 0}:{count}:{','.join(map(str, involved))}"
    return hashlib.sha256(state.encode()).hexdigest(), int(count)
