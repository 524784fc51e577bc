"""`/scr actions`: a case's action plan, and the modals that add, import, edit and close its
recommendations. Every button and modal re-reads the case and re-checks the clicker."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.flows.monitoring import context
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import BlockAction
from bot.ids import MonitoringAction
from bot.runtime import Runtime
from bot.services import audit
from bot.services import progress_returns as returns
from bot.services.action_plan import (
    NOT_ALLOWED,
    NOT_THE_BOARD,
    RecStatus,
    Source,
    may_close,
    may_manage,
    owner_of,
    plan_case,
)
from bot.services.partnership import active_agencies
from bot.services.plan_views import carried_pending, plan_lines
from bot.services.sign_off import sign_off_state
from bot.views.action_plan import (
    RecommendationValues,
    Verb,
    close_modal,
    import_modal,
    parse_manage_value,
    recommendation_modal,
)
from bot.views.plan_list import PlanView, plan_message
from bot.views.referral_modal import AgencyChoice
from storage.models import Agency, Case, Recommendation

NOT_SHOWN = (
    "I can't show that. Use `/scr actions` in the channel of a case you are in, or "
    "`/scr actions SCR-YYYY-NNN`."
)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "actions",
        "/scr actions [SCR-YYYY-NNN]",
        "the action plan and its progress returns",
        _list(runtime),
    )
    router.add(
        "actions add",
        "/scr actions add [SCR-YYYY-NNN]",
        "add a recommendation to the action plan (Board, CPU)",
        _open_command(runtime, importing=False),
    )
    router.add(
        "actions import",
        "/scr actions import [SCR-YYYY-NNN]",
        "import the action plan from a CSV file (Board, CPU)",
        _open_command(runtime, importing=True),
    )
    app.action(MonitoringAction.ADD.value)(_open_button(runtime, importing=False))
    app.action(MonitoringAction.IMPORT.value)(_open_button(runtime, importing=True))
    app.action(MonitoringAction.MANAGE.value)(_manage(runtime))
    app.action(MonitoringAction.ADD_CARRIED.value)(_add_carried(runtime))


def _plan_view(runtime: Runtime, session: Session, case: Case, user: str) -> PlanView:
    ctx = context(runtime, session)
    round_no = returns.current_round(ctx, case) if returns.in_monitoring(ctx, case) else None
    due = returns.round_due(ctx, case, round_no) if round_no is not None else None
    state = sign_off_state(ctx, case)
    return PlanView(
        case_id=case.id,
        reference=case.reference,
        lines=plan_lines(session, case, runtime.cipher),
        today=ctx.cal.london_date(ctx.now),
        round_no=round_no,
        round_due=ctx.cal.london_date(due) if due is not None else None,
        can_manage=may_manage(session, user),
        can_close=may_close(session, user),
        can_sign_off=state.allowed,
        blocker=state.blocker,
        signed_off=state.signed_off is not None,
        carried_pending=len(carried_pending(session, runtime.cipher, case)),
    )


def _list(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        reference = ctx.args[0] if ctx.args else None
        with runtime.db.session() as session:
            case = plan_case(session, user, channel_id=ctx.command.channel_id, reference=reference)
            if case is None:
                ctx.ack(text=NOT_SHOWN, response_type="ephemeral")
                return
            view = _plan_view(runtime, session, case, user)
            audit.record(
                session,
                at=runtime.clock.now(),
                actor=user,
                action="action_plan.viewed",
                case_id=case.id,
            )
        ctx.ack()
        message = plan_message(view)
        ctx.respond(text=message.text, blocks=message.blocks, response_type="ephemeral")

    return handle


def _open_form(
    runtime: Runtime, client: WebClient, trigger_id: str, user: str, case_id: int, importing: bool
) -> str | None:
    """Open the add or import modal; returns a refusal instead when the user may not."""
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        if case is None or not may_manage(session, user):
            return NOT_ALLOWED
        if case.closed_at is not None:
            return f"{case.reference} is closed."
        agencies = [AgencyChoice(a.id, a.name) for a in active_agencies(session)]
        reference = case.reference
    if importing:
        view = import_modal(case_id, reference)
    else:
        view = recommendation_modal(agencies, case_id=case_id, reference=reference)
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def _open_command(runtime: Runtime, *, importing: bool) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        reference = ctx.args[0] if ctx.args else None
        with runtime.db.session() as session:
            case = plan_case(session, user, channel_id=ctx.command.channel_id, reference=reference)
            case_id = case.id if case is not None else None
        if case_id is None:
            ctx.ack(text=NOT_SHOWN, response_type="ephemeral")
            return
        ctx.ack()
        refusal = _open_form(runtime, ctx.client, ctx.command.trigger_id, user, case_id, importing)
        if refusal is not None:
            ctx.respond(text=refusal, response_type="ephemeral")

    return handle


def _open_button(runtime: Runtime, *, importing: bool) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        refusal = (
            _open_form(runtime, client, payload.trigger_id, payload.user.id, int(value), importing)
            if value.isdigit()
            else NOT_ALLOWED
        )
        if refusal is not None:
            respond(text=refusal, replace_original=False)

    return handle


def _manage(runtime: Runtime) -> Any:
    """The overflow menu on a recommendation: edit it, mark it implemented, or close it."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        chosen = parse_manage_value(str((payload.action.selected_option or {}).get("value", "")))
        with runtime.db.session() as session:
            view = _manage_view(runtime, session, payload.user.id, chosen)
        if isinstance(view, str):
            respond(text=view, replace_original=False)
            return
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _manage_view(
    runtime: Runtime, session: Session, user: str, chosen: tuple[Verb, int] | None
) -> View | str:
    """The modal for the chosen option, or why the user cannot have it."""
    rec = session.get(Recommendation, chosen[1]) if chosen else None
    case = session.get(Case, rec.case_id) if rec is not None else None
    if chosen is None or rec is None or case is None:
        return NOT_ALLOWED
    verb = chosen[0]
    if verb == Verb.EDIT:
        if not may_manage(session, user):
            return NOT_ALLOWED
        values = RecommendationValues(
            rec.number,
            rec.agency_id,
            runtime.cipher.decrypt_text(rec.action),
            owner_of(session, rec),
            rec.target_date,
            runtime.cipher.decrypt_text(rec.expected_outcome),
            rec.source,
        )
        agencies = [AgencyChoice(a.id, a.name) for a in active_agencies(session)]
        audit.record(
            session,
            at=runtime.clock.now(),
            actor=user,
            action="recommendation.form_opened",
            case_id=case.id,
            recommendation_id=rec.id,
        )
        return recommendation_modal(
            agencies, case_id=case.id, reference=case.reference, rec_id=rec.id, values=values
        )
    if not may_close(session, user):
        return NOT_THE_BOARD
    if rec.status != RecStatus.OPEN:
        return f"Recommendation {rec.number} is closed already."
    agency = session.get(Agency, rec.agency_id)
    name = agency.name if agency is not None else "?"
    return close_modal(rec.id, case.reference, rec.number, name, verb)


def _add_carried(runtime: Runtime) -> Any:
    """The recommendation form, filled in from the next management review recommendation not
    yet in the plan; the owner (a "by whom" in the review) is chosen here."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        with runtime.db.session() as session:
            case = session.get(Case, int(value)) if value.isdigit() else None
            if case is None or not may_manage(session, payload.user.id):
                respond(text=NOT_ALLOWED, replace_original=False)
                return
            pending = carried_pending(session, runtime.cipher, case)
            if not pending:
                respond(text="Every management review recommendation is in the plan.")
                return
            first = pending[0]
            carried = first.recommendation
            values = RecommendationValues(
                first.number,
                carried.agency_id,
                carried.action,
                None,
                carried.target_date,
                carried.expected_outcome,
                Source.MANAGEMENT_REVIEW.value,
            )
            agencies = [AgencyChoice(a.id, a.name) for a in active_agencies(session)]
            view = recommendation_modal(
                agencies, case_id=case.id, reference=case.reference, values=values
            )
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle
