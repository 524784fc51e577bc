"""The first month's listeners: `/scr agency add|remove`, the case card's and the DMs'
buttons, and the short forms that complete a task."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.agency_welcome import welcome_agency
from bot.flows.first_month import after_change, announce
from bot.handlers.chronology import CHRONOLOGY_TASKS, open_form
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.handlers.view_meta import Meta, first_input, tell
from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.runtime import Runtime
from bot.services import first_month as forms
from bot.services.agencies_on_case import (
    CASE_CHANNEL_ONLY,
    NOT_A_MANAGER,
    AgencyChange,
    AgencyChangeRefusedError,
    addable_agencies,
    case_in_channel,
    clicked_case,
    involve_agency,
    involved_agency_rows,
    lock_case,
    match_agency,
    may_manage_agencies,
    own_task,
    withdraw_agency,
)
from bot.services.engine import EngineContext
from bot.services.partnership import active_agencies
from bot.views.first_month import (
    Choice,
    agency_added_text,
    agency_removed_text,
    task_recorded_text,
)
from bot.views.first_month_forms import agency_modal, nothing_to_choose, task_modal


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "agency add",
        "/scr agency add <agency>",
        "involve an agency in this case (CPU, Board admins; in the case channel)",
        _agency_command(runtime, removing=False),
    )
    router.add(
        "agency remove",
        "/scr agency remove <agency> <reason>",
        "end an agency's involvement; its tasks close (CPU, Board admins)",
        _agency_command(runtime, removing=True),
    )
    app.action(FirstMonthAction.AGENCY_ADD.value)(_open_agency_modal(runtime, removing=False))
    app.action(FirstMonthAction.AGENCY_REMOVE.value)(_open_agency_modal(runtime, removing=True))
    app.view(FirstMonthCallback.AGENCY_ADD.value)(_submit_agency(runtime, removing=False))
    app.view(FirstMonthCallback.AGENCY_REMOVE.value)(_submit_agency(runtime, removing=True))
    for action in (
        FirstMonthAction.TASK,
        FirstMonthAction.CP_PLAN,
        FirstMonthAction.OTHER_CHILDREN,
        FirstMonthAction.ORGANISATIONS,
        FirstMonthAction.CHAIR_INFORMED,
    ):
        app.action(action.value)(_open_task(runtime, None))
    app.action(FirstMonthAction.DP_NOTIFIED.value)(_open_task(runtime, "dp_notified"))
    app.action(FirstMonthAction.RECORDS_SECURED.value)(_open_task(runtime, "records_secured"))
    app.view(FirstMonthCallback.TASK_FORM.value)(_submit_task(runtime))


def _context(runtime: Runtime, session: Any) -> EngineContext:
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


# Involved agencies ----------------------------------------------------------------------


def _change_agency(
    runtime: Runtime, user: str, case_id: int, agency_id: int, reason: str | None
) -> AgencyChange:
    with runtime.db.session() as session:
        case = lock_case(session, case_id)
        ctx = _context(runtime, session)
        if reason is None:
            return involve_agency(ctx, case, agency_id, actor=user)
        return withdraw_agency(
            ctx, case, agency_id, actor=user, reason=reason, cipher=runtime.cipher
        )


def _after_agency_change(
    runtime: Runtime, client: WebClient, change: AgencyChange, user: str, *, removing: bool
) -> None:
    if removing:
        announce(
            runtime,
            client,
            change.case_id,
            agency_removed_text(change.reference, change.agency_name, user),
        )
        after_change(runtime, client, change.case_id, None)
        return
    text = agency_added_text(change.reference, change.agency_name, user, change.new_members)
    welcome_agency(runtime, client, change, None if change.already else text)


def _agency_command(runtime: Runtime, *, removing: bool) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        with runtime.db.session() as session:
            case = case_in_channel(session, ctx.command.channel_id, user)
            if case is None:
                ctx.ack(text=CASE_CHANNEL_ONLY, response_type="ephemeral")
                return
            if not may_manage_agencies(session, user):
                ctx.ack(text=NOT_A_MANAGER, response_type="ephemeral")
                return
            candidates = (
                involved_agency_rows(session, case.id) if removing else active_agencies(session)
            )
            case_id = case.id
        try:
            agency, rest = match_agency(candidates, ctx.args)
            reason = " ".join(rest) if removing else None
            if removing and not reason:
                raise AgencyChangeRefusedError("Please give a reason after the agency's name.")
            change = _change_agency(runtime, user, case_id, agency.id, reason)
        except AgencyChangeRefusedError as exc:
            ctx.ack(text=str(exc), response_type="ephemeral")
            return
        ctx.ack(
            text=f"{change.agency_name}: "
            + ("removed." if removing else "already involved." if change.already else "added."),
            response_type="ephemeral",
        )
        _after_agency_change(runtime, ctx.client, change, user, removing=removing)

    return handle


def _open_agency_modal(runtime: Runtime, *, removing: bool) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        user = payload.user.id
        with runtime.db.session() as session:
            case = clicked_case(session, payload.action.value, user)
            if case is None or not may_manage_agencies(session, user):
                tell(body, respond, client, user, NOT_A_MANAGER)
                return
            rows = (
                involved_agency_rows(session, case.id)
                if removing
                else addable_agencies(session, case.id)
            )
            choices = [
                Choice(a.id, a.name)
                for a in rows
                if not (removing and a.id == case.referring_agency_id)
            ]
            case_id, reference = case.id, case.reference
        if not choices:
            view = nothing_to_choose(
                "Agencies", f"{reference}: there is no agency to {'remove' if removing else 'add'}."
            )
        else:
            view = agency_modal(
                case_id=case_id, reference=reference, choices=choices, removing=removing
            )
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _submit_agency(runtime: Runtime, *, removing: bool) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        user = payload.user.id
        meta = Meta.parse(payload.view.private_metadata)
        values = payload.values()
        agency = str(values.get(B.AGENCY.value) or "")
        reason = str(values.get(B.REASON.value) or "") if removing else None
        if meta.case is None or not agency.isdigit():
            ack(response_action="errors", errors={B.AGENCY.value: "Choose an agency."})
            return
        try:
            change = _change_agency(runtime, user, meta.case, int(agency), reason)
        except AgencyChangeRefusedError as exc:
            field = B.REASON.value if exc.about_reason else B.AGENCY.value
            ack(response_action="errors", errors={field: str(exc)})
            return
        ack()
        _after_agency_change(runtime, client, change, user, removing=removing)

    return handle


# Task forms -----------------------------------------------------------------------------


def _open_task(runtime: Runtime, kind: str | None) -> Any:
    """``kind`` None: the button's value is the task id. Otherwise it is the case id, and
    the task is the clicker's own agency's task of that kind."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        user = payload.user.id
        value = payload.action.value or ""
        with runtime.db.session() as session:
            if kind is None:
                task_id = int(value) if value.isdigit() else None
            else:
                task_id = own_task(session, value, user, kind)
            target = forms.task_target(session, task_id) if task_id is not None else None
            outcome = (
                forms.form_for(session, task_id, user)
                if task_id is not None
                else forms.FormOutcome(refusal=forms.NOT_YOURS)
            )
        if target is not None and target.kind in CHRONOLOGY_TASKS:
            refusal = open_form(
                runtime,
                client,
                trigger_id=payload.trigger_id,
                user=user,
                case_value=str(target.case_id),
                which=CHRONOLOGY_TASKS[target.kind],
                agency_id=target.agency_id,
            )
        elif outcome.refusal is None and outcome.view is not None:
            today = runtime.working_calendar().london_date(runtime.clock.now())
            client.views_open(trigger_id=payload.trigger_id, view=task_modal(outcome.view, today))
            refusal = None
        else:
            refusal = outcome.refusal or forms.NOT_YOURS
        if refusal is not None:
            tell(body, respond, client, user, refusal)

    return handle


def _submit_task(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        user = payload.user.id
        meta = Meta.parse(payload.view.private_metadata)
        if meta.task is None:
            ack(response_action="errors", errors={first_input(payload): forms.NOT_YOURS})
            return
        outcome = forms.complete_with_form(
            runtime.db,
            cal=runtime.working_calendar(),
            now=runtime.clock.now(),
            cipher=runtime.cipher,
            task_id=meta.task,
            actor=user,
            values=payload.values(),
        )
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
            return
        if outcome.refusal is not None or outcome.view is None:
            ack(
                response_action="errors",
                errors={first_input(payload): outcome.refusal or forms.NOT_YOURS},
            )
            return
        view = outcome.view
        if not outcome.changed:
            ack(
                response_action="update",
                view=nothing_to_choose("Already recorded", forms.already_text(view)).to_dict(),
            )
            return
        ack()
        announce(runtime, client, view.case_id, task_recorded_text(view, user))
        after_change(runtime, client, view.case_id, view.agency_id)

    return handle
