"""The Board signs a case off once no recommendation is open: the monitoring stage ends, the
case closes (so no reminder goes out for it again) and its channel is to be archived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services import audit
from bot.services import progress_returns as returns
from bot.services.action_plan import NOT_THE_BOARD, RecStatus, may_close, recommendations
from bot.services.engine import EngineContext, open_tasks, record_event
from bot.services.reminder_plans import cancel_planned
from storage.db import Database
from storage.models import Case, CaseSignOff

END_EVENT = "action_plan_complete"


@dataclass(frozen=True)
class SignOffState:
    """``blocker`` says, for the Board, why the case cannot be signed off yet."""

    allowed: bool
    blocker: str | None
    signed_off: CaseSignOff | None


def sign_off_state(ctx: EngineContext, case: Case) -> SignOffState:
    done = ctx.session.get(CaseSignOff, case.id)
    if done is not None:
        return SignOffState(False, f"{case.reference} was signed off already.", done)
    if not returns.in_monitoring(ctx, case) or returns.monitoring_began(ctx, case) is None:
        return SignOffState(False, "The overview report has not been agreed yet.", None)
    recs = recommendations(ctx.session, case.id)
    if not recs:
        return SignOffState(False, "The action plan has no recommendations yet.", None)
    still_open = [r.number for r in recs if r.status == RecStatus.OPEN]
    if still_open:
        numbers = ", ".join(str(n) for n in still_open)
        return SignOffState(False, f"Recommendations still open: {numbers}.", None)
    return SignOffState(True, None, None)


def sign_off(ctx: EngineContext, case: Case, *, actor: str) -> bool:
    """Record the sign-off. False (nothing changed) when it was signed off already."""
    if not may_close(ctx.session, actor):
        raise SignOffRefusedError(NOT_THE_BOARD)
    state = sign_off_state(ctx, case)
    if state.signed_off is not None:
        return False
    if not state.allowed:
        raise SignOffRefusedError(state.blocker or "Not yet.")
    ctx.session.add(CaseSignOff(case_id=case.id, signed_off_at=ctx.now, signed_off_by=actor))
    ctx.session.flush()
    record_event(ctx, case, END_EVENT, at=ctx.now, actor=actor)
    for task in open_tasks(ctx.session, case.id):
        task.status, task.completed_at, task.completed_by = "waived", ctx.now, "bot"
        cancel_planned(ctx.session, task.id)
    case.closed_at = ctx.now
    audit.record(ctx.session, at=ctx.now, actor=actor, action="case.signed_off", case_id=case.id)
    return True


class SignOffRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


def archive_pending(session: Session) -> list[int]:
    """Signed-off cases whose channel Slack has not archived yet."""
    return list(
        session.scalars(
            select(CaseSignOff.case_id)
            .join(Case, Case.id == CaseSignOff.case_id)
            .where(CaseSignOff.archived_at.is_(None), Case.channel_id.is_not(None))
            .order_by(CaseSignOff.case_id)
        )
    )


def mark_archived(db: Database, case_id: int, now: datetime) -> None:
    with db.session() as session:
        row = session.get(CaseSignOff, case_id)
        if row is None or row.archived_at is not None:
            return
        row.archived_at, row.last_error = now, None
        audit.record(session, at=now, actor="bot", action="case.channel_archived", case_id=case_id)


def archive_failed(db: Database, case_id: int, error: str) -> None:
    with db.session() as session:
        session.execute(
            update(CaseSignOff)
            .where(CaseSignOff.case_id == case_id)
            .values(
                archive_attempts=CaseSignOff.archive_attempts + 1,
                last_error=error[:80],
            )
        )
