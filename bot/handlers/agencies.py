"""`/scr agencies`: who is in the partnership."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.partnership import agencies_text
from bot.handlers.router import CommandContext, CommandRouter, Handler
from bot.runtime import Runtime
from bot.services.partnership import AgencyRole, active_agencies, is_partnership_member


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add("agencies", "/scr agencies", "list the partnership's agencies", _list(runtime))


def _list(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        with runtime.db.session() as session:
            if not is_partnership_member(session, ctx.command.user_id):
                ctx.ack(
                    text="Only members of the partnership can see this.", response_type="ephemeral"
                )
                return
            rows = [
                (
                    a.name,
                    a.user_ids(AgencyRole.DESIGNATED_PERSON.value),
                    a.user_ids(AgencyRole.REVIEW_LEAD.value),
                )
                for a in active_agencies(session)
            ]
        ctx.ack(text=agencies_text(rows), response_type="ephemeral")

    return handle
