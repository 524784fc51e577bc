"""`/scr panel ...` and the panel's modal submissions: ack (inline errors, nothing stored
from an invalid answer), store through the panel services, then send what follows."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.calendar.invites import new_uid
from bot.flows.panel import PanelFlow
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.panel_open import (
    case_id_for_channel,
    core_agencies,
    open_change,
    open_find,
    open_held,
    open_schedule,
)
from bot.handlers.panel_submissions import (
    PanelMetadata,
    metadata_of,
    panel_context,
    submit_declaration,
    submit_held,
)
from bot.handlers.payloads import ViewSubmission
from bot.ids import PanelBlock, PanelCallback
from bot.runtime import Runtime
from bot.services.panel import (
    NOT_THE_ORGANISER,
    PanelRefusedError,
    active_meeting,
    load_meeting,
    missing_core_agencies,
    panel_deadline,
    schedule,
)
from bot.services.panel_changes import change
from bot.services.panel_form import FindPlan, SchedulePlan, parse_find, parse_schedule
from bot.services.panel_invites import uid_domain
from bot.services.panel_slots import propose
from bot.views.panel_announcements import cancel_prompt
from storage.models import Case

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "panel schedule", "/scr panel schedule", "schedule the Initial Panel", _schedule(runtime)
    )
    router.add(
        "panel find", "/scr panel find", "propose times for the Initial Panel", _find(runtime)
    )
    router.add(
        "panel change",
        "/scr panel change",
        "change the Initial Panel (organiser)",
        _change(runtime),
    )
    router.add("panel held", "/scr panel held", "mark the Initial Panel held", _held(runtime))
    router.add(
        "panel cancel",
        "/scr panel cancel",
        "cancel the Initial Panel (organiser)",
        _cancel(runtime),
    )
    app.view(PanelCallback.SCHEDULE.value)(_submit_schedule(runtime))
    app.view(PanelCallback.FIND.value)(_submit_find(runtime))
    app.view(PanelCallback.HELD.value)(submit_held(runtime))
    app.view(PanelCallback.DECLARE.value)(submit_declaration(runtime))


def _opener(runtime: Runtime, open_: Any, *, by_meeting: bool) -> Handler:
    def handle(ctx: CommandContext) -> None:
        command = ctx.command
        case_id = case_id_for_channel(runtime, command.channel_id)
        target: int | None = case_id
        if by_meeting and case_id is not None:
            with runtime.db.session() as session:
                meeting = active_meeting(session, case_id)
                target = None if meeting is None else meeting.id
        key = "meeting_id" if by_meeting else "case_id"
        ctx.ack()
        refusal = open_(
            runtime,
            ctx.client,
            user=command.user_id,
            trigger_id=command.trigger_id,
            **{key: target},
        )
        if refusal is not None:
            ctx.respond(text=refusal, response_type="ephemeral")

    return handle


def _schedule(runtime: Runtime) -> Handler:
    return _opener(runtime, open_schedule, by_meeting=False)


def _find(runtime: Runtime) -> Handler:
    return _opener(runtime, open_find, by_meeting=False)


def _change(runtime: Runtime) -> Handler:
    return _opener(runtime, open_change, by_meeting=True)


def _held(runtime: Runtime) -> Handler:
    return _opener(runtime, open_held, by_meeting=True)


def _cancel(runtime: Runtime) -> Handler:
    """Offers the cancel button (with Slack's confirmation); the click does the cancelling."""

    def handle(ctx: CommandContext) -> None:
        ctx.ack()
        user = ctx.command.user_id
        case_id = case_id_for_channel(runtime, ctx.command.channel_id)
        with runtime.db.session() as session:
            meeting = active_meeting(session, case_id) if case_id is not None else None
            case = session.get(Case, case_id) if case_id is not None else None
            if meeting is None or case is None:
                text = "There is no Initial Panel to cancel here."
                ctx.respond(text=text, response_type="ephemeral")
                return
            if meeting.organiser != user:
                refusal = NOT_THE_ORGANISER.format(who=f"<@{meeting.organiser}>")
                ctx.respond(text=refusal, response_type="ephemeral")
                return
            prompt = cancel_prompt(case.reference, meeting.id, meeting.start_at)
        ctx.respond(
            text=prompt.text,
            blocks=[b.to_dict() for b in prompt.blocks],
            response_type="ephemeral",
        )

    return handle


def _representation_error(missing: list[str]) -> str:
    names = " or ".join(missing) if len(missing) <= 2 else ", ".join(missing)
    return (
        f"Nobody on the panel acts for {names}, which is involved in this case. Add someone, "
        "or tick “Go ahead” below."
    )


def _store(
    runtime: Runtime,
    meta: PanelMetadata,
    user: str,
    view_id: str,
    values: dict[str, Any],
    *,
    find: bool,
) -> int | dict[str, str]:
    """Validate and store in one transaction; returns the meeting id or inline errors."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        case = session.get(Case, meta.case)
        if case is None:
            return {PanelBlock.MEMBERS.value: "That case no longer exists."}
        deadline = panel_deadline(session, case)
        plan: SchedulePlan | FindPlan | dict[str, str] = (
            parse_find(values, now=now, deadline=deadline)
            if find
            else parse_schedule(values, now=now, deadline=deadline)
        )
        if isinstance(plan, dict):
            return plan
        missing = missing_core_agencies(session, case, plan.people.everyone, core_agencies(runtime))
        if missing and not plan.go_ahead:
            return {PanelBlock.MEMBERS.value: _representation_error(missing)}
        ctx = panel_context(runtime, session)
        uid = new_uid(uid_domain(runtime.settings.smtp_from))
        try:
            if isinstance(plan, FindPlan):
                return propose(ctx, case, plan, actor=user, view_id=view_id, uid=uid)
            if meta.meeting is None:
                return schedule(ctx, case, plan, actor=user, view_id=view_id, uid=uid)
            meeting = load_meeting(session, meta.meeting)
            if meeting.case_id != case.id:
                return {PanelBlock.MEMBERS.value: "That panel belongs to another case."}
            return change(ctx, meeting, plan, actor=user, view_id=view_id).meeting_id
        except PanelRefusedError as exc:
            session.rollback()
            return {PanelBlock.DATE.value if not find else PanelBlock.MEMBERS.value: str(exc)}


def _submit(runtime: Runtime, *, find: bool) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = metadata_of(payload)
        if meta is None:
            ack(response_action="errors", errors={PanelBlock.MEMBERS.value: "Please start again."})
            return
        try:
            outcome = _store(
                runtime, meta, payload.user.id, payload.view.id, payload.values(), find=find
            )
        except IntegrityError:
            ack()
            return
        if isinstance(outcome, dict):
            ack(response_action="errors", errors=outcome)
            return
        ack()
        PanelFlow(runtime, client).send(outcome)

    return handle


def _submit_schedule(runtime: Runtime) -> Any:
    return _submit(runtime, find=False)


def _submit_find(runtime: Runtime) -> Any:
    return _submit(runtime, find=True)
