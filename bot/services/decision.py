"""The Initial Panel's recommendation and the Board Chair's decision. No Slack here:
callers render and send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext, record_event
from bot.services.partnership import Role, roles_of
from bot.services.referral_form import Criterion
from bot.services.review_access import is_board_chair, leads_review, lock_case
from bot.services.review_forms import FormFieldError
from bot.services.task_changes import complete_task
from storage.models import Case, ChairDecision, PanelRecommendation, Task

LONG_TEXT = 3000
NOT_THE_CHAIR = (
    "Only the Board Chair can make this decision. Nothing has changed, and your attempt "
    "has been recorded."
)


class Outcome(StrEnum):
    SCR = "scr"
    AUDIT = "audit"
    MANAGEMENT_REVIEWS = "management_reviews"


OUTCOME_BUTTONS = {
    Outcome.SCR: "Approve SCR",
    Outcome.AUDIT: "Not met: smaller-scale audit",
    Outcome.MANAGEMENT_REVIEWS: "Not met: individual management reviews",
}
OUTCOME_WORDS = {
    Outcome.SCR: "a Serious Case Review will be held",
    Outcome.AUDIT: "the criteria are not met: a smaller-scale audit instead",
    Outcome.MANAGEMENT_REVIEWS: "the criteria are not met: individual management reviews only",
}
PATH_STAGE = {
    Outcome.SCR: "review",
    Outcome.AUDIT: "audit",
    Outcome.MANAGEMENT_REVIEWS: "management_reviews",
}
_ROUTE_EVENT = {
    Outcome.AUDIT: "decided_audit",
    Outcome.MANAGEMENT_REVIEWS: "decided_management_reviews",
}


class RecommendationForm(BaseModel):
    """Field names are the modal's block ids, so that an error lands on its input."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    criteria_met: bool
    criteria: list[Criterion] = Field(default_factory=list)
    rationale: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]

    @model_validator(mode="after")
    def _criteria_when_met(self) -> RecommendationForm:
        if self.criteria_met and not self.criteria:
            raise FormFieldError("criteria", "Please say which criteria are met.")
        return self


def may_recommend(session: Session, case_id: int, user_id: str) -> bool:
    return Role.CPU in roles_of(session, user_id) or leads_review(session, case_id, user_id)


def _open_task(session: Session, case_id: int, kind: str) -> Task | None:
    return session.scalar(
        select(Task).where(Task.case_id == case_id, Task.kind == kind, Task.status == "open")
    )


def recommendation_of(session: Session, case_id: int) -> PanelRecommendation | None:
    return session.scalar(select(PanelRecommendation).where(PanelRecommendation.case_id == case_id))


def record_recommendation(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: RecommendationForm,
    *,
    actor: str,
) -> str | None:
    """Store the panel's recommendation and end the Initial Panel stage; the Chair's decision
    is then due. Returns a refusal to show, or None once recorded (a repeat changes nothing)."""
    case = lock_case(session, case_id)
    if case is None or not may_recommend(session, case_id, actor):
        return "Only the CPU or the panel chair can record the panel's recommendation."
    if recommendation_of(session, case_id) is not None:
        return None
    task = _open_task(session, case_id, "initial_panel_outcome")
    if task is None:
        return "The recommendation is recorded once the Initial Panel has been held."
    if case.stage != "initial_panel":
        return "The CPU's referral actions are still open: complete them first."
    session.add(
        PanelRecommendation(
            case_id=case_id,
            criteria_met=form.criteria_met,
            criteria=[c.value for c in form.criteria],
            rationale=cipher.encrypt_text(form.rationale),
            recorded_by=actor,
            recorded_at=now,
        )
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="recommendation.recorded",
        case_id=case_id,
        criteria_met=form.criteria_met,
        criteria=[c.value for c in form.criteria],
    )
    complete_task(EngineContext(session, cal, now), task, actor=actor, check_permission=False)
    return None


def decision_of(session: Session, case_id: int) -> ChairDecision | None:
    return session.scalar(select(ChairDecision).where(ChairDecision.case_id == case_id))


class Attempt(StrEnum):
    ALLOWED = "allowed"
    DECIDED = "decided"
    ALREADY = "already"
    REFUSED = "refused"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class DecisionView:
    outcome: Outcome
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class DecisionAttempt:
    result: Attempt
    decision: DecisionView | None = None
    reference: str = ""


def _view(decision: ChairDecision) -> DecisionView:
    return DecisionView(Outcome(decision.outcome), decision.decided_by, decision.decided_at)


def check_chair(session: Session, case_id: int, user_id: str, now: datetime) -> DecisionAttempt:
    """What a click on a decision button may lead to, before any modal opens: the refused
    attempt is audited; a decided case says so."""
    case = session.get(Case, case_id)
    if case is None:
        return DecisionAttempt(Attempt.NOT_READY)
    if not is_board_chair(session, user_id):
        audit.record(session, at=now, actor=user_id, action="decision.refused", case_id=case_id)
        return DecisionAttempt(Attempt.REFUSED, reference=case.reference)
    existing = decision_of(session, case_id)
    if existing is not None:
        return DecisionAttempt(Attempt.ALREADY, _view(existing), case.reference)
    if _open_task(session, case_id, "chair_decision") is None:
        return DecisionAttempt(Attempt.NOT_READY, reference=case.reference)
    return DecisionAttempt(Attempt.ALLOWED, reference=case.reference)


def decide(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    outcome: Outcome,
    *,
    actor: str,
    reason: str | None = None,
) -> DecisionAttempt:
    """The Chair decides, once. Anyone else is refused (and audited); a second click, a
    redelivery or a stale button finds the decision made and changes nothing."""
    case = lock_case(session, case_id)
    allowed = check_chair(session, case_id, actor, now)
    if case is None or allowed.result is not Attempt.ALLOWED:
        return allowed
    if outcome is not Outcome.SCR and not (reason or "").strip():
        raise ValueError("a decision that the criteria are not met needs a reason")
    decision = ChairDecision(
        case_id=case_id,
        outcome=outcome.value,
        reason=cipher.encrypt_text(reason.strip()) if reason and reason.strip() else None,
        decided_by=actor,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    ctx = EngineContext(session, cal, now)
    if outcome in _ROUTE_EVENT:
        record_event(ctx, case, _ROUTE_EVENT[outcome], at=now, actor=actor)
    task = _open_task(session, case_id, "chair_decision")
    assert task is not None
    complete_task(ctx, task, actor=actor)
    audit.record(
        session, at=now, actor=actor, action="decision.made", case_id=case_id, outcome=outcome
    )
    return DecisionAttempt(Attempt.DECIDED, _view(decision), case.reference)
