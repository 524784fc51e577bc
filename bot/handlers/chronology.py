"""Chronologies: the entries, completion and synopsis modals (the commands and the export
button are in `chronology_commands`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.first_month import after_change, announce
from bot.handlers import chronology_commands
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.handlers.view_meta import Meta, first_input, tell
from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.runtime import Runtime
from bot.services.agencies_on_case import (
    agency_case,
)
from bot.services.chronology import SlotProblems, entries_from_slots
from bot.services.chronology_store import (
    NOT_FOR_YOU,
    SubmissionRefusedError,
    Submitter,
    count_for,
    review_period,
    submit_entries,
    submitter,
)
from bot.services.chronology_tasks import mark_chronology_complete, submit_synopsis
from bot.views.chronology import (
    AgencyCount,
    complete_modal,
    count,
    entries_added_text,
    entries_modal,
    synopsis_modal,
)
from bot.views.first_month import Choice
from bot.views.first_month_forms import nothing_to_choose
from storage.models import Case

PERIOD_SETTERS = "Only the CPU or the Board business unit can set the period under review."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.action(FirstMonthAction.CHRONOLOGY_ADD.value)(_open(runtime, "entries"))
    app.action(FirstMonthAction.CHRONOLOGY_COMPLETE.value)(_open(runtime, "complete"))
    app.action(FirstMonthAction.SYNOPSIS.value)(_open(runtime, "synopsis"))
    app.view(FirstMonthCallback.CHRONOLOGY_ENTRIES.value)(_submit_entries(runtime))
    app.view(FirstMonthCallback.CHRONOLOGY_COMPLETE.value)(_submit_complete(runtime))
    app.view(FirstMonthCallback.SYNOPSIS.value)(_submit_synopsis(runtime))
    chronology_commands.register(app, runtime, router)


def _today(runtime: Runtime) -> date:
    return runtime.working_calendar().london_date(runtime.clock.now())


# Opening the modals ---------------------------------------------------------------------


CHRONOLOGY_TASKS = {"chronology_submitted": "complete", "synopsis_submitted": "synopsis"}
"""The modal that completes each agency chronology task (from a reminder's button)."""


def open_form(
    runtime: Runtime,
    client: WebClient,
    *,
    trigger_id: str,
    user: str,
    case_value: str | None,
    which: str,
    agency_id: int | None = None,
) -> str | None:
    """Open the entries, completion or synopsis modal for the agencies ``user`` acts for in
    the case (only ``agency_id``, when given). Returns a refusal to show instead."""
    with runtime.db.session() as session:
        found = agency_case(session, case_value, user)
        if found is None:
            return NOT_FOR_YOU
        case, agencies = found
        choices = [Choice(a.id, a.name) for a in agencies if agency_id in (None, a.id)]
        if not choices:
            return NOT_FOR_YOU
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
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def _open(runtime: Runtime, which: str) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        refusal = open_form(
            runtime,
            client,
            trigger_id=payload.trigger_id,
            user=payload.user.id,
            case_value=payload.action.value,
            which=which,
        )
        if refusal is not None:
            tell(body, respond, client, payload.user.id, refusal)

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
            source=f"by <@{payload.user.id}>",
        )
        announce(runtime, client, who.case_id, text)
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
                f"({count(entries, 'entry', 'entries')}), marked by <@{user}>.",
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
