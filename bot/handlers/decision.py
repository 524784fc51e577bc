"""The panel's recommendation (`/scr recommendation`), the Chair's decision buttons and the
reason for a "not met" decision, and the business unit's record of who was told."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk.models.views import View

from bot.handlers.adapter import Access, CaseFrom, Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import DecisionAction, DecisionBlock, DecisionCallback, Job
from bot.process.bolton import DECISION_AUDIENCES, REVIEW_QUESTIONS
from bot.runtime import Runtime
from bot.services.cases.access import Role, roles_of
from bot.services.cases.schema import Audience
from bot.services.decision.schema import (
    ALWAYS_AN_SCR,
    DirectionForm,
    NoticeForm,
    Outcome,
    ReasonForm,
    RecommendationForm,
)
from bot.services.decision.service import (
    BUSINESS_UNIT_DIRECTS,
    BUSINESS_UNIT_RECORDS,
    NOT_THE_CHAIR,
    ONLY_CPU_OR_CHAIR,
    Attempt,
    DecisionAttempt,
    decide,
    direct_review,
    may_recommend,
    record_notice,
    record_recommendation,
)
from bot.views.decision import (
    already_decided,
    direction_modal,
    notice_modal,
    reason_modal,
    recommendation_modal,
)
from bot.views.forms import info_view

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Case

NOT_READY = "This case is not waiting for the Chair's decision."
OUTCOMES = {
    DecisionAction.APPROVE.value: Outcome.SCR,
    DecisionAction.AUDIT.value: Outcome.AUDIT,
    DecisionAction.MANAGEMENT_REVIEWS.value: Outcome.MANAGEMENT_REVIEWS,
    DecisionAction.NO_FURTHER_ACTION.value: Outcome.NO_FURTHER_ACTION,
}
REFUSALS = {Attempt.REFUSED: NOT_THE_CHAIR, Attempt.ALWAYS_SCR: ALWAYS_AN_SCR}
NOTICE_ACTIONS = {
    f"{DecisionAction.RECORD_NOTICE.value}_{audience}": audience for audience in DECISION_AUDIENCES
}


class CaseMeta(ViewMeta):
    case: int


class ReasonMeta(CaseMeta):
    outcome: Outcome


class NoticeMeta(CaseMeta):
    audience: str


def recommendation_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if not may_recommend(session, case.id, user):
        return ONLY_CPU_OR_CHAIR
    return recommendation_modal(case.reference, case.id, REVIEW_QUESTIONS)


def notice_opener(
    session: Session, case: Case, user: str, today: date, audience: str
) -> View | str:
    if audience not in DECISION_AUDIENCES:
        return NOT_READY
    if Role.ADMIN not in roles_of(session, user):
        return BUSINESS_UNIT_RECORDS
    return notice_modal(
        case.reference, DECISION_AUDIENCES[audience], today, user, case.id, audience
    )


def _opened(req: Request[Any], view: View | str) -> str | None:
    """Open the modal, or answer with the refusal in its place."""
    if isinstance(view, str):
        return view
    req.open_view(view)
    return None


def _today(runtime: Runtime) -> dict[str, Any]:
    return {"today": runtime.working_calendar().london_date(runtime.clock.now())}


def _clicked(req: Request[BlockAction], case_id: int, attempt: DecisionAttempt) -> str | None:
    """What a click on a decision button says (nothing, once it decided)."""
    if attempt.result is Attempt.REFUSED:
        return NOT_THE_CHAIR
    if attempt.result is Attempt.ALWAYS_SCR:
        return ALWAYS_AN_SCR
    if attempt.result is Attempt.NOT_READY or attempt.decision is None:
        return NOT_READY
    made = attempt.decision
    req.enqueue(Job.DECISION_SHOWN, case_id=case_id)
    if attempt.result is Attempt.ALREADY:
        return already_decided(attempt.reference, made.outcome, made.decided_by, made.decided_at)
    return None


def _reasoned(req: Submitted[ReasonForm, ReasonMeta], attempt: DecisionAttempt) -> Reply:
    """What the reason form's submission comes to."""
    if attempt.decision is None:
        refusal = REFUSALS.get(attempt.result, NOT_READY)
        return Reply(errors={DecisionBlock.REASON.value: refusal})
    made = attempt.decision
    req.enqueue(Job.DECISION_SHOWN, case_id=req.ids.case)
    if attempt.result is Attempt.ALREADY:
        text = already_decided(attempt.reference, made.outcome, made.decided_by, made.decided_at)
        return Reply(update=info_view("Already decided", text))
    return Reply()


listeners = Listeners()


@listeners.command(
    "recommendation",
    "/scr recommendation",
    "record the Initial Panel's recommendation (in the case channel)",
    access=Access(case=CaseFrom.CHANNEL, member=False),
    audience=frozenset({Audience.CPU, Audience.PANEL_CHAIR}),
)
def recommendation_command(req: Request[SlashCommand]) -> str | None:
    return _opened(
        req, recommendation_opener(req.runtime, req.session, req.case, req.actor, req.today)
    )


@listeners.action(
    DecisionAction.OPEN_RECOMMENDATION.value, access=Access(case=CaseFrom.VALUE, member=False)
)
def recommendation_button(req: Request[BlockAction]) -> str | None:
    return _opened(
        req, recommendation_opener(req.runtime, req.session, req.case, req.actor, req.today)
    )


@listeners.submission(DecisionCallback.RECOMMENDATION.value, form=RecommendationForm, meta=CaseMeta)
def recommendation_submitted(req: Submitted[RecommendationForm, CaseMeta]) -> None:
    case_id = req.ids.case
    record_recommendation(
        req.session,
        req.calendar,
        req.now,
        req.runtime.cipher,
        case_id,
        req.answers,
        actor=req.actor,
    )
    req.enqueue(Job.DECISION_REQUESTED, case_id=case_id)


@listeners.action(*OUTCOMES, value=True)
def decision_clicked(req: Request[BlockAction]) -> str | None:
    outcome, case_id = OUTCOMES[req.payload.action.action_id], req.number or 0
    attempt = decide(
        req.session, req.calendar, req.now, req.runtime.cipher, case_id, outcome, actor=req.actor
    )
    if attempt.result is Attempt.ALLOWED:
        req.open_view(reason_modal(attempt.reference, outcome, case_id))
        return None
    return _clicked(req, case_id, attempt)


@listeners.submission(DecisionCallback.REASON.value, form=ReasonForm, meta=ReasonMeta)
def reason_submitted(req: Submitted[ReasonForm, ReasonMeta]) -> Reply:
    reason, outcome = req.answers.reason, req.ids.outcome
    attempt = decide(
        req.session,
        req.calendar,
        req.now,
        req.runtime.cipher,
        req.ids.case,
        outcome,
        actor=req.actor,
        reason=reason,
    )
    return _reasoned(req, attempt)


@listeners.action(*NOTICE_ACTIONS, access=Access(case=CaseFrom.VALUE, member=False))
def notice_button(req: Request[BlockAction]) -> str | None:
    audience = NOTICE_ACTIONS[req.payload.action.action_id]
    return _opened(req, notice_opener(req.session, req.case, req.actor, req.today, audience))


@listeners.submission(
    DecisionCallback.NOTICE.value, form=NoticeForm, meta=NoticeMeta, context=_today
)
def notice_submitted(req: Submitted[NoticeForm, NoticeMeta]) -> None:
    form, case_id = req.answers, req.ids.case
    record_notice(
        req.session,
        req.calendar,
        req.now,
        case_id,
        req.ids.audience,
        notified_on=form.notified_on,
        notified_by=form.notified_by,
        actor=req.actor,
    )
    req.enqueue(Job.DECISION_NOTICE, case_id=case_id)


@listeners.command(
    "review directed",
    "/scr review directed",
    "record a review directed by the Secretary of State or requested by OFSTED",
    access=Access(case=CaseFrom.CHANNEL, member=False),
    audience=frozenset({Audience.BUSINESS_UNIT}),
)
def directed_command(req: Request[SlashCommand]) -> str | None:
    if Role.ADMIN not in roles_of(req.session, req.actor):
        return BUSINESS_UNIT_DIRECTS
    return _opened(req, direction_modal(req.case.reference, req.case.id, req.today))


@listeners.submission(
    DecisionCallback.DIRECTED.value, form=DirectionForm, meta=CaseMeta, context=_today
)
def directed_submitted(req: Submitted[DirectionForm, CaseMeta]) -> None:
    case_id = req.ids.case
    direct_review(req.session, req.calendar, req.now, case_id, req.answers, actor=req.actor)
    req.enqueue(Job.DECISION_SHOWN, case_id=case_id)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
