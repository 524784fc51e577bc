"""`/scr <subcommand>`: one listener, and a table of subcommands that modules add to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.handlers.payloads import SlashCommand
from bot.process.registry import get_process, process_keys
from bot.runtime import Runtime
from bot.services.cases.access import command_audiences
from bot.services.cases.schema import EVERYONE, Audience
from bot.views.cases import HelpLine, help_text


@dataclass(frozen=True)
class CommandContext:
    runtime: Runtime
    command: SlashCommand
    args: list[str]
    ack: Ack
    client: WebClient
    respond: Respond


Handler = Callable[[CommandContext], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    audience: frozenset[Audience] = EVERYONE
    """Who the command is for: `/scr help` lists the caller's own first."""

    def line(self) -> HelpLine:
        return HelpLine(self.usage, self.summary, self.audience)


@dataclass
class CommandRouter:
    runtime: Runtime
    subcommands: dict[str, Subcommand] = field(default_factory=dict)

    def add(
        self,
        name: str,
        usage: str,
        summary: str,
        handler: Handler,
        audience: frozenset[Audience] = EVERYONE,
    ) -> None:
        if name in self.subcommands:
            raise ValueError(f"/scr {name} is registered twice")
        self.subcommands[name] = Subcommand(name, usage, summary, handler, audience)

    def help(self, user_id: str) -> str:
        """The commands, those ``user_id`` may use first, then the others."""
        caller = command_audiences(self.runtime.db, user_id)
        lines = [s.line() for s in self.subcommands.values()]
        default = self.runtime.process_key
        others = [key for key in process_keys() if key != default]
        return help_text(
            [line for line in lines if line.audience & caller],
            [line for line in lines if not line.audience & caller],
            processes=[get_process(key).title for key in (default, *others)],
        )

    def dispatch(self, body: dict[str, Any], ack: Ack, client: WebClient, respond: Respond) -> None:
        command = SlashCommand.model_validate(body)
        words = [w.lower() for w in command.words[:2]] or ["help"]
        for size in (2, 1):
            sub = self.subcommands.get(" ".join(words[:size]))
            if sub is not None and len(words) >= size:
                args = command.words[size:]
                sub.handler(CommandContext(self.runtime, command, args, ack, client, respond))
                return
        ack(
            text=f"I don't know `/scr {command.text.strip()}`.\n\n" + self.help(command.user_id),
            response_type="ephemeral",
        )


def register(app: App, router: CommandRouter) -> None:
    router.add("help", "/scr help", "what the bot can do", _help(router))
    app.command("/scr")(router.dispatch)


def _help(router: CommandRouter) -> Handler:
    def handle(ctx: CommandContext) -> None:
        ctx.ack(text=router.help(ctx.command.user_id), response_type="ephemeral")

    return handle
