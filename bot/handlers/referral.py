"""`/scr refer` and the referral modal, `/scr status`, `/scr agencies`."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import App

from bot.flows import cases as case_flows
from bot.flows.referral_details import details_url, send_link
from bot.handlers.adapter import Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import Action, Callback, ReferralBlock
from bot.runtime import Runtime
from bot.services.cases import audit, guard
from bot.services.cases.access import case_to_show, partnership_rows
from bot.services.cases.schema import Audience
from bot.services.referral.opening import (
    check_referral,
    chosen_process,
    receive_referral,
    referral_choices,
    waiting_referrals,
)
from bot.services.referral.pending import start_referral
from bot.services.referral.schema import validated_first_part, validated_referral
from bot.services.refusal import RefusedError
from bot.services.reminders.my_tasks import case_status
from bot.views.cases import agencies_text, status_blocks, status_text
from bot.views.referral import (
    details_wanted_view,
    referral_first_part_modal,
    referral_modal,
    referral_received,
    referrals_waiting,
)

log = logging.getLogger(__name__)

PARTNERS_ONLY = "Only members of the partnership can see this."


class MemberJoined(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: str
    channel: str
    inviter: str | None = None


class RenamedChannel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str


class GroupRenamed(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: RenamedChannel


listeners = Listeners()


@listeners.command(
    "refer",
    "/scr refer",
    "refer a case for a review",
    audience=frozenset({Audience.AGENCY, Audience.CPU}),
    reads=True,
)
def open_referral(req: Request[SlashCommand]) -> None:
    choices = referral_choices(req.session, req.actor, req.runtime.process_key)
    if req.runtime.identifying_details_on_web:
        req.open_view(
            referral_first_part_modal(
                choices.agencies,
                today=req.today,
                default_agency=choices.default_agency,
                processes=choices.processes,
            )
        )
        return
    req.open_view(
        referral_modal(
            choices.agencies,
            today=req.today,
            default_agency=choices.default_agency,
            processes=choices.processes,
        )
    )


@listeners.submission(Callback.REFERRAL_FIRST_PART.value)
def refer_first_part(req: Submitted[Any, ViewMeta]) -> Reply:
    """The Slack part of a referral whose identifying details are entered on the web: a
    pending referral, and the one-time link to the form (in the modal and by DM)."""
    answers = dict(req.payload.answered())
    wanted = answers.pop(ReferralBlock.PROCESS.value, None)
    default = req.runtime.process_key
    started = start_referral(
        req.session,
        validated_first_part(answers, today=req.today),
        actor=req.actor,
        view_id=req.payload.view.id,
        now=req.now,
        cal=req.calendar,
        process_key=chosen_process(req.session, req.actor, wanted, default),
    )
    expires = req.calendar.london_date(started.expires_at)
    token = started.token
    if token is None:
        return Reply(update=details_wanted_view(None, expires))
    req.after(
        lambda: send_link(
            req.runtime, req.slack, started.pending_id, req.actor, token, started.expires_at
        )
    )
    return Reply(update=details_wanted_view(details_url(req.runtime, token), expires))


@listeners.action(Action.OPEN_DETAILS_FORM.value)
def details_link_clicked(req: Request[BlockAction]) -> None:
    """The link opens the case room in the browser; the click needs only an acknowledgement."""


@listeners.submission(Callback.REFERRAL.value)
def refer(req: Submitted[Any, ViewMeta]) -> Reply:
    answers = dict(req.payload.answered())
    wanted = answers.pop(ReferralBlock.PROCESS.value, None)
    submission = validated_referral(answers, today=req.today)
    with req.runtime.db.reading_ahead(req.session) as session:
        checked = check_referral(
            session,
            submission,
            actor=req.actor,
            view_id=req.payload.view.id,
            process_key=chosen_process(session, req.actor, wanted, req.runtime.process_key),
        )
    opened = receive_referral(
        req.session, submission, checked, now=req.now, cipher=req.runtime.cipher
    )
    return Reply(update=referral_received(None if opened is None else opened.reference))


@listeners.command(
    "status",
    "/scr status [SCR-YYYY-NNN]",
    "stage, next deadlines and open tasks of a case you are in",
)
def show_status(req: Request[SlashCommand]) -> Reply:
    reference = req.args[0] if req.args else None
    try:
        case = case_to_show(
            req.session, req.actor, channel_id=req.payload.channel_id, reference=reference
        )
    except RefusedError:
        # no case asked for nor here: a referral of theirs still waiting has none yet
        waiting = [] if reference else waiting_referrals(req.session, req.actor, req.now)
        if not waiting:
            raise
        return Reply(text=referrals_waiting(waiting))
    status = case_status(req.session, case, req.now, req.calendar)
    audit.record(
        req.session, at=req.now, actor=req.actor, action="case.status_viewed", case_id=case.id
    )
    return Reply(text=status_text(status), blocks=status_blocks(status))


@listeners.command("agencies", "/scr agencies", "list the partnership's agencies", reads=True)
def list_agencies(req: Request[SlashCommand]) -> str:
    rows = partnership_rows(req.session, req.actor)
    if rows is None:
        raise RefusedError(PARTNERS_ONLY)
    return agencies_text(rows)


@listeners.event("member_joined_channel", MemberJoined, people_only=True)
def member_joined(req: Request[MemberJoined]) -> None:
    event = req.payload
    intruder = guard.joined(req.session, event.channel, event.user, event.inviter, now=req.now)
    if intruder is not None:
        log.info("case %s: someone not on the case joined its channel", intruder.reference)
        req.after(lambda: case_flows.remove_intruder(req.slack, intruder))


@listeners.event("group_rename", GroupRenamed)
def channel_renamed(req: Request[GroupRenamed]) -> None:
    channel = req.payload.channel
    rename = guard.renamed(req.session, channel.id, channel.name, now=req.now)
    if rename is not None:
        req.after(lambda: case_flows.rename_back(req.slack, rename))


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
