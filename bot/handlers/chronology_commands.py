"""`/scr chronology export` and the card's export button (the integrated chronology to the
case channel, members only), and `/scr chronology period`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.chronology_files import export_chronology
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import BlockAction
from bot.handlers.view_meta import tell
from bot.ids import FirstMonthAction
from bot.runtime import Runtime
from bot.services.agencies_on_case import (
    CASE_CHANNEL_ONLY,
    case_in_channel,
    clicked_case,
    may_manage_agencies,
)
from bot.services.cases import case_by_reference, is_case_member
from bot.services.chronology import parse_day_first
from bot.services.chronology_store import SubmissionRefusedError, set_review_period

PERIOD_SETTERS = "Only the CPU or the Board business unit can set the period under review."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add(
        "chronology export",
        "/scr chronology export [SCR-YYYY-NNN]",
        "upload the integrated chronology (CSV and Word) to the case channel",
        _export_command(runtime),
    )
    router.add(
        "chronology period",
        "/scr chronology period <from dd.mm.yy> [<to dd.mm.yy>]",
        "set the period under review; entries outside it are refused (CPU, Board admins)",
        _period_command(runtime),
    )
    app.action(FirstMonthAction.CHRONOLOGY_EXPORT.value)(_export_button(runtime))


def _export_command(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        with runtime.db.session() as session:
            if ctx.args:
                found = case_by_reference(session, ctx.args[0])
                case = found if found and is_case_member(session, found, user) else None
            else:
                case = case_in_channel(session, ctx.command.channel_id, user)
            case_id = case.id if case is not None else None
        if case_id is None:
            ctx.ack(text=CASE_CHANNEL_ONLY, response_type="ephemeral")
            return
        ctx.ack(text="Preparing the integrated chronology…", response_type="ephemeral")
        outcome = export_chronology(runtime, ctx.client, case_id, user)
        ctx.respond(text=outcome, response_type="ephemeral", replace_original=False)

    return handle


def _export_button(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        user = payload.user.id
        with runtime.db.session() as session:
            case = clicked_case(session, payload.action.value, user)
            case_id = case.id if case is not None else None
        if case_id is None:
            outcome = "Only members of the case can export its chronology."
        else:
            outcome = export_chronology(runtime, client, case_id, user)
        tell(body, respond, client, user, outcome)

    return handle


def _period_command(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        try:
            dates = [parse_day_first(word)[0] for word in ctx.args[:2]]
        except ValueError:
            dates = []
        if not dates:
            ctx.ack(
                text="Give the start (and optionally the end) of the period under review, "
                "e.g. `/scr chronology period 01.01.24 27.11.26`.",
                response_type="ephemeral",
            )
            return
        with runtime.db.session() as session:
            case = case_in_channel(session, ctx.command.channel_id, user)
            if case is None:
                ctx.ack(text=CASE_CHANNEL_ONLY, response_type="ephemeral")
                return
            if not may_manage_agencies(session, user):
                ctx.ack(text=PERIOD_SETTERS, response_type="ephemeral")
                return
            try:
                set_review_period(
                    session,
                    case,
                    dates[0],
                    dates[1] if len(dates) > 1 else None,
                    actor=user,
                    now=runtime.clock.now(),
                )
            except SubmissionRefusedError as exc:
                ctx.ack(text=str(exc), response_type="ephemeral")
                return
        end = f" to {dates[1]:%d.%m.%Y}" if len(dates) > 1 else ""
        ctx.ack(
            text=f"Period under review: from {dates[0]:%d.%m.%Y}{end}. Chronology entries "
            "outside it will be refused.",
            response_type="ephemeral",
        )

    return handle
