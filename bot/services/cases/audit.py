"""The append-only audit trail. Details name ids and codes, never personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEvent


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(at=at, actor=actor, action=action, case_id=case_id, detail=detail)
    session.add(event)
    session.flush()
    return event


def events_for(session: Session, case_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )
