"""People leaving: Slack's `user_change` event for a deactivated (or reactivated) account,
and `/scr owner left`, with which the Board business unit says that someone has left or
been replaced. Either way their open recommendations go to their agency's review lead."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.flows.monitoring import context, tell_reassigned, user_has_left
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import ViewSubmission
from bot.ids import MonitoringBlock as B
from bot.ids import MonitoringCallback
from bot.runtime import Runtime
from bot.services import owner_changes as departures
from bot.services.action_plan import may_close
from bot.services.owner_changes import LeftVia
from bot.views.action_plan import notice_view, owner_left_modal

ONLY_THE_BOARD = "Only the Board (its business unit or Chair) can reassign someone's work."


class SlackUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    deleted: bool = False
    is_bot: bool = False


class UserChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: SlackUser


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "owner left",
        "/scr owner left",
        "someone has left: hand their recommendations to their agency (Board)",
        _open(runtime),
    )
    app.view(MonitoringCallback.OWNER_LEFT.value)(_submit(runtime))
    app.event("user_change")(_user_changed(runtime))


def _user_changed(runtime: Runtime) -> Any:
    def handle(event: dict[str, Any], client: WebClient) -> None:
        change = UserChange.model_validate(event)
        if change.user.is_bot:
            return
        if change.user.deleted:
            user_has_left(runtime, client, change.user.id, via=LeftVia.SLACK, actor="slack")
            return
        with runtime.db.session() as session:
            departures.record_return(
                session, change.user.id, actor="slack", now=runtime.clock.now()
            )

    return handle


def _open(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        with runtime.db.session() as session:
            allowed = may_close(session, ctx.command.user_id)
        if not allowed:
            ctx.ack(text=ONLY_THE_BOARD, response_type="ephemeral")
            return
        ctx.ack()
        ctx.client.views_open(trigger_id=ctx.command.trigger_id, view=owner_left_modal())

    return handle


def _submit(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        actor = payload.user.id
        person = str(payload.values().get(B.LEFT_USER.value) or "")
        with runtime.db.session() as session:
            if not may_close(session, actor):
                ack(response_action="errors", errors={B.LEFT_USER.value: ONLY_THE_BOARD})
                return
            if person == actor or not person:
                ack(response_action="errors", errors={B.LEFT_USER.value: "Choose someone else."})
                return
            departures.record_departure(
                session, person, via=LeftVia.ADMIN, actor=actor, now=runtime.clock.now()
            )
            moved = departures.reassign_from(context(runtime, session), person, actor=actor)
        text = (
            f"{len(moved)} open recommendation{'s' if len(moved) != 1 else ''} of <@{person}> "
            "moved to their agency; the new owners are told. The bot sends them nothing more."
        )
        ack(response_action="update", view=notice_view("Someone has left", text).to_dict())
        tell_reassigned(runtime, client, moved)

    return handle
