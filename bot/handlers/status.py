"""`/scr status [SCR-YYYY-NNN]`: where a case stands, for its members only."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.runtime import Runtime
from bot.services import audit
from bot.services.cases import case_by_channel
from bot.services.my_tasks import case_status, visible_case
from bot.views.status import NOT_SHOWN, WHERE, status_blocks, status_text


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "status",
        "/scr status [SCR-YYYY-NNN]",
        "stage, next deadlines and open tasks of a case you are in",
        _status(runtime),
    )


def _status(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        reference = ctx.args[0] if ctx.args else None
        cal = runtime.working_calendar()
        now = runtime.clock.now()
        with runtime.db.session() as session:
            case = visible_case(
                session, user, channel_id=ctx.command.channel_id, reference=reference
            )
            if case is None:
                in_case_channel = case_by_channel(session, ctx.command.channel_id) is not None
                refusal = NOT_SHOWN if reference or in_case_channel else WHERE
                ctx.ack(text=refusal, response_type="ephemeral")
                return
            status = case_status(session, case, now, cal)
            audit.record(session, at=now, actor=user, action="case.status_viewed", case_id=case.id)
        ctx.ack(text=status_text(status), blocks=status_blocks(status), response_type="ephemeral")

    return handle
