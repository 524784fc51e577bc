"""The panel's recommendation (`/scr recommendation`), the Chair's decision buttons and the
reason for a "not met" decision, and the business unit's record of who was told."""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.flows.card_refresh import refresh_card
from bot.flows.decision import refresh_notices, send_decision_request, show_decision
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import DecisionAction, DecisionBlock, DecisionCallback
from bot.process.bolton import DECISION_AUDIENCES
from bot.runtime import Runtime
from bot.services.decision import (
    NOT_THE_CHAIR,
    Attempt,
    DecisionAttempt,
    Outcome,
    RecommendationForm,
    check_chair,
    decide,
    may_recommend,
    record_recommendation,
)
from bot.services.decision_notices import record_notice
from bot.services.engine import TaskRefusedError
from bot.services.identifying import case_identifiers, naming_fields
from bot.services.partnership import Role, roles_of
from bot.services.review_forms import form_errors
from bot.views.decision import (
    already_decided,
    notice_modal,
    reason_modal,
    recommendation_modal,
)
from bot.views.forms import info_view
from storage.models import Case

NOT_READY = "This case is not waiting for the Chair's decision."
OUTCOMES = {
    DecisionAction.APPROVE.value: Outcome.SCR,
    DecisionAction.AUDIT.value: Outcome.AUDIT,
    DecisionAction.MANAGEMENT_REVIEWS.value: Outcome.MANAGEMENT_REVIEWS,
}


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "recommendation",
        "/scr recommendation",
        "record the Initial Panel's recommendation (CPU or panel chair, in the case channel)",
        common.command(runtime, partial(recommendation_opener, runtime)),
    )
    opener = partial(recommendation_opener, runtime)
    app.action(DecisionAction.OPEN_RECOMMENDATION.value)(common.button(runtime, opener))
    app.view(DecisionCallback.RECOMMENDATION.value)(_submit_recommendation(runtime))
    for action_id in OUTCOMES:
        app.action(action_id)(_decision_clicked(runtime))
    app.view(DecisionCallback.REASON.value)(_submit_reason(runtime))
    app.action(re.compile(f"^{DecisionAction.RECORD_NOTICE.value}_"))(_open_notice(runtime))
    app.view(DecisionCallback.NOTICE.value)(_submit_notice(runtime))


def recommendation_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if not may_recommend(session, case.id, user):
        return "Only the CPU or the panel chair can record the panel's recommendation."
    return recommendation_modal(case.reference, case.id)


def notice_opener(
    session: Session, case: Case, user: str, today: date, audience: str
) -> View | str:
    if audience not in DECISION_AUDIENCES:
        return NOT_READY
    if Role.ADMIN not in roles_of(session, user):
        return "The Board business unit records who was told."
    title = DECISION_AUDIENCES[audience]
    return notice_modal(case.reference, title, today, user, f"{case.id}:{audience}")


def _submit_recommendation(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.values()
        try:
            form = RecommendationForm.model_validate(
                {
                    "criteria_met": values.get(DecisionBlock.CRITERIA_MET.value),
                    "criteria": values.get(DecisionBlock.CRITERIA.value) or [],
                    "rationale": values.get(DecisionBlock.RATIONALE.value) or "",
                }
            )
        except ValidationError as exc:
            ack(response_action="errors", errors=form_errors(exc))
            return
        now = runtime.clock.now()
        with runtime.db.session() as session:
            naming = naming_fields(
                {DecisionBlock.RATIONALE.value: form.rationale},
                case_identifiers(session, runtime.cipher, case_id),
            )
            if naming:
                ack(response_action="errors", errors=naming)
                return
            refusal = record_recommendation(
                session,
                runtime.working_calendar(),
                now,
                runtime.cipher,
                case_id,
                form,
                actor=payload.user.id,
            )
        if refusal:
            ack(response_action="errors", errors={DecisionBlock.RATIONALE.value: refusal})
            return
        ack()
        send_decision_request(runtime, client, case_id)

    return handle


def _answer(
    runtime: Runtime, client: WebClient, respond: Respond, case_id: int, attempt: DecisionAttempt
) -> None:
    if attempt.result is Attempt.REFUSED:
        respond(text=NOT_THE_CHAIR, replace_original=False)
    elif attempt.result is Attempt.NOT_READY:
        respond(text=NOT_READY, replace_original=False)
    elif attempt.result is Attempt.ALREADY and attempt.decision is not None:
        made = attempt.decision
        text = already_decided(attempt.reference, made.outcome, made.decided_by, made.decided_at)
        respond(text=text, replace_original=False)
        show_decision(runtime, client, case_id)
    elif attempt.result is Attempt.DECIDED:
        show_decision(runtime, client, case_id)


def _decision_clicked(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        outcome = OUTCOMES[payload.action.action_id]
        value = payload.action.value or ""
        if not value.isdigit():
            respond(text=NOT_READY, replace_original=False)
            return
        case_id, user, now = int(value), payload.user.id, runtime.clock.now()
        with runtime.db.session() as session:
            if outcome is Outcome.SCR:
                attempt = decide(
                    session,
                    runtime.working_calendar(),
                    now,
                    runtime.cipher,
                    case_id,
                    outcome,
                    actor=user,
                )
            else:
                attempt = check_chair(session, case_id, user, now)
        if attempt.result is Attempt.ALLOWED:
            view = reason_modal(attempt.reference, outcome, case_id)
            client.views_open(trigger_id=payload.trigger_id, view=view)
            return
        _answer(runtime, client, respond, case_id, attempt)

    return handle


def _submit_reason(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_text, _, outcome_text = payload.view.private_metadata.partition(":")
        case_id, outcome = int(case_text), Outcome(outcome_text)
        reason = str(payload.values().get(DecisionBlock.REASON.value) or "").strip()
        field = DecisionBlock.REASON.value
        if not reason:
            ack(response_action="errors", errors={field: "Please give the reason."})
            return
        with runtime.db.session() as session:
            naming = naming_fields(
                {field: reason}, case_identifiers(session, runtime.cipher, case_id)
            )
            if naming:
                ack(response_action="errors", errors=naming)
                return
            attempt = decide(
                session,
                runtime.working_calendar(),
                runtime.clock.now(),
                runtime.cipher,
                case_id,
                outcome,
                actor=payload.user.id,
                reason=reason,
            )
        if attempt.result is Attempt.REFUSED:
            ack(response_action="errors", errors={field: NOT_THE_CHAIR})
            return
        if attempt.result is Attempt.NOT_READY:
            ack(response_action="errors", errors={field: NOT_READY})
            return
        if attempt.result is Attempt.ALREADY and attempt.decision is not None:
            made = attempt.decision
            text = already_decided(
                attempt.reference, made.outcome, made.decided_by, made.decided_at
            )
            ack(response_action="update", view=info_view("Already decided", text).to_dict())
        else:
            ack()
        show_decision(runtime, client, case_id)

    return handle


def _open_notice(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        case_text, _, audience = (payload.action.value or "").partition(":")
        today = runtime.working_calendar().london_date(runtime.clock.now())
        with runtime.db.session() as session:
            case = session.get(Case, int(case_text)) if case_text.isdigit() else None
            view = (
                NOT_READY
                if case is None
                else notice_opener(session, case, payload.user.id, today, audience)
            )
        if isinstance(view, str):
            respond(text=view, replace_original=False)
            return
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _submit_notice(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_text, _, audience = payload.view.private_metadata.partition(":")
        case_id = int(case_text)
        values = payload.values()
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        on = values.get(DecisionBlock.NOTIFIED_ON.value)
        by = values.get(DecisionBlock.NOTIFIED_BY.value)
        if not on or date.fromisoformat(on) > cal.london_date(now):
            ack(
                response_action="errors",
                errors={DecisionBlock.NOTIFIED_ON.value: "Please choose a date up to today."},
            )
            return
        if not by:
            ack(
                response_action="errors", errors={DecisionBlock.NOTIFIED_BY.value: "Who told them?"}
            )
            return
        try:
            with runtime.db.session() as session:
                record_notice(
                    session,
                    cal,
                    now,
                    case_id,
                    audience,
                    notified_on=date.fromisoformat(on),
                    notified_by=str(by),
                    actor=payload.user.id,
                )
        except TaskRefusedError as exc:
            ack(response_action="errors", errors={DecisionBlock.NOTIFIED_ON.value: str(exc)})
            return
        ack()
        refresh_notices(runtime, client, case_id)
        refresh_card(runtime, client, case_id)

    return handle
