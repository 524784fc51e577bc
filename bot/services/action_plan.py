"""The action plan: the review's recommendations (from the overview report and the management
reviews), who owns each, and the Board closing them. Every change is audited by ids only."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import MonitoringBlock as B
from bot.services import audit
from bot.services import progress_returns as returns
from bot.services.cases import case_by_channel, case_by_reference, is_case_member
from bot.services.engine import EngineContext
from bot.services.partnership import Role, roles_of
from storage.models import (
    Agency,
    Case,
    CaseAssignment,
    DeactivatedUser,
    Recommendation,
)

ACTION_OWNER = "action_owner"
LONG_TEXT = 3000
MAX_NUMBER = 999
SLACK_USER = r"^[UW][A-Z0-9]{2,30}$"


class Source(StrEnum):
    OVERVIEW_REPORT = "overview_report"
    MANAGEMENT_REVIEW = "management_review"


SOURCE_LABELS = {
    Source.OVERVIEW_REPORT: "Overview report",
    Source.MANAGEMENT_REVIEW: "Management review",
}


class RecStatus(StrEnum):
    OPEN = "open"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"


MANAGERS = frozenset({Role.ADMIN, Role.BOARD_CHAIR, Role.CPU})
"""Who may enter and edit the action plan."""
CLOSERS = frozenset({Role.ADMIN, Role.BOARD_CHAIR})
"""The Board: who may mark a recommendation implemented, close one, or sign a case off."""

NOT_ALLOWED = "Only the Board business unit, the Board Chair and the CPU can change the plan."
NOT_THE_BOARD = "Only the Board (its business unit or Chair) can close recommendations."


class PlanRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


class RecommendationForm(BaseModel):
    """One recommendation as the modal (or a CSV row) gives it; aliases are block ids."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)

    number: Annotated[int, Field(alias=B.NUMBER, ge=1, le=MAX_NUMBER)]
    agency_id: Annotated[int, Field(alias=B.AGENCY)]
    action: Annotated[str, Field(alias=B.ACTION, min_length=1, max_length=LONG_TEXT)]
    owner: Annotated[str, Field(alias=B.OWNER, pattern=SLACK_USER)]
    target_date: Annotated[date, Field(alias=B.TARGET_DATE)]
    expected_outcome: Annotated[str, Field(alias=B.OUTCOME, min_length=1, max_length=LONG_TEXT)]
    source: Annotated[Source, Field(alias=B.SOURCE)] = Source.OVERVIEW_REPORT


def may_manage(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & MANAGERS)


def may_close(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & CLOSERS)


def has_left(session: Session, user_id: str) -> bool:
    return session.get(DeactivatedUser, user_id) is not None


def recommendations(session: Session, case_id: int) -> list[Recommendation]:
    return list(
        session.scalars(
            select(Recommendation)
            .where(Recommendation.case_id == case_id)
            .order_by(Recommendation.number)
        )
    )


def owner_of(session: Session, rec: Recommendation) -> str | None:
    return session.scalar(
        select(CaseAssignment.slack_user_id)
        .where(
            CaseAssignment.case_id == rec.case_id,
            CaseAssignment.role == ACTION_OWNER,
            CaseAssignment.subject_key == returns.subject_key(rec.id),
        )
        .order_by(CaseAssignment.id)
        .limit(1)
    )


def set_owner(ctx: EngineContext, rec: Recommendation, user_id: str) -> None:
    ctx.session.execute(
        delete(CaseAssignment).where(
            CaseAssignment.case_id == rec.case_id,
            CaseAssignment.role == ACTION_OWNER,
            CaseAssignment.subject_key == returns.subject_key(rec.id),
        )
    )
    ctx.session.add(
        CaseAssignment(
            case_id=rec.case_id,
            role=ACTION_OWNER,
            agency_id=rec.agency_id,
            subject_key=returns.subject_key(rec.id),
            slack_user_id=user_id,
            assigned_at=ctx.now,
        )
    )
    ctx.session.flush()


def problems(
    session: Session, case: Case, form: RecommendationForm, *, rec_id: int | None = None
) -> dict[str, str]:
    """What the case makes wrong with an otherwise valid recommendation, by block id."""
    errors: dict[str, str] = {}
    taken = session.scalar(
        select(Recommendation.id).where(
            Recommendation.case_id == case.id, Recommendation.number == form.number
        )
    )
    if taken is not None and taken != rec_id:
        errors[B.NUMBER.value] = f"Recommendation {form.number} is already in the plan."
    agency = session.get(Agency, form.agency_id)
    if agency is None or not agency.active:
        errors[B.AGENCY.value] = "Choose an agency of the partnership."
    if has_left(session, form.owner):
        errors[B.OWNER.value] = "This person has left; choose someone else."
    return errors


def add_recommendation(
    ctx: EngineContext,
    case: Case,
    form: RecommendationForm,
    *,
    actor: str,
    cipher: FieldCipher,
    view_id: str | None,
) -> Recommendation:
    """Add a checked recommendation; its returns begin once the report is agreed."""
    if not may_manage(ctx.session, actor):
        raise PlanRefusedError(NOT_ALLOWED)
    if case.closed_at is not None:
        raise PlanRefusedError(f"{case.reference} is closed.")
    rec = Recommendation(
        case_id=case.id,
        number=form.number,
        agency_id=form.agency_id,
        source=form.source.value,
        action=cipher.encrypt_text(form.action),
        target_date=form.target_date,
        expected_outcome=cipher.encrypt_text(form.expected_outcome),
        status=RecStatus.OPEN.value,
        created_at=ctx.now,
        created_by=actor,
        updated_at=ctx.now,
        source_view_id=view_id,
    )
    ctx.session.add(rec)
    ctx.session.flush()
    set_owner(ctx, rec, form.owner)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="recommendation.added",
        case_id=case.id,
        recommendation_id=rec.id,
        number=rec.number,
        agency_id=rec.agency_id,
        owner=form.owner,
    )
    returns.start_returns_for(ctx, case, rec)
    return rec


def update_recommendation(
    ctx: EngineContext,
    rec: Recommendation,
    form: RecommendationForm,
    *,
    actor: str,
    cipher: FieldCipher,
) -> list[str]:
    """Apply an edit; returns the names of the fields that changed (none: nothing stored)."""
    if not may_manage(ctx.session, actor):
        raise PlanRefusedError(NOT_ALLOWED)
    changed = []
    for name in ("number", "agency_id", "target_date"):
        if getattr(rec, name) != getattr(form, name):
            setattr(rec, name, getattr(form, name))
            changed.append(name)
    if rec.source != form.source.value:
        rec.source = form.source.value
        changed.append("source")
    for name in ("action", "expected_outcome"):
        if cipher.decrypt_text(getattr(rec, name)) != getattr(form, name):
            setattr(rec, name, cipher.encrypt_text(getattr(form, name)))
            changed.append(name)
    if "agency_id" in changed:
        for task in returns.tasks_of(ctx.session, rec.case_id, rec_id=rec.id):
            if task.status == "open":
                task.agency_id = rec.agency_id
    if "agency_id" in changed or owner_of(ctx.session, rec) != form.owner:
        set_owner(ctx, rec, form.owner)
        changed.append("owner")
    if changed:
        rec.updated_at = ctx.now
        audit.record(
            ctx.session,
            at=ctx.now,
            actor=actor,
            action="recommendation.updated",
            case_id=rec.case_id,
            recommendation_id=rec.id,
            fields=changed,
        )
    return changed


def close_recommendation(
    ctx: EngineContext,
    rec: Recommendation,
    outcome: RecStatus,
    *,
    note: str,
    actor: str,
    cipher: FieldCipher,
) -> bool:
    """The Board marks it implemented, or closes it with a reason: it leaves the cycle and
    its outstanding returns stop. False when it was already closed."""
    if not may_close(ctx.session, actor):
        raise PlanRefusedError(NOT_THE_BOARD)
    if outcome == RecStatus.OPEN:
        raise ValueError("closing needs an outcome")
    if outcome == RecStatus.CLOSED and not note.strip():
        raise PlanRefusedError("Please give the reason for closing it.")
    if rec.status != RecStatus.OPEN:
        return False
    rec.status, rec.closed_at, rec.closed_by = outcome.value, ctx.now, actor
    rec.closure_reason = cipher.encrypt_text(note.strip()) if note.strip() else None
    rec.updated_at = ctx.now
    stopped = returns.close_tasks(
        ctx, returns.tasks_of(ctx.session, rec.case_id, rec_id=rec.id), actor=actor
    )
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action=f"recommendation.{outcome.value}",
        case_id=rec.case_id,
        recommendation_id=rec.id,
        returns_stopped=stopped,
    )
    return True


def plan_case(
    session: Session, user_id: str, *, channel_id: str | None, reference: str | None
) -> Case | None:
    """The case asked about (by reference, or by the channel it is asked in), if the user
    is one of its members or holds a Board or CPU role; None alike for an unknown case and
    for someone else's, so that the answer reveals nothing."""
    if reference:
        case = case_by_reference(session, reference)
    elif channel_id:
        case = case_by_channel(session, channel_id)
    else:
        return None
    if case is None:
        return None
    if is_case_member(session, case, user_id) or may_manage(session, user_id):
        return case
    return None
