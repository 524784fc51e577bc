"""Monitoring's listeners: `/scr actions` (the action plan, and the modals that add, import,
edit and close its recommendations), the owners' progress returns, the Board's sign-off,
and people leaving (`/scr owner left`, and Slack's `user_change` event for a deactivated
or reactivated account). Every button and modal re-reads the case and re-checks the
clicker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from slack_bolt import App
from slack_sdk.models.views import View

from bot.flows import cases as case_flows
from bot.flows import monitoring as flows
from bot.handlers.adapter import (
    MAX_ID,
    Access,
    CaseFrom,
    Listeners,
    Reply,
    Request,
    Submitted,
    ViewMeta,
)
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import Job, MonitoringAction, MonitoringBlock, MonitoringCallback
from bot.runtime import Runtime
from bot.services.cases import guard
from bot.services.cases.schema import Audience
from bot.services.monitoring import board, departures, plan, rounds
from bot.services.monitoring.departures import LeftVia
from bot.services.monitoring.schema import (
    CloseForm,
    ImportForm,
    IntervalForm,
    OwnerLeftForm,
    RecommendationForm,
    RecStatus,
    ReturnForm,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from bot.views.format import plural
from bot.views.forms import info_view
from bot.views.monitoring import (
    Verb,
    close_modal,
    import_modal,
    interval_modal,
    owner_left_modal,
    parse_manage_value,
    plan_message,
    problems_text,
    recommendation_modal,
    return_modal,
    return_received_view,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Case

Id = Annotated[int, Field(gt=0, le=MAX_ID)]


class PlanMeta(ViewMeta):
    """The action plan's modals also carry the recommendation and the Board's verb."""

    rec: Id | None = None
    verb: str | None = None


class SlackUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    deleted: bool = False
    is_bot: bool = False


class UserChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: SlackUser


listeners = Listeners()


def _ctx(req: Request[Any]) -> EngineContext:
    return EngineContext(req.session, req.calendar, req.now)


def _today(runtime: Runtime) -> dict[str, Any]:
    return {"today": runtime.working_calendar().london_date(runtime.clock.now())}


def _plan_case(req: Request[SlashCommand]) -> Case:
    reference = req.args[0] if req.args else None
    return plan.plan_case(
        req.session, req.actor, channel_id=req.payload.channel_id, reference=reference
    )


def _plan_form(session: Session, case: Case, user: str, *, importing: bool) -> View:
    form = plan.new_recommendation(session, case, user)
    return import_modal(case.id, case.reference) if importing else recommendation_modal(form)


def _open_plan_form(req: Request[SlashCommand], *, importing: bool) -> Reply | None:
    case = _plan_case(req)
    refusal = plan.change_refusal(req.session, case, req.actor)
    if refusal is not None:
        return Reply(text=refusal, later=True)
    req.open_view(_plan_form(req.session, case, req.actor, importing=importing))
    return None


@listeners.command(
    "actions", "/scr actions [SCR-YYYY-NNN]", "the action plan and its progress returns"
)
def show_plan(req: Request[SlashCommand]) -> Reply:
    view = plan.show_plan(_ctx(req), req.runtime.cipher, _plan_case(req), req.actor)
    message = plan_message(view)
    return Reply(text=message.text, blocks=message.blocks, later=True)


PLAN_MANAGERS = frozenset({Audience.BUSINESS_UNIT, Audience.BOARD_CHAIR, Audience.CPU})


@listeners.command(
    "actions add",
    "/scr actions add [SCR-YYYY-NNN]",
    "add a recommendation to the action plan",
    audience=PLAN_MANAGERS,
)
def add_command(req: Request[SlashCommand]) -> Reply | None:
    return _open_plan_form(req, importing=False)


@listeners.command(
    "actions import",
    "/scr actions import [SCR-YYYY-NNN]",
    "import the action plan from a CSV file",
    audience=PLAN_MANAGERS,
)
def import_command(req: Request[SlashCommand]) -> Reply | None:
    return _open_plan_form(req, importing=True)


@listeners.command(
    "actions interval",
    "/scr actions interval [SCR-YYYY-NNN]",
    "change how often progress returns fall due",
    audience=frozenset({Audience.BUSINESS_UNIT, Audience.BOARD_CHAIR}),
    reads=True,
)
def interval_command(req: Request[SlashCommand]) -> None:
    case = _plan_case(req)
    months = rounds.interval_to_change(req.session, case, req.actor)
    req.open_view(interval_modal(case.reference, case.id, months))


@listeners.submission(MonitoringCallback.INTERVAL, form=IntervalForm, meta=PlanMeta)
def interval_changed(req: Submitted[IntervalForm, PlanMeta]) -> None:
    change = rounds.change_interval(
        _ctx(req), req.ids.case or 0, req.answers.months, actor=req.actor
    )
    req.after(lambda: flows.interval_changed(req.runtime, req.slack, change))


@listeners.action(
    MonitoringAction.ADD,
    MonitoringAction.IMPORT,
    access=Access(case=CaseFrom.VALUE, member=False),
)
def open_from_button(req: Request[BlockAction]) -> None:
    importing = req.payload.action.action_id == MonitoringAction.IMPORT
    req.open_view(_plan_form(req.session, req.case, req.actor, importing=importing))


@listeners.action(MonitoringAction.ADD_CARRIED, access=Access(case=CaseFrom.VALUE, member=False))
def add_carried(req: Request[BlockAction]) -> None:
    form = plan.carried_recommendation(req.session, req.runtime.cipher, req.case, req.actor)
    req.open_view(recommendation_modal(form))


@listeners.action(MonitoringAction.MANAGE)
def manage(req: Request[BlockAction]) -> None:
    """The overflow menu on a recommendation: edit it, mark it implemented, or close it."""
    chosen = parse_manage_value((req.payload.action.selected_option or {}).get("value"))
    if chosen is None:
        raise RefusedError(plan.NOT_ALLOWED)
    verb, rec_id = chosen
    if verb == Verb.EDIT:
        cipher = req.runtime.cipher
        form = plan.edited_recommendation(req.session, cipher, rec_id, req.actor, now=req.now)
        req.open_view(recommendation_modal(form))
    else:
        rec = plan.recommendation_to_close(req.session, rec_id, req.actor)
        req.open_view(close_modal(rec, verb))


@listeners.action(MonitoringAction.SIGN_OFF, access=Access(case=CaseFrom.VALUE, member=False))
def sign_off(req: Request[BlockAction]) -> Reply | str:
    """The Board signs the case off; its channel is archived after the answer."""
    if not board.sign_off(_ctx(req), req.case, actor=req.actor):
        return "This case was signed off already."
    case_id = req.case.id
    req.enqueue(Job.SIGN_OFF_FINISHED, case_id=case_id)
    done = f"{req.case.reference} is signed off. Its reminders have stopped; the channel is "
    return Reply(text=done + "archived.", replace=True)


@listeners.submission(MonitoringCallback.RECOMMENDATION, form=RecommendationForm, meta=PlanMeta)
def save(req: Submitted[RecommendationForm, PlanMeta]) -> None:
    saved = plan.save_recommendation(
        _ctx(req),
        req.answers,
        case_id=req.ids.case,
        rec_id=req.ids.rec,
        actor=req.actor,
        cipher=req.runtime.cipher,
        view_id=req.payload.view.id,
    )
    if saved is not None:
        told = [saved.rec_id] if saved.tell else []
        req.after(lambda: flows.saved(req.runtime, req.slack, saved.case_id, told))


@listeners.submission(MonitoringCallback.PLAN_IMPORT, form=ImportForm, meta=PlanMeta)
def import_plan(req: Submitted[ImportForm, PlanMeta]) -> Reply:
    """The file is checked before the answer (a bad one is refused inline, whole); its
    owners are looked up and the plan stored after it."""
    case = plan.case_to_change(
        req.session, req.ids.case, req.actor, field=MonitoringBlock.PLAN_FILE
    )
    case_id, file_id, actor = case.id, req.answers.files[0], req.actor
    checked = req.before_answer(
        lambda: flows.check_file(req.runtime, req.slack, case_id, file_id, actor=actor)
    )
    if isinstance(checked, list):
        text = "Nothing was imported. " + problems_text(checked)
        raise RefusedError(text, field=MonitoringBlock.PLAN_FILE)
    request = flows.ImportRequest(case_id, actor, req.payload.view.id, checked)
    req.after(lambda: flows.finish_import(req.runtime, req.slack, request))
    read = (
        f"{case.reference}: {len(checked)} recommendations read. Their owners are being "
        "checked; I will send you the outcome in a DM."
    )
    return Reply(update=info_view("Import action plan", read))


@listeners.submission(MonitoringCallback.CLOSE, form=CloseForm, meta=PlanMeta)
def close(req: Submitted[CloseForm, PlanMeta]) -> Reply:
    """The Board marks a recommendation implemented, or closes it with a reason."""
    implemented = req.ids.verb == Verb.IMPLEMENTED
    outcome = RecStatus.IMPLEMENTED if implemented else RecStatus.CLOSED
    case_id, text = plan.close_from_form(
        _ctx(req),
        req.ids.rec,
        outcome,
        note=req.answers.note,
        actor=req.actor,
        cipher=req.runtime.cipher,
    )
    req.after(lambda: flows.saved(req.runtime, req.slack, case_id, []))
    return Reply(update=info_view("Action plan", text))


@listeners.action(MonitoringAction.SEND_RETURN, value=True)
def open_return(req: Request[BlockAction]) -> None:
    """From a nudge, the App Home or the owner's DM: the form for one recommendation's
    return (the task id in the button is only a hint: ownership is checked again)."""
    assert req.number is not None
    try:
        cipher = req.runtime.cipher
        subject = rounds.subject_for(req.session, req.number, req.actor, cipher, now=req.now)
    except RefusedError as exc:
        req.open_view(info_view("Progress return", exc.message))
        return
    req.open_view(return_modal(subject, req.today))


@listeners.submission(
    MonitoringCallback.PROGRESS_RETURN, form=ReturnForm, meta=ViewMeta, context=_today
)
def submit_return(req: Submitted[ReturnForm, ViewMeta]) -> Reply:
    outcome = rounds.submit_return(
        _ctx(req),
        req.ids.task,
        req.answers,
        actor=req.actor,
        cipher=req.runtime.cipher,
        view_id=req.payload.view.id,
    )
    if outcome.changed:
        req.after(lambda: flows.return_received(req.runtime, req.slack, outcome))
    return Reply(
        update=return_received_view(
            outcome.reference, outcome.number, outcome.round_no, amended=outcome.amended
        )
    )


@listeners.command(
    "owner left",
    "/scr owner left",
    "someone has left: hand their recommendations to their agency",
    audience=frozenset({Audience.BUSINESS_UNIT, Audience.BOARD_CHAIR}),
    reads=True,
)
def owner_left(req: Request[SlashCommand]) -> None:
    departures.check_board(req.session, req.actor)
    req.open_view(owner_left_modal())


@listeners.submission(MonitoringCallback.OWNER_LEFT, form=OwnerLeftForm)
def owner_left_said(req: Submitted[OwnerLeftForm, ViewMeta]) -> Reply:
    person = req.answers.person
    moved = departures.board_says_left(_ctx(req), person, actor=req.actor)
    req.after(lambda: flows.tell_reassigned(req.runtime, req.slack, moved))
    text = (
        f"{plural(len(moved), 'open recommendation')} of <@{person}> "
        "moved to their agency; the new owners are told. The bot sends them nothing more."
    )
    return Reply(update=info_view("Someone has left", text))


@listeners.event("user_change", UserChange)
def user_changed(req: Request[UserChange]) -> None:
    user = req.payload.user
    if user.is_bot:
        return
    if not user.deleted:
        departures.record_return(req.session, user.id, actor="slack", now=req.now)
        return
    moved = departures.user_left(_ctx(req), user.id, via=LeftVia.SLACK, actor="slack")
    channels = guard.open_channels_of(req.session, user.id)
    req.after(lambda: flows.tell_reassigned(req.runtime, req.slack, moved))
    req.after(lambda: case_flows.remove_from_channels(req.slack, user.id, channels))


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
