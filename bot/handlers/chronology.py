"""Chronologies: the entries, completion and synopsis modals, `/scr chronology export` and
the card's export button, and `/scr chronology period`."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.chronology import (
    AgencyCount,
    complete_modal,
    entries_added_text,
    entries_modal,
    synopsis_modal,
)
from bot.blocks.first_month import Choice
from bot.blocks.first_month_forms import nothing_to_choose
from bot.flows.chronology_files import export_chronology
from bot.flows.first_month import after_change, announce
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.handlers.router import CommandContext, CommandRouter, Handler
from bot.handlers.view_meta import Meta, first_input
from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.runtime import Runtime
from bot.services.agencies_on_case import (
    CASE_CHANNEL_ONLY,
    agency_case,
    case_in_channel,
    clicked_case,
    may_manage_agencies,
)
from bot.services.cases import case_by_reference, is_case_member
from bot.services.chronology import SlotProblems, entries_from_slots, parse_day_first
from bot.services.chronology_store import (
    NOT_FOR_YOU,
    SubmissionRefusedError,
    Submitter,
    count_for,
    review_period,
    set_review_period,
    submit_entries,
    submitter,
)
from bot.services.chronology_tasks import mark_chronology_complete, submit_synopsis
from storage.models import Case

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
    app.action(FirstMonthAction.CHRONOLOGY_ADD.value)(_open(runtime, "entries"))
    app.action(FirstMonthAction.CHRONOLOGY_COMPLETE.value)(_open(runtime, "complete"))
    app.action(FirstMonthAction.SYNOPSIS.value)(_open(runtime, "synopsis"))
    app.action(FirstMonthAction.CHRONOLOGY_EXPORT.value)(_export_button(runtime))
    app.view(FirstMonthCallback.CHRONOLOGY_ENTRIES.value)(_submit_entries(runtime))
    app.view(FirstMonthCallback.CHRONOLOGY_COMPLETE.value)(_submit_complete(runtime))
    app.view(FirstMonthCallback.SYNOPSIS.value)(_submit_synopsis(runtime))


def _today(runtime: Runtime) -> date:
    return runtime.working_calendar().london_date(runtime.clock.now())


# Opening the modals ---------------------------------------------------------------------


def _open(runtime: Runtime, which: str) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        user = payload.user.id
        with runtime.db.session() as session:
            found = agency_case(session, payload.action.value, user)
            if found is None:
                respond(text=NOT_FOR_YOU, replace_original=False, response_type="ephemeral")
                return
            case, agencies = found
            choices = [Choice(a.id, a.name) for a in agencies]
            counts = [AgencyCount(c, count_for(session, case.id, c.id)) for c in choices]
            case_id, reference = case.id, case.reference
        if which == "entries":
            view = entries_modal(
                case_id=case_id, reference=reference, choices=choices, today=_today(runtime)
            )
        elif which == "complete":
            view = complete_modal(case_id=case_id, reference=reference, counts=counts)
        else:
            view = synopsis_modal(case_id=case_id, reference=reference, choices=choices)
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _who(runtime: Runtime, payload: ViewSubmission) -> Submitter:
    """Re-check who submits, and for which agency, from the case and the answers."""
    meta = Meta.parse(payload.view.private_metadata)
    chosen = payload.values().get(B.AGENCY.value)
    agency = int(chosen) if isinstance(chosen, str) and chosen.isdigit() else meta.agency
    with runtime.db.session() as session:
        case = session.get(Case, meta.case) if meta.case is not None else None
        if case is None or case.closed_at is not None:
            raise SubmissionRefusedError(NOT_FOR_YOU)
        return submitter(session, case, payload.user.id, agency)


# Submissions ----------------------------------------------------------------------------


def _submit_entries(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        try:
            who = _who(runtime, payload)
        except SubmissionRefusedError as exc:
            ack(response_action="errors", errors={first_input(payload): str(exc)})
            return
        with runtime.db.session() as session:
            period = review_period(session, who.case_id)
        checked = entries_from_slots(payload.values(), today=_today(runtime), period=period)
        if isinstance(checked, SlotProblems):
            ack(
                response_action="errors",
                errors=checked.errors,
            )
            return
        result = submit_entries(
            runtime.db,
            runtime.cipher,
            who,
            source_key=f"view:{payload.view.id}",
            actor=payload.user.id,
            now=runtime.clock.now(),
            entries=checked,
        )
        ack()
        if result.status == "duplicate":
            return
        text = entries_added_text(
            who.reference,
            who.agency_name,
            added=result.added,
            skipped=result.skipped,
            total=result.total,
        )
        announce(runtime, client, who.case_id, f"{text} (by <@{payload.user.id}>)")
        after_change(runtime, client, who.case_id, who.agency_id)

    return handle


def _submit_complete(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        user = payload.user.id
        try:
            who = _who(runtime, payload)
            changed, entries = mark_chronology_complete(
                runtime.db, runtime.working_calendar(), runtime.clock.now(), who, user
            )
        except SubmissionRefusedError as exc:
            field = B.AGENCY.value if B.AGENCY.value in payload.values() else None
            errors = {field: str(exc)} if field else None
            if errors:
                ack(response_action="errors", errors=errors)
            else:
                ack(response_action="update", view=_notice("Not yet", str(exc)))
            return
        ack()
        if changed:
            announce(
                runtime,
                client,
                who.case_id,
                f"✓ {who.reference}: {who.agency_name}'s chronology is complete "
                f"({entries} entries), marked by <@{user}>.",
            )
            after_change(runtime, client, who.case_id, who.agency_id)

    return handle


def _notice(title: str, text: str) -> dict[str, Any]:
    return nothing_to_choose(title, text).to_dict()


def _submit_synopsis(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        user = payload.user.id
        text = str(payload.values().get(B.SYNOPSIS.value) or "")
        try:
            who = _who(runtime, payload)
            revision = submit_synopsis(
                runtime.db,
                runtime.cipher,
                runtime.working_calendar(),
                runtime.clock.now(),
                who,
                actor=user,
                text=text,
            )
        except SubmissionRefusedError as exc:
            ack(response_action="errors", errors={B.SYNOPSIS.value: str(exc)})
            return
        ack()
        again = " (revised)" if revision > 1 else ""
        announce(
            runtime,
            client,
            who.case_id,
            f"✓ {who.reference}: {who.agency_name}'s synopsis submitted{again} by <@{user}>.",
        )
        after_change(runtime, client, who.case_id, who.agency_id)

    return handle


# Export and the review period -----------------------------------------------------------


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
        respond(text=outcome, response_type="ephemeral", replace_original=False)

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
