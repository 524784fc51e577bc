"""`/scr refer` and the referral modal's submission."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows.case_setup import CaseSetup
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import ViewSubmission
from bot.ids import Callback, ReferralBlock
from bot.runtime import Runtime
from bot.services.case_card import card_builder
from bot.services.cases import ReferralRefusedError, open_case
from bot.services.partnership import (
    Role,
    active_agencies,
    agencies_of,
    is_partnership_member,
    roles_of,
)
from bot.services.referral_form import ReferralSubmission, field_errors
from bot.views.format import LONDON
from bot.views.referral_modal import AgencyChoice, referral_modal, referral_received

log = logging.getLogger(__name__)

NOT_A_MEMBER = (
    "Only members of the safeguarding partnership can refer a case. If you should be able "
    "to, ask the Board business unit to add you to the partnership configuration."
)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add("refer", "/scr refer", "refer a case for a Serious Case Review", _open(runtime))
    app.view(Callback.REFERRAL.value)(_submit(runtime))


def _allowed_agency_ids(runtime: Runtime, user_id: str) -> set[int] | None:
    """None means any agency (CPU and Board admins refer on anyone's behalf)."""
    with runtime.db.session() as session:
        if roles_of(session, user_id) & {Role.CPU, Role.ADMIN, Role.BOARD_CHAIR}:
            return None
        return {a.id for a in agencies_of(session, user_id)}


def _open(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        with runtime.db.session() as session:
            member = is_partnership_member(session, user)
            agencies = [AgencyChoice(a.id, a.name) for a in active_agencies(session)]
            own = [a.id for a in agencies_of(session, user)]
        if not member:
            ctx.ack(text=NOT_A_MEMBER, response_type="ephemeral")
            return
        ctx.ack()
        allowed = _allowed_agency_ids(runtime, user)
        choices = [a for a in agencies if allowed is None or a.id in allowed]
        today = runtime.clock.now().astimezone(LONDON).date()
        view = referral_modal(choices, today=today, default_agency=own[0] if own else None)
        ctx.client.views_open(trigger_id=ctx.command.trigger_id, view=view)

    return handle


def _submit(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        user = payload.user.id
        values = payload.answered()
        today = runtime.clock.now().astimezone(LONDON).date()
        try:
            submission = ReferralSubmission.model_validate(values, context={"today": today})
        except ValidationError as exc:
            ack(response_action="errors", errors=field_errors(exc))
            return
        allowed = _allowed_agency_ids(runtime, user)
        with runtime.db.session() as session:
            member = is_partnership_member(session, user)
        if not member:
            ack(response_action="errors", errors={ReferralBlock.AGENCY.value: NOT_A_MEMBER})
            return
        if allowed is not None and submission.referring_agency not in allowed:
            ack(
                response_action="errors",
                errors={ReferralBlock.AGENCY.value: "You can refer on behalf of your own agency."},
            )
            return
        try:
            opened = open_case(
                runtime.db,
                submission,
                actor=user,
                view_id=payload.view.id,
                now=runtime.clock.now(),
                cipher=runtime.cipher,
                process_key=runtime.process_key,
                cal=runtime.working_calendar(),
            )
        except ReferralRefusedError as exc:
            ack(response_action="errors", errors={ReferralBlock.AGENCY.value: str(exc)})
            return
        ack(response_action="update", view=referral_received(opened.reference).to_dict())
        if opened.created:
            log.info("case %s referred", opened.reference)
        CaseSetup(runtime.db, client, runtime.clock, card_builder(runtime)).run(opened.case_id)

    return handle
