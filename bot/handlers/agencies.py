"""`/scr agencies`: who is in the partnership."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers.adapter import Listeners, Request
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import SlashCommand
from bot.runtime import Runtime
from bot.services.partnership import partnership_rows
from bot.services.refusal import RefusedError
from bot.views.partnership import agencies_text

PARTNERS_ONLY = "Only members of the partnership can see this."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners = Listeners(app, runtime, router)

    @listeners.command("agencies", "/scr agencies", "list the partnership's agencies")
    def list_agencies(req: Request[SlashCommand]) -> str:
        rows = partnership_rows(req.session, req.actor)
        if rows is None:
            raise RefusedError(PARTNERS_ONLY)
        return agencies_text(rows)
