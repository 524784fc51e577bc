"""The Initial Panel's listeners: `/scr panel ...`, the buttons on the case card (schedule,
find a time, pick a time, change, cancel, mark held) and on DMs (answer the invitation,
availability, involvement), and the panel's modals. A button's value carries an id only;
each listener re-reads the meeting through the services, which re-check the person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from slack_bolt import App
from slack_sdk.models.views import View

from bot.flows.panel import after_answer, tell_organiser
from bot.flows.panel_papers import send_papers
from bot.handlers.adapter import (
    Access,
    CaseFrom,
    Listeners,
    MalformedPayloadError,
    Reply,
    Request,
    Submitted,
    ViewMeta,
)
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import Job, PanelAction, PanelCallback
from bot.runtime import Runtime
from bot.services.cases.schema import Audience
from bot.services.panel.answers import (
    Answered,
    answer_invitation,
    answer_slot,
    confirm_no_involvement,
    declare_involvement,
    record_exception,
)
from bot.services.panel.delivery import meeting_title, new_panel_uid
from bot.services.panel.meetings import (
    RAPID,
    REVIEW,
    DaysToConfirmError,
    PanelContext,
    cancel,
    channel_meeting,
    confirm,
    mark_held,
    may_open_new,
    meeting_case,
    not_cleared,
    panel_case,
    panel_deadline,
    store_answers,
    to_cancel,
    to_change,
    to_declare,
    to_except,
    to_mark_held,
)
from bot.services.panel.papers import papers_task_here, papers_to_send
from bot.services.panel.schema import (
    MAX_SLOTS,
    PURPOSES,
    DayToConfirm,
    DeclareForm,
    ExceptionForm,
    HeldForm,
    PanelDeadline,
    PanelDefaults,
    PartStat,
)
from bot.services.review import meetings as review_meetings
from bot.services.review import panel as review_panel
from bot.views.panel import (
    cancel_prompt,
    declare_modal,
    exception_modal,
    find_modal,
    held_modal,
    schedule_modal,
)

if TYPE_CHECKING:
    from storage.models import Case

RSVP = {
    PanelAction.ACCEPT.value: PartStat.ACCEPTED,
    PanelAction.TENTATIVE.value: PartStat.TENTATIVE,
    PanelAction.DECLINE.value: PartStat.DECLINED,
}
NO_PANEL_TO_CHANGE = "There is no scheduled panel to change."
NO_PANEL_TO_HOLD = "There is no scheduled panel to mark held."
NO_PANEL_TO_EXCEPT = "There is no Initial Panel being arranged here."

Command = Request[SlashCommand]
Click = Request[BlockAction]


class PanelMeta(ViewMeta):
    """A panel modal's metadata: its ids, and the non-working days already warned of."""

    confirmed: Annotated[list[date], Field(max_length=MAX_SLOTS)] = Field(default_factory=list)


listeners = Listeners()

ANYONE = Access(member=False)
FROM_META = Access(case=CaseFrom.META, member=False)


ORGANISERS = frozenset({Audience.CPU, Audience.BUSINESS_UNIT})
REVIEW_ARRANGERS = frozenset({Audience.CPU, Audience.PANEL_CHAIR})
RAPID_ARRANGERS = frozenset({Audience.BUSINESS_UNIT, Audience.PARTNERS})


def _on_command(
    name: str, summary: str, audience: frozenset[Audience] = ORGANISERS, usage: str = ""
) -> Callable[..., Any]:
    """`/scr panel ...`: acknowledged at once, answered on the response_url; the services
    check who may act (an organiser need not be a member of the case yet)."""
    return listeners.command(
        name, usage or f"/scr {name}", summary, access=ANYONE, respond=True, audience=audience
    )


def _on_click(*actions: PanelAction, value: bool = True) -> Callable[..., Any]:
    return listeners.action(*(a.value for a in actions), value=value, access=ANYONE)


@_on_command("panel schedule", "schedule the Initial Panel")
def schedule_command(req: Command) -> None:
    _open_new(req, panel_case(req.session, req.payload.channel_id), schedule_modal)


@_on_command("panel find", "propose times for the Initial Panel")
def find_command(req: Command) -> None:
    _open_new(req, panel_case(req.session, req.payload.channel_id), find_modal)


@_on_command("panel change", "change the Initial Panel (its organiser)")
def change_command(req: Command) -> None:
    _open_change(req, channel_meeting(req.session, req.payload.channel_id, NO_PANEL_TO_CHANGE).id)


@_on_command("panel held", "mark the Initial Panel held")
def held_command(req: Command) -> None:
    _open_held(req, channel_meeting(req.session, req.payload.channel_id, NO_PANEL_TO_HOLD).id)


@_on_command("panel exception", "record an exception to the no-previous-involvement rule (CPU)")
def exception_command(req: Command) -> None:
    _open_exception(
        req, channel_meeting(req.session, req.payload.channel_id, NO_PANEL_TO_EXCEPT).id
    )


@_on_command("review exception", "record an exception on the review panel (CPU)")
def review_exception_command(req: Command) -> None:
    case, pending = review_panel.to_except_in(req.session, req.payload.channel_id, req.actor)
    req.open_view(
        exception_modal(reference=case.reference, case_id=case.id, meeting_id=None, pending=pending)
    )


@_on_command("panel cancel", "cancel the Initial Panel (its organiser)")
def cancel_command(req: Command) -> Reply:
    """Offers the cancel button (with Slack's confirmation); the click cancels."""
    meeting = to_cancel(req.session, req.payload.channel_id, req.actor)
    prompt = cancel_prompt(
        meeting_case(req.session, meeting).reference, meeting.id, meeting.start_at
    )
    return Reply(text=prompt.text, blocks=prompt.blocks)


MEETING_USAGE = "Use `/scr {command} {verbs}` in the case channel."
MEETING_CALLBACKS = {REVIEW: PanelCallback.REVIEW_MEETING, RAPID: PanelCallback.RAPID_MEETING}


@_on_command(
    "review meeting",
    "schedule, move or cancel a review panel meeting (the CPU or its chair)",
    REVIEW_ARRANGERS,
    "/scr review meeting schedule|move|cancel",
)
def review_meeting_command(req: Command) -> Reply | str | None:
    return _meeting_command(req, REVIEW)


@_on_command(
    "rapid meeting",
    "schedule, move, cancel or mark held the rapid review meeting (the business unit or a "
    "partner's lead)",
    RAPID_ARRANGERS,
    "/scr rapid meeting schedule|move|cancel|held",
)
def rapid_meeting_command(req: Command) -> Reply | str | None:
    return _meeting_command(req, RAPID)


@_on_command("panel papers", "send the integrated chronology to the panel (the CPU)")
def papers_command(req: Command) -> str:
    _send_papers(req, papers_task_here(req.session, req.payload.channel_id))
    return "Sending the integrated chronology to the panel…"


@_on_click(PanelAction.SEND_PAPERS)
def papers_button(req: Click) -> None:
    _send_papers(req, _id(req))


@_on_click(PanelAction.OPEN_SCHEDULE, value=False)
def schedule_button(req: Click) -> None:
    _open_new(req, _button_case(req), schedule_modal)


@_on_click(PanelAction.OPEN_FIND, value=False)
def find_button(req: Click) -> None:
    _open_new(req, _button_case(req), find_modal)


@_on_click(PanelAction.OPEN_CHANGE)
def change_button(req: Click) -> None:
    _open_change(req, _id(req))


@_on_click(PanelAction.OPEN_HELD)
def held_button(req: Click) -> None:
    _open_held(req, _id(req))


@_on_click(PanelAction.OPEN_EXCEPTION)
def exception_button(req: Click) -> None:
    _open_exception(req, _id(req))


@_on_click(PanelAction.OPEN_DECLARE)
def declare_button(req: Click) -> None:
    meeting = to_declare(req.session, _id(req), req.actor)
    channel, ts = _dm(req)
    reference = meeting_case(req.session, meeting).reference
    req.open_view(
        declare_modal(
            reference=reference,
            case_id=meeting.case_id,
            meeting_id=meeting.id,
            channel=channel,
            ts=ts,
        )
    )


@_on_click(PanelAction.CANCEL)
def cancel_button(req: Click) -> None:
    meeting_id = _id(req)
    cancel(_context(req), meeting_id, actor=req.actor)
    _send(req, meeting_id)


@_on_click(PanelAction.SLOT_CONFIRM)
def pick_time(req: Click) -> None:
    meeting_id = confirm(_context(req), _id(req), actor=req.actor)
    if meeting_id is not None:
        _send(req, meeting_id)


@_on_click(PanelAction.ACCEPT, PanelAction.TENTATIVE, PanelAction.DECLINE, value=False)
def answer_the_invitation(req: Click) -> None:
    meeting_id, sequence = _revision(req.payload.action.value)
    partstat = RSVP[req.payload.action.action_id]
    answered = answer_invitation(
        _context(req), meeting_id, sequence=sequence, user_id=req.actor, partstat=partstat
    )
    _after_answer(req, answered)


@_on_click(PanelAction.NO_INVOLVEMENT)
def no_involvement(req: Click) -> None:
    _after_answer(req, confirm_no_involvement(_context(req), _id(req), user_id=req.actor))


@_on_click(PanelAction.SLOT_YES, PanelAction.SLOT_NO)
def answer_a_time(req: Click) -> None:
    available = req.payload.action.action_id == PanelAction.SLOT_YES.value
    answered = answer_slot(_context(req), _id(req), user_id=req.actor, available=available)
    _after_answer(req, answered)


@listeners.submission(PanelCallback.SCHEDULE.value, access=FROM_META, meta=PanelMeta)
def submit_schedule(req: Submitted[Any, PanelMeta]) -> Reply | None:
    return _store(req, find=False)


@listeners.submission(PanelCallback.FIND.value, access=FROM_META, meta=PanelMeta)
def submit_find(req: Submitted[Any, PanelMeta]) -> Reply | None:
    return _store(req, find=True)


@listeners.submission(PanelCallback.REVIEW_MEETING.value, access=FROM_META)
def submit_review_meeting(req: Submitted[Any, ViewMeta]) -> None:
    _store_meeting(req, REVIEW)


@listeners.submission(PanelCallback.RAPID_MEETING.value, access=FROM_META)
def submit_rapid_meeting(req: Submitted[Any, ViewMeta]) -> None:
    _store_meeting(req, RAPID)


@listeners.submission(PanelCallback.HELD.value, form=HeldForm, access=FROM_META)
def submit_held(req: Submitted[HeldForm, ViewMeta]) -> None:
    meeting_id, answers = _meeting_id(req), req.answers
    held = mark_held(
        _context(req),
        meeting_id,
        actor=req.actor,
        attended=set(answers.panel_attendance),
        review_chair=answers.panel_review_chair or "",
        review_members=answers.panel_review_members,
    )
    case_id = req.case.id
    if held:
        req.enqueue(Job.PANEL_HELD, meeting_id=meeting_id)
    req.enqueue(Job.CASE_CARD, case_id=case_id)


@listeners.submission(PanelCallback.EXCEPTION.value, form=ExceptionForm, access=FROM_META)
def submit_exception(req: Submitted[ExceptionForm, ViewMeta]) -> None:
    """On the Initial Panel (the meeting in the metadata) or on the review panel (none)."""
    member, reason = req.answers.panel_exception_member, req.answers.panel_exception_reason
    if req.ids.meeting is None:
        changed = review_panel.record_exception(
            req.session,
            req.runtime.cipher,
            req.now,
            req.case.id,
            member=member,
            reason=reason,
            actor=req.actor,
        )
    else:
        answered = record_exception(
            _context(req), req.ids.meeting, member=member, reason=reason, actor=req.actor
        )
        changed = answered.changed
    if changed:
        req.enqueue(Job.CASE_CARD, case_id=req.case.id)


@listeners.submission(PanelCallback.DECLARE.value, form=DeclareForm, access=FROM_META)
def submit_declaration(req: Submitted[DeclareForm, ViewMeta]) -> None:
    meeting_id, user, text = _meeting_id(req), req.actor, req.answers.panel_declaration
    answered = declare_involvement(_context(req), meeting_id, user_id=user, declaration=text)
    runtime, slack = req.runtime, req.slack
    if answered.changed:
        req.after(lambda: tell_organiser(runtime, slack, meeting_id, user))
    dm = (user, req.ids.channel or "", req.ids.ts or "")
    req.after(lambda: after_answer(runtime, slack, meeting_id, answered.case_id, dm))


# Shared steps ----------------------------------------------------------------------------


def _context(req: Request[Any]) -> PanelContext:
    return PanelContext(
        req.session, req.calendar, req.now, req.runtime.cipher, req.runtime.days_before
    )


def _core(req: Request[Any]) -> list[str]:
    return [a.name for a in req.runtime.partnership.agencies if a.core]


def _id(req: Click) -> int:
    assert req.number is not None
    return req.number


def _meeting_id(req: Submitted[Any, ViewMeta]) -> int:
    if req.ids.meeting is None:
        raise MalformedPayloadError("no meeting id")
    return req.ids.meeting


def _revision(raw: str | None) -> tuple[int, int]:
    """An invitation's button value: ``<meeting id>:<sequence>``."""
    meeting, _, sequence = str(raw or "").partition(":")
    if not meeting.isdigit() or not sequence.isdigit() or len(sequence) > 9:
        raise MalformedPayloadError("not a meeting revision")
    return int(meeting), int(sequence)


def _channel(req: Click) -> str | None:
    payload = req.payload
    return payload.container.channel_id or (payload.channel.id if payload.channel else None)


def _dm(req: Click) -> tuple[str, str]:
    return _channel(req) or "", req.payload.container.message_ts or ""


def _button_case(req: Click) -> Case:
    """The card's button is in the case channel; a reminder's carries its task id."""
    return panel_case(req.session, _channel(req), req.payload.action.value)


def _deadline(req: Request[Any], due: date) -> PanelDeadline:
    return PanelDeadline(due, req.calendar.last_working_day(due), req.today)


def _open_new(req: Request[Any], case: Case, build: Callable[..., View]) -> None:
    deadline = _deadline(req, may_open_new(req.session, case, req.actor))
    req.open_view(
        build(reference=case.reference, case_id=case.id, deadline=deadline, core=_core(req))
    )


def _open_change(req: Request[Any], meeting_id: int) -> None:
    req.open_view(_change_modal(req, meeting_id))


def _change_modal(
    req: Request[Any],
    meeting_id: int,
    confirming: Sequence[DayToConfirm] = (),
    confirmed: Sequence[date] = (),
) -> View:
    meeting, defaults = to_change(req.session, meeting_id, req.actor)
    case = meeting_case(req.session, meeting)
    return schedule_modal(
        reference=case.reference,
        case_id=case.id,
        deadline=_deadline(req, panel_deadline(req.session, case)),
        core=_core(req),
        meeting_id=meeting.id,
        defaults=defaults,
        confirming=confirming,
        confirmed=confirmed,
    )


def _meeting_command(req: Command, purpose: str) -> Reply | str | None:
    """`/scr review meeting ...` or `/scr rapid meeting ...`: schedule and move open the
    modal; cancel offers the button (with Slack's confirmation) and the click cancels; held
    (for a purpose with a task) marks the meeting held."""
    verb, channel, words = (req.args or [""])[0].lower(), req.payload.channel_id, PURPOSES[purpose]
    verbs = ("move", "cancel", "held") if words.task else ("move", "cancel")
    if verb == "schedule":
        case, defaults = review_meetings.to_schedule(req.session, channel, req.actor, purpose)
        req.open_view(_meeting_modal(case, defaults, purpose, None, words.title))
        return None
    if verb not in verbs:
        return MEETING_USAGE.format(command=words.command, verbs="|".join(("schedule", *verbs)))
    if verb == "held":
        case = review_meetings.mark_held(_context(req), channel, actor=req.actor, purpose=purpose)
        req.enqueue(Job.CASE_CARD, case_id=case.id)
        return f"{case.reference}: the {words.title.lower()} is marked held."
    meeting = review_meetings.channel_meeting_of(req.session, channel, req.actor, purpose)
    case, title = meeting_case(req.session, meeting), meeting_title(req.session, meeting)
    if verb == "move":
        defaults = review_meetings.defaults_of(meeting)
        req.open_view(_meeting_modal(case, defaults, purpose, meeting.id, title))
        return None
    prompt = cancel_prompt(case.reference, meeting.id, meeting.start_at, title)
    return Reply(text=prompt.text, blocks=prompt.blocks)


def _meeting_modal(
    case: Case, defaults: PanelDefaults, purpose: str, meeting_id: int | None, title: str
) -> View:
    return schedule_modal(
        reference=case.reference,
        case_id=case.id,
        deadline=None,
        core=(),
        defaults=defaults,
        meeting_id=meeting_id,
        title=title,
        callback=MEETING_CALLBACKS[purpose],
    )


def _store_meeting(req: Submitted[Any, ViewMeta], purpose: str) -> None:
    meeting_id = review_meetings.store_meeting(
        _context(req),
        req.case,
        req.payload.values(),
        purpose=purpose,
        meeting_id=req.ids.meeting,
        actor=req.actor,
        view_id=req.payload.view.id,
        uid=new_panel_uid(req.runtime.settings.smtp_from),
    )
    if meeting_id is not None:
        _send(req, meeting_id)


def _open_held(req: Request[Any], meeting_id: int) -> None:
    meeting, expected = to_mark_held(req.session, meeting_id, req.actor, req.now)
    reference = meeting_case(req.session, meeting).reference
    req.open_view(
        held_modal(
            reference=reference, case_id=meeting.case_id, meeting_id=meeting.id, expected=expected
        )
    )


def _open_exception(req: Request[Any], meeting_id: int) -> None:
    meeting = to_except(req.session, meeting_id, req.actor)
    reference = meeting_case(req.session, meeting).reference
    req.open_view(
        exception_modal(
            reference=reference,
            case_id=meeting.case_id,
            meeting_id=meeting.id,
            pending=not_cleared(meeting),
        )
    )


def _store(req: Submitted[Any, PanelMeta], *, find: bool) -> Reply | None:
    """Book (or propose) what the modal says; a date on a weekend or bank holiday is first
    told on its input, and booked when the same date is submitted again."""
    try:
        meeting_id = store_answers(
            _context(req),
            req.case,
            req.payload.values(),
            find=find,
            meeting_id=req.ids.meeting,
            actor=req.actor,
            view_id=req.payload.view.id,
            core=_core(req),
            uid=new_panel_uid(req.runtime.settings.smtp_from),
            confirmed=req.ids.confirmed,
        )
    except DaysToConfirmError as exc:
        return Reply(update=_confirm_modal(req, exc.days, find=find))
    if meeting_id is not None:
        _send(req, meeting_id)
    return None


def _confirm_modal(
    req: Submitted[Any, PanelMeta], confirming: Sequence[DayToConfirm], *, find: bool
) -> View:
    """The same modal again (Slack keeps what was entered), with the notices; the dates
    warned of are remembered in its metadata (the latest few, the ones just warned of last)."""
    warned = [c.day for c in confirming]
    confirmed = [*(d for d in req.ids.confirmed if d not in warned), *warned][-MAX_SLOTS:]
    if not find and req.ids.meeting is not None:
        return _change_modal(req, req.ids.meeting, confirming, confirmed)
    build = find_modal if find else schedule_modal
    deadline = _deadline(req, panel_deadline(req.session, req.case))
    return build(
        reference=req.case.reference,
        case_id=req.case.id,
        deadline=deadline,
        core=_core(req),
        confirming=confirming,
        confirmed=confirmed,
    )


def _send_papers(req: Command | Click, task_id: int) -> None:
    """Checked now (a refusal is the answer); sent after it, the outcome on response_url."""
    papers_to_send(req.session, task_id, req.actor)
    runtime, slack, actor, url = req.runtime, req.slack, req.actor, req.payload.response_url
    req.after(lambda: slack.respond(url, actor, send_papers(runtime, slack, task_id, actor)))


def _send(req: Request[Any], meeting_id: int) -> None:
    req.enqueue(Job.PANEL_INVITATIONS, meeting_id=meeting_id)


def _after_answer(req: Click, answered: Answered) -> None:
    if not answered.changed:
        return
    runtime, slack = req.runtime, req.slack
    channel, ts = _dm(req)
    dm = (req.actor, channel, ts)
    req.after(lambda: after_answer(runtime, slack, answered.meeting_id, answered.case_id, dm))


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
