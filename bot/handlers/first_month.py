"""The first month's listeners: `/scr agency add|remove`, `/scr chronology export|period`, the
case card's and the DMs' buttons, the short forms that complete a task, the chronology's
modals, and a chronology CSV shared in a case channel or the bot's DM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from slack_bolt import App

from bot.flows.first_month import (
    NOT_A_MEMBER,
    SharedFile,
    agency_changed,
    export_chronology,
    receive_file,
    recorded,
)
from bot.handlers.adapter import Access, CaseFrom, Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import FirstMonthAction, FirstMonthBlock, FirstMonthCallback
from bot.runtime import Runtime
from bot.services.cases.access import is_case_member
from bot.services.cases.schema import Audience
from bot.services.first_month.agencies import (
    NOT_A_MANAGER,
    agency_by_words,
    agency_choices,
    case_in_channel,
    case_named_or_here,
    change_agency,
    may_manage_agencies,
    may_manage_case_agencies,
    own_task,
)
from bot.services.first_month.chronology import (
    Submitter,
    chronology_modal,
    mark_chronology_complete,
    period_from_words,
    review_period,
    set_review_period,
    submit_entries,
    submit_synopsis,
    submitter_for,
)
from bot.services.first_month.schema import (
    CHRONOLOGY_TASK_FORMS,
    NOT_YOURS,
    ChronologyForm,
    entries_from_slots,
)
from bot.services.first_month.tasks import already_text, complete_with_form, form_for, task_target
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from bot.views.first_month import (
    agency_modal,
    chronology_modal_view,
    entries_added_text,
    nothing_to_choose,
    period_set_text,
    task_modal,
    task_recorded_text,
)
from bot.views.format import plural

log = logging.getLogger(__name__)

PERIOD_SETTERS = "Only the CPU or the Board business unit can set the period under review."
AGENCY = FirstMonthBlock.AGENCY.value
OPENS_ITS_TASK = {
    FirstMonthAction.DP_NOTIFIED.value: "dp_notified",
    FirstMonthAction.RECORDS_SECURED.value: "records_secured",
}
"""Card buttons whose value is the case: they open the clicker's own agency's task."""
CHRONOLOGY_BUTTONS = {
    FirstMonthAction.CHRONOLOGY_ADD.value: ChronologyForm.ENTRIES,
    FirstMonthAction.CHRONOLOGY_COMPLETE.value: ChronologyForm.COMPLETE,
    FirstMonthAction.SYNOPSIS.value: ChronologyForm.SYNOPSIS,
}

listeners = Listeners()


class FileShared(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    file_id: str
    user: str = Field(alias="user_id")
    channel_id: str


def _engine(req: Request[Any]) -> EngineContext:
    return EngineContext(req.session, req.calendar, req.now, days_before=req.runtime.days_before)


def _submitter(req: Submitted[BaseModel, ViewMeta]) -> Submitter:
    """Re-check who submits, and for which agency, from the case and the answers."""
    chosen = req.payload.values().get(AGENCY)
    agency = int(chosen) if isinstance(chosen, str) and chosen.isdigit() else req.ids.agency
    return submitter_for(req.session, req.ids.case, req.actor, agency)


# Involved agencies ----------------------------------------------------------------------


def _agency_command(removing: bool) -> Callable[[Request[SlashCommand]], str]:
    def change(req: Request[SlashCommand]) -> str:
        case = case_in_channel(req.session, req.payload.channel_id, req.actor)
        if not may_manage_agencies(req.session, req.actor):
            raise RefusedError(NOT_A_MANAGER)
        agency, reason = agency_by_words(req.session, case, req.args, removing=removing)
        done = change_agency(
            _engine(req), req.runtime.cipher, case.id, agency.id, actor=req.actor, reason=reason
        )
        req.after(
            lambda: agency_changed(req.runtime, req.slack, done, req.actor, removing=removing)
        )
        outcome = "removed." if removing else "already involved." if done.already else "added."
        return f"{done.agency_name}: {outcome}"

    return change


CASE_MANAGERS = frozenset({Audience.CPU, Audience.BUSINESS_UNIT})
listeners.command(
    "agency add",
    "/scr agency add <agency>",
    "involve an agency in this case (in the case channel)",
    audience=CASE_MANAGERS,
)(_agency_command(removing=False))
listeners.command(
    "agency remove",
    "/scr agency remove <agency> <reason>",
    "end an agency's involvement; its tasks close (in the case channel)",
    audience=CASE_MANAGERS,
)(_agency_command(removing=True))


@listeners.action(
    FirstMonthAction.AGENCY_ADD.value,
    FirstMonthAction.AGENCY_REMOVE.value,
    access=Access(
        case=CaseFrom.VALUE, member=False, may=may_manage_case_agencies, refusal=NOT_A_MANAGER
    ),
)
def open_agency_form(req: Request[BlockAction]) -> None:
    removing = req.payload.action.action_id == FirstMonthAction.AGENCY_REMOVE.value
    choices = agency_choices(req.session, req.case, removing=removing)
    reference = req.case.reference
    if not choices:
        what = "remove" if removing else "add"
        req.open_view(nothing_to_choose("Agencies", f"{reference}: there is no agency to {what}."))
        return
    req.open_view(
        agency_modal(case_id=req.case.id, reference=reference, choices=choices, removing=removing)
    )


@listeners.submission(FirstMonthCallback.AGENCY_ADD.value)
@listeners.submission(FirstMonthCallback.AGENCY_REMOVE.value)
def submit_agency(req: Submitted[BaseModel, ViewMeta]) -> None:
    removing = req.payload.view.callback_id == FirstMonthCallback.AGENCY_REMOVE.value
    values = req.payload.values()
    agency = str(values.get(AGENCY) or "")
    if req.ids.case is None or not agency.isdigit():
        raise RefusedError("Choose an agency.", field=AGENCY)
    reason = str(values.get(FirstMonthBlock.REASON.value) or "") if removing else None
    done = change_agency(
        _engine(req),
        req.runtime.cipher,
        req.ids.case,
        int(agency),
        actor=req.actor,
        reason=reason,
    )
    req.after(lambda: agency_changed(req.runtime, req.slack, done, req.actor, removing=removing))


# Task forms -----------------------------------------------------------------------------


def _open_task(req: Request[BlockAction], task_id: int | None) -> None:
    target = task_target(req.session, task_id) if task_id is not None else None
    if target is not None and target.kind in CHRONOLOGY_TASK_FORMS:
        which = CHRONOLOGY_TASK_FORMS[target.kind]
        modal = chronology_modal(req.session, target.case_id, req.actor, which, target.agency_id)
        req.open_view(chronology_modal_view(modal, req.today))
        return
    if task_id is None:
        raise RefusedError(NOT_YOURS)
    req.open_view(task_modal(form_for(req.session, task_id, req.actor), req.today))


@listeners.action(
    FirstMonthAction.TASK.value,
    FirstMonthAction.CP_PLAN.value,
    FirstMonthAction.OTHER_CHILDREN.value,
    FirstMonthAction.ORGANISATIONS.value,
    FirstMonthAction.CHAIR_INFORMED.value,
    value=True,
)
def open_task_form(req: Request[BlockAction]) -> None:
    _open_task(req, req.number)


@listeners.action(*OPENS_ITS_TASK, value=True)
def open_own_task_form(req: Request[BlockAction]) -> None:
    kind = OPENS_ITS_TASK[req.payload.action.action_id]
    assert req.number is not None
    _open_task(req, own_task(req.session, req.number, req.actor, kind))


@listeners.submission(FirstMonthCallback.TASK_FORM.value)
def submit_task_form(req: Submitted[BaseModel, ViewMeta]) -> Reply | None:
    if req.ids.task is None:
        raise RefusedError(NOT_YOURS)
    cipher, values = req.runtime.cipher, req.payload.values()
    done = complete_with_form(_engine(req), cipher, req.ids.task, actor=req.actor, values=values)
    view = done.view
    if not done.changed:
        return Reply(update=nothing_to_choose("Already recorded", already_text(view)))
    text = task_recorded_text(view, req.actor)
    req.after(lambda: recorded(req.runtime, req.slack, view.case_id, view.agency_id, text))
    return None


# Chronologies ---------------------------------------------------------------------------


@listeners.action(*CHRONOLOGY_BUTTONS, value=True)
def open_chronology_form(req: Request[BlockAction]) -> None:
    which = CHRONOLOGY_BUTTONS[req.payload.action.action_id]
    assert req.number is not None
    modal = chronology_modal(req.session, req.number, req.actor, which)
    req.open_view(chronology_modal_view(modal, req.today))


@listeners.submission(FirstMonthCallback.CHRONOLOGY_ENTRIES.value)
def submit_entries_form(req: Submitted[BaseModel, ViewMeta]) -> None:
    who = _submitter(req)
    period = review_period(req.session, who.case_id)
    entries = entries_from_slots(req.payload.values(), today=req.today, period=period)
    result = submit_entries(
        req.session,
        req.runtime.cipher,
        who,
        source_key=f"view:{req.payload.view.id}",
        actor=req.actor,
        now=req.now,
        entries=entries,
    )
    if result.status == "duplicate":
        return
    text = entries_added_text(
        who.reference,
        who.agency_name,
        added=result.added,
        skipped=result.skipped,
        total=result.total,
        source=f"by <@{req.actor}>",
    )
    req.after(lambda: recorded(req.runtime, req.slack, who.case_id, who.agency_id, text))


@listeners.submission(FirstMonthCallback.CHRONOLOGY_COMPLETE.value)
def submit_complete_form(req: Submitted[BaseModel, ViewMeta]) -> Reply | None:
    try:
        who = _submitter(req)
        changed, entries = mark_chronology_complete(_engine(req), who, req.actor)
    except RefusedError as exc:
        if AGENCY in req.payload.values():
            raise RefusedError(exc.message, field=AGENCY) from None
        return Reply(update=nothing_to_choose("Not yet", exc.message))
    if changed:
        text = (
            f"✓ {who.reference}: {who.agency_name}'s chronology is complete "
            f"({plural(entries, 'entry', 'entries')}), marked by <@{req.actor}>."
        )
        req.after(lambda: recorded(req.runtime, req.slack, who.case_id, who.agency_id, text))
    return None


@listeners.submission(FirstMonthCallback.SYNOPSIS.value)
def submit_synopsis_form(req: Submitted[BaseModel, ViewMeta]) -> None:
    synopsis = str(req.payload.values().get(FirstMonthBlock.SYNOPSIS.value) or "")
    try:
        who = _submitter(req)
        revision = submit_synopsis(
            _engine(req), req.runtime.cipher, who, actor=req.actor, text=synopsis
        )
    except RefusedError as exc:
        raise RefusedError(exc.message, field=FirstMonthBlock.SYNOPSIS.value) from None
    again = " (revised)" if revision > 1 else ""
    text = f"✓ {who.reference}: {who.agency_name}'s synopsis submitted{again} by <@{req.actor}>."
    req.after(lambda: recorded(req.runtime, req.slack, who.case_id, who.agency_id, text))


@listeners.event("file_shared", FileShared, people_only=True)
def file_shared(req: Request[FileShared]) -> None:
    shared = SharedFile(req.payload.file_id, req.actor, req.payload.channel_id)

    def receive() -> None:
        outcome = receive_file(req.runtime, req.slack, shared)
        log.info("shared file %s: %s", shared.file_id, outcome)

    req.after(receive)


def _export_after(req: Request[SlashCommand] | Request[BlockAction], case_id: int) -> None:
    url = req.payload.response_url

    def export() -> None:
        outcome = export_chronology(req.runtime, req.slack, case_id, req.actor)
        req.slack.respond(url, req.actor, outcome)

    req.after(export)


@listeners.command(
    "chronology export",
    "/scr chronology export [SCR-YYYY-NNN]",
    "upload the integrated chronology (CSV and Word) to the case channel",
)
def export_command(req: Request[SlashCommand]) -> str:
    reference = req.args[0] if req.args else None
    case = case_named_or_here(req.session, reference, req.payload.channel_id, req.actor)
    _export_after(req, case.id)
    return "Preparing the integrated chronology…"


@listeners.action(
    FirstMonthAction.CHRONOLOGY_EXPORT.value,
    access=Access(case=CaseFrom.VALUE, member=False, may=is_case_member, refusal=NOT_A_MEMBER),
)
def export_button(req: Request[BlockAction]) -> None:
    _export_after(req, req.case.id)


@listeners.command(
    "chronology period",
    "/scr chronology period <from dd.mm.yy> [<to dd.mm.yy>]",
    "set the period under review; entries outside it are refused (in the case channel)",
    audience=CASE_MANAGERS,
)
def period_command(req: Request[SlashCommand]) -> str:
    period = period_from_words(req.args)
    case = case_in_channel(req.session, req.payload.channel_id, req.actor)
    if not may_manage_agencies(req.session, req.actor):
        raise RefusedError(PERIOD_SETTERS)
    set_review_period(
        req.session, case, period.starts_on, period.ends_on, actor=req.actor, now=req.now
    )
    return period_set_text(period)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
