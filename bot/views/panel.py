"""The Initial Panel in Slack (pure: data in, Block Kit out): the invitation DM with its
answers, the availability DM, reminders, the channel announcements, the case card's part,
and the modals (schedule or change it, propose times, mark it held, declare an involvement).
The case reference, times, places and people on the panel; never the child.
``private_metadata`` names the case or meeting; listeners re-check both."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, PanelAction, PanelBlock, PanelCallback
from bot.services.cases.schema import Deadline
from bot.services.panel.schema import (
    DECLARATION_LENGTH,
    DURATIONS,
    GO_AHEAD,
    INITIAL_TITLE,
    LOCATION_LENGTH,
    MAX_MEMBERS,
    REASON_LENGTH,
    SLOT_BLOCKS,
    DayToConfirm,
    Involvement,
    MeetingFacts,
    MemberState,
    PanelCardState,
    PanelDeadline,
    PanelDefaults,
    PartStat,
    ReminderKind,
    SlotLine,
    calendar_title,
)
from bot.views.buttons import labelled_button
from bot.views.format import LONDON, day, deadline_words, plural, short_day, user_link
from bot.views.messages import Message

PARTSTAT_WORDS: dict[str, str] = {
    PartStat.NEEDS_ACTION: "no answer yet",
    PartStat.ACCEPTED: "coming",
    PartStat.TENTATIVE: "maybe",
    PartStat.DECLINED: "not coming",
}
REMINDER_OPENINGS = {
    ReminderKind.CHASE: "you have not answered the invitation to the Initial Panel yet",
    ReminderKind.TWO_DAYS: "the Initial Panel meets in two working days",
    ReminderKind.ONE_HOUR: "the Initial Panel starts in an hour",
}
MAX_TIME_OPTIONS = 5
TIMEZONE = "Europe/London"
PANEL_LABEL = "Initial Panel"


def _in_sentence(title: str) -> str:
    """ "Initial Panel" as it is; "review panel meeting 2" in lower case."""
    return title if title == INITIAL_TITLE else title[:1].lower() + title[1:]


def when(start: datetime, end: datetime) -> str:
    """ "Tue 15 Dec 2026, 10:00–12:00", London time."""
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    return f"{day(local_start.date())}, {local_start:%H:%M}–{local_end:%H:%M}"


def short_when(start: datetime) -> str:
    local = start.astimezone(LONDON)
    return f"{short_day(local.date())} {local:%H:%M}"


def where(location: str | None, video_url: str | None) -> str:
    parts = [location] if location else []
    if video_url:
        parts.append(f"<{video_url}|video link>")
    return " · ".join(parts) or "to be confirmed"


def people(users: Sequence[str]) -> str:
    return ", ".join(user_link(u) for u in users) or "nobody"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def _button(
    text: str,
    action: PanelAction,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=text, action_id=action.value, value=value, style=style, confirm=confirm
    )


def _meeting_lines(facts: MeetingFacts) -> str:
    return (
        f"*When:* {when(facts.start, facts.end)} (London time)\n"
        f"*Where:* {where(facts.location, facts.video_url)}\n"
        f"*Chair:* {user_link(facts.chair)} · organised by {user_link(facts.organiser)}"
    )


def rsvp_buttons(facts: MeetingFacts) -> ActionsBlock:
    value = f"{facts.meeting_id}:{facts.sequence}"
    return ActionsBlock(
        elements=[
            _button("Accept", PanelAction.ACCEPT, value, style="primary"),
            _button("Maybe", PanelAction.TENTATIVE, value),
            _button("Decline", PanelAction.DECLINE, value),
        ]
    )


def involvement_blocks(meeting_id: int, involvement: str) -> list[Block]:
    if involvement == Involvement.NONE:
        return [section("✓ You confirmed you had no previous involvement in this case.")]
    if involvement == Involvement.EXCEPTED:
        return [
            section(
                "The CPU has recorded an exception: you sit on this panel although you did "
                "not confirm that you had no previous involvement."
            )
        ]
    if involvement == Involvement.DECLARED:
        return [
            section(
                "You declared a previous involvement in this case; the organiser has been "
                "told and may ask someone else to take your place."
            )
        ]
    return [
        section(
            "Nobody on the panel may have had previous direct involvement in the management "
            "of this case. Please confirm, or declare your involvement."
        ),
        ActionsBlock(
            elements=[
                _button(
                    "Confirm no previous involvement",
                    PanelAction.NO_INVOLVEMENT,
                    str(meeting_id),
                ),
                _button("Declare involvement", PanelAction.OPEN_DECLARE, str(meeting_id)),
            ]
        ),
    ]


def invitation_dm(
    facts: MeetingFacts, member: MemberState, *, update: bool, with_file: bool
) -> Message:
    """``with_file``: the `.ics` is shared in the DM after this message."""
    role = " as chair" if member.role == "chair" else ""
    moment = when(facts.start, facts.end)
    name = calendar_title(facts.title)
    text = (
        f"{facts.reference}: the {name} has changed: {moment}."
        if update
        else f"{facts.reference}: you are invited{role} to the {name}, {moment}."
    )
    answer = PARTSTAT_WORDS.get(member.partstat, member.partstat)
    if member.by_email and member.partstat != PartStat.NEEDS_ACTION:
        answer += " (from your calendar, by e-mail)"
    blocks: list[Block] = [
        section(f"*{text}*\n{_meeting_lines(facts)}"),
        section(f"*Your answer:* {answer}"),
        rsvp_buttons(facts),
        *(involvement_blocks(facts.meeting_id, member.involvement) if facts.initial else []),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=("The calendar invitation (.ics) follows. " if with_file else "")
                    + "Papers are in the case channel."
                )
            ]
        ),
    ]
    return Message(text=text, blocks=blocks)


def availability_dm(
    reference: str,
    meeting_id: int,
    organiser: str,
    slots: Sequence[SlotLine],
    involvement: str,
) -> Message:
    text = f"{reference}: when could you meet for the Initial SCR Panel?"
    blocks: list[Block] = [
        section(
            f"*{text}*\n{user_link(organiser)} has proposed these times (London time). "
            "Say which suit you; the organiser then picks one and sends the invitation."
        )
    ]
    for slot in slots:
        mine = {True: "✓ you can make it", False: "✗ you can't", None: "no answer yet"}
        moment = when(slot.start, slot.end)
        blocks.append(section(f"{moment} · {mine[slot.mine]}"))
        value = str(slot.slot_id)
        blocks.append(
            ActionsBlock(
                block_id=f"{PanelBlock.SLOT_ROW.value}_{slot.slot_id}",
                elements=[
                    labelled_button(
                        "I can make it", PanelAction.SLOT_YES.value, subject=moment, value=value
                    ),
                    labelled_button(
                        "I can't make it", PanelAction.SLOT_NO.value, subject=moment, value=value
                    ),
                ],
            )
        )
    blocks.extend(involvement_blocks(meeting_id, involvement))
    return Message(text=text, blocks=blocks)


def cancelled_dm(
    reference: str,
    start: datetime | None,
    *,
    removed: bool,
    with_file: bool,
    title: str = INITIAL_TITLE,
) -> Message:
    """``with_file``: the cancellation `.ics` is shared in the DM after this message."""
    was = f" on {short_when(start)}" if start is not None else ""
    text = (
        f"{reference}: you are no longer on the {_in_sentence(title)}{was}."
        if removed
        else f"{reference}: the {_in_sentence(title)}{was} is cancelled."
    )
    follows = (
        "\nThe calendar cancellation (.ics) follows: open it to take the meeting out of your "
        "calendar."
        if with_file
        else ""
    )
    return Message(text=text, blocks=[section(f"*{text}*{follows}")])


def papers_dm(reference: str, start: datetime, where: str) -> Message:
    """The integrated chronology for a member of the panel, before it meets; ``where``: the
    case channel, or the case's page in the case room (a Slack link)."""
    text = (
        f"{reference}: the integrated chronology for the Initial Panel on {short_when(start)} "
        f"is in {where}."
    )
    return Message(
        text=text,
        blocks=[section(f"*{text}*\nPlease read it before the meeting. It is confidential.")],
    )


def declaration_dm(reference: str, meeting_id: int, member: str) -> Message:
    text = f"{reference}: {user_link(member)} has declared previous involvement in the case."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{text}*\nThe panel should not include anyone with previous direct "
                "involvement. You can replace them with Change panel."
            ),
            ActionsBlock(
                elements=[_button("Change panel", PanelAction.OPEN_CHANGE, str(meeting_id))]
            ),
        ],
    )


def reminder_dm(kind: ReminderKind, facts: MeetingFacts, member: MemberState) -> Message:
    opening = REMINDER_OPENINGS.get(kind, "the Initial Panel")
    if not facts.initial:
        opening = opening.replace("the Initial Panel", f"the {facts.title.lower()}")
    text = f"{facts.reference}: {opening} ({when(facts.start, facts.end)})."
    blocks: list[Block] = [section(f"*{text}*\n{_meeting_lines(facts)}")]
    if member.partstat == PartStat.NEEDS_ACTION:
        blocks.append(rsvp_buttons(facts))
    if facts.initial and member.involvement == Involvement.UNCONFIRMED:
        blocks.extend(involvement_blocks(facts.meeting_id, member.involvement))
    return Message(text=text, blocks=blocks)


# Announcements in the case channel ---------------------------------------------------


def scheduled_announcement(
    facts: MeetingFacts, members: Sequence[str], *, update: bool, emailed: bool, with_file: bool
) -> Message:
    verb = "changed" if update else "scheduled"
    text = f"{facts.reference}: {facts.title} {verb} for {when(facts.start, facts.end)}."
    sent = "by DM and e-mail" if emailed else "by DM"
    body = (
        f"*{facts.title} {verb}*: {when(facts.start, facts.end)}\n"
        f"*Where:* {where(facts.location, facts.video_url)}\n"
        f"*Chair:* {user_link(facts.chair)} · *members:* {people(members)}\n"
        f"Invitations go out {sent}" + ("; the calendar file follows." if with_file else ".")
    )
    return Message(text=text, blocks=[section(body)])


def cancelled_announcement(
    reference: str, start: datetime | None, deadline_text: str | None, title: str = INITIAL_TITLE
) -> Message:
    """``deadline_text``: when a new date is needed by (the Initial Panel's deadline)."""
    was = f" ({short_when(start)})" if start is not None else ""
    text = f"{reference}: the {_in_sentence(title)}{was} is cancelled."
    needed = f"\nA new date is needed by {deadline_text}." if deadline_text else ""
    return Message(text=text, blocks=[section(f"*{text}*{needed}")])


def proposal_announcement(reference: str, organiser: str, count: int) -> Message:
    text = f"{reference}: finding a time for the Initial Panel."
    body = (
        f"*Finding a time for the Initial Panel*: {user_link(organiser)} proposed "
        f"{plural(count, 'time')}; the panel members have been asked by DM. "
        "Their answers are on the case card."
    )
    return Message(text=text, blocks=[section(body)])


def held_announcement(reference: str, attended: Sequence[str]) -> Message:
    text = f"{reference}: the Initial Panel is marked held."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{text}*\n*Attended:* {people(attended)}\nNext: the CPU records the "
                "panel's recommendation for the Board Chair."
            )
        ],
    )


def confirm_cancel() -> ConfirmObject:
    return ConfirmObject(
        title="Cancel the panel?",
        text="Everyone invited is sent the cancellation.",
        confirm="Cancel panel",
        deny="Keep it",
    )


def cancel_prompt(
    reference: str, meeting_id: int, start: datetime | None, title: str = INITIAL_TITLE
) -> Message:
    was = f" on {short_when(start)}" if start is not None else ""
    text = (
        f"{reference}: cancel the {_in_sentence(title)}{was}? Everyone invited is sent the "
        "cancellation."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                elements=[
                    _button(
                        "Cancel panel",
                        PanelAction.CANCEL,
                        str(meeting_id),
                        style="danger",
                        confirm=confirm_cancel(),
                    )
                ]
            ),
        ],
    )


def email_text(
    reference: str,
    method: str,
    start: datetime | None,
    end: datetime | None,
    location: str | None,
    video_url: str | None,
    *,
    update: bool = False,
    removed: bool = False,
    copied: bool = False,
    replies_read: bool = False,
    title: str = INITIAL_TITLE,
) -> str:
    """The plain text of an invitation e-mail: no Slack markup, links written out.
    ``replies_read``: the bot reads the Board's mailbox, so a calendar's answer counts.

    ``removed``: a cancellation for someone taken off a panel that still meets;
    ``copied``: the convener, copied for information rather than invited.
    """
    panel = (
        f"the Initial Serious Case Review Panel for {reference}"
        if title == INITIAL_TITLE
        else f"the {title.lower()} of the Serious Case Review for {reference}"
    )
    the_panel = f"T{panel[1:]}"
    if removed:
        was = f" on {when(start, end)} (London time)" if start and end else ""
        return (
            f"You have been taken off {panel}{was}. The panel still meets, without you.\n\n"
            "Your calendar removes the meeting when you open this message's cancellation."
        )
    if method == "CANCEL" or start is None or end is None:
        return (
            f"{the_panel} is cancelled.\n\n"
            "Your calendar removes it when you open this message's cancellation."
        )
    lines = [
        f"{the_panel} has changed." if update else the_panel,
        "",
        f"When: {when(start, end)} (London time)",
        f"Where: {location or ('Online' if video_url else 'to be confirmed')}",
    ]
    if video_url:
        lines.append(f"Join online: {video_url}")
    lines.append("")
    if copied:
        lines.append(
            "You are copied for information as the panel's organiser; you need not answer."
        )
    elif replies_read:
        lines.append(
            "Please answer in your calendar, or with the Accept or Decline buttons in your "
            "Slack message from the bot: either answer shows in Slack."
        )
    else:
        lines.append(
            "Please answer with the Accept or Decline buttons in your Slack message from "
            "the bot. An answer from your calendar goes to the Board's mailbox."
        )
    lines.append("Papers are in the case's private Slack channel.")
    return "\n".join(lines)


def organiser_copy_text(
    reference: str,
    method: str,
    *,
    removed: bool,
    recipients: int,
    body: str,
    title: str = INITIAL_TITLE,
) -> str:
    """The organising mailbox's copy of what was sent, and to how many people."""
    what = (
        "cancellation sent to a member taken off the panel"
        if removed
        else ("cancellation" if method == "CANCEL" else "invitation")
    )
    people = "person" if recipients == 1 else "people"
    return (
        f"Organiser's copy: the {reference} {title} {what}, sent to {recipients} "
        f"{people} by e-mail. Calendar answers to it come back to this mailbox.\n\n"
        f"What they were sent:\n\n{body}"
    )


def ics_comment(reference: str, method: str, sequence: int, title: str = INITIAL_TITLE) -> str:
    verb = "Cancellation" if method == "CANCEL" else "Calendar invitation"
    return (
        f"{verb} for the {reference} {title} "
        f"(update {sequence}); open it to add it to your calendar."
    )


# The case card's part ----------------------------------------------------------------


@dataclass(frozen=True)
class PanelOnCard:
    """The Initial Panel on the case card: its deadline line and its blocks."""

    state: PanelCardState | None

    def deadlines(self, others: Sequence[Deadline]) -> list[Deadline]:
        """The card's deadlines with the Initial Panel's line worded from the meeting."""
        kept = [d for d in others if d.label != PANEL_LABEL]
        if self.state is None:
            return list(others)
        line = Deadline(
            PANEL_LABEL,
            self.state.deadline,
            done=self.state.status == "held",
            note=deadline_note(self.state),
            last_working_day=self.state.last_working_day,
        )
        return sorted([*kept, line], key=lambda d: d.due)

    @property
    def blocks(self) -> list[Block]:
        return panel_card_blocks(self.state) if self.state is not None else []


def deadline_note(state: PanelCardState) -> str:
    """What follows the Initial Panel's deadline on its line of the card."""
    if state.status == "held" and state.start is not None:
        return f"held {short_day(state.start.astimezone(LONDON).date())}"
    if state.status == "scheduled" and state.start is not None:
        note = f"scheduled for {short_when(state.start)}"
        if state.override_by is not None:
            note += f" · after the deadline: override recorded by {user_link(state.override_by)}"
        return note
    if state.status == "proposed":
        return "finding a time"
    if state.status == "cancelled":
        return "not scheduled yet (the last date was cancelled)"
    return "not scheduled yet"


def _scheduled_lines(state: PanelCardState) -> list[str]:
    assert state.start is not None and state.end is not None
    lines = [
        f"*Meeting*: {when(state.start, state.end)} · {where(state.location, state.video_url)}",
        f"Chair {user_link(state.chair or '')} · organised by {user_link(state.organiser or '')}",
    ]
    answers = [
        f"{label}: {_answered(state.answers[key], state.by_email)}"
        for key, label in (
            (PartStat.ACCEPTED, "coming"),
            (PartStat.TENTATIVE, "maybe"),
            (PartStat.DECLINED, "not coming"),
            (PartStat.NEEDS_ACTION, "no answer yet"),
        )
        if state.answers.get(key)
    ]
    if answers:
        joined = " · ".join(answers)
        lines.append(joined[:1].upper() + joined[1:])
    return lines


def _answered(users: Sequence[str], by_email: Sequence[str]) -> str:
    return (
        ", ".join(user_link(u) + (" (by e-mail)" if u in by_email else "") for u in users)
        or "nobody"
    )


def _involvement_lines(state: PanelCardState) -> list[str]:
    lines = []
    if state.declared:
        lines.append(
            f"⚠ Declared previous involvement: {people(state.declared)} "
            "(the organiser can replace them with Change panel)"
        )
    if state.unconfirmed:
        lines.append(f"No previous involvement not yet confirmed by: {people(state.unconfirmed)}")
    elif not state.declared and state.status in ("proposed", "scheduled"):
        others = "Everyone else" if state.excepted else "Everyone"
        lines.append(f"{others} on the panel has confirmed no previous involvement.")
    if state.excepted:
        lines.append(
            f"Exception recorded by the CPU (with its reason) for: {people(state.excepted)}"
        )
    if (state.unconfirmed or state.declared) and state.status == "scheduled":
        lines.append("The panel can be marked held once each of them confirms or is excepted.")
    return lines


def _slot_lines(state: PanelCardState) -> list[str]:
    lines = [f"*Finding a time* (asked: {people(state.asked)})"]
    for slot in state.slots:
        yes = f"{len(slot.available)} of {len(state.asked)} available"
        if slot.available:
            yes += f" ({people(slot.available)})"
        no = f" · {len(slot.unavailable)} can't" if slot.unavailable else ""
        lines.append(f"• {when(slot.start, slot.end)} · {yes}{no}")
    return lines


def _time_picker(slots: Sequence[SlotLine]) -> StaticSelectElement:
    """The organiser picks one of the proposed times (confirmed before it is sent)."""
    return StaticSelectElement(
        action_id=PanelAction.SLOT_CONFIRM.value,
        placeholder="Use this time…",
        options=[
            Option(value=str(slot.slot_id), label=f"Use {short_when(slot.start)}")
            for slot in slots[:MAX_TIME_OPTIONS]
        ],
        confirm=ConfirmObject(
            title="Send the invitations?",
            text="The panel is invited for the time you picked.",
            confirm="Send invitations",
            deny="Not yet",
        ),
    )


def _buttons(state: PanelCardState) -> list[ButtonElement | StaticSelectElement]:
    meeting = str(state.meeting_id)
    if state.status in ("none", "cancelled"):
        return [
            _button("Schedule panel", PanelAction.OPEN_SCHEDULE, "schedule", style="primary"),
            _button("Find a time", PanelAction.OPEN_FIND, "find"),
        ]
    cancel = _button("Cancel panel", PanelAction.CANCEL, meeting, confirm=confirm_cancel())
    excepting: list[ButtonElement | StaticSelectElement] = []
    if state.unconfirmed or state.declared:
        excepting = [_button("Record exception", PanelAction.OPEN_EXCEPTION, meeting)]
    if state.status == "proposed":
        return [_time_picker(state.slots), cancel, *excepting]
    if state.status == "scheduled":
        held = _button("Mark held", PanelAction.OPEN_HELD, meeting)
        return [_button("Change panel", PanelAction.OPEN_CHANGE, meeting), cancel, held, *excepting]
    return []


def panel_card_blocks(state: PanelCardState) -> list[Block]:
    lines: list[str] = []
    if state.status == "scheduled":
        lines = _scheduled_lines(state) + _involvement_lines(state)
    elif state.status == "proposed":
        lines = _slot_lines(state) + _involvement_lines(state)
    elif state.status == "held":
        lines = [
            f"*Initial Panel held* · attended: {people(state.attended)} · next: the "
            "panel's recommendation"
        ]
    blocks: list[Block] = []
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000])))
    buttons = _buttons(state)
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return blocks


# Modals ------------------------------------------------------------------------------


def metadata(
    case_id: int,
    meeting_id: int | None = None,
    *,
    confirmed: Sequence[date] = (),
    **where: str,
) -> str:
    """The ids a submission is about (and, for a DM's button, the message to redraw); the
    non-working days the organiser was warned of, so that submitting them again books them."""
    extra = {"confirmed": sorted(d.isoformat() for d in confirmed)} if confirmed else {}
    return json.dumps({"case": case_id, "meeting": meeting_id, **extra, **where})


def _must_meet_by(deadline: PanelDeadline) -> str:
    return deadline_words(deadline.due, deadline.last_working_day, deadline.today)


def not_a_working_day(day_to_confirm: DayToConfirm, verb: str) -> str:
    """The notice on a date input, e.g. that Sat 26 Dec 2026 is not a working day (weekend),
    and that submitting again books it anyway."""
    return (
        f"⚠ {day(day_to_confirm.day)} is not a working day ({day_to_confirm.closure}). "
        f"Submit again to {verb} it anyway."
    )


def _date_input(
    block: PanelBlock,
    label: str,
    *,
    optional: bool = False,
    initial: str | None = None,
    notices: Sequence[DayToConfirm] = (),
    verb: str = "book",
) -> InputBlock:
    """A date input, with the notice when its date is not a working day."""
    notice = next((n for n in notices if n.block == block.value), None)
    return InputBlock(
        block_id=block.value,
        label=label,
        element=DatePickerElement(action_id=INPUT_ACTION, initial_date=initial),
        optional=optional,
        hint=not_a_working_day(notice, verb) if notice is not None else None,
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _input(
    block: PanelBlock, label: str, element: InputInteractiveElement, *, optional: bool = False
) -> InputBlock:
    return InputBlock(block_id=block.value, label=label, element=element, optional=optional)


def _time(value: datetime | None) -> str | None:
    return f"{value.astimezone(LONDON):%H:%M}" if value else None


def _people_and_place(
    defaults: PanelDefaults, core: Sequence[str], *, go_ahead: bool = True
) -> list[Block]:
    agencies = ", ".join(core) or "the core agencies"
    blocks: list[Block] = [
        _input(
            PanelBlock.LOCATION,
            "Location",
            PlainTextInputElement(
                action_id=INPUT_ACTION,
                initial_value=defaults.location,
                max_length=LOCATION_LENGTH,
            ),
            optional=True,
        ),
        _input(
            PanelBlock.VIDEO,
            "Video link",
            UrlInputElement(action_id=INPUT_ACTION, initial_value=defaults.video_url),
            optional=True,
        ),
        _input(
            PanelBlock.MEMBERS,
            "Panel members",
            UserMultiSelectElement(
                action_id=INPUT_ACTION,
                initial_users=list(defaults.members) or None,
                max_selected_items=MAX_MEMBERS,
            ),
        ),
        _input(
            PanelBlock.CHAIR,
            "Panel chair",
            UserSelectElement(action_id=INPUT_ACTION, initial_user=defaults.chair),
        ),
    ]
    if not go_ahead:
        return blocks
    return [
        *blocks,
        _input(
            PanelBlock.GO_AHEAD,
            "Representation",
            CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[
                    Option(
                        value=GO_AHEAD,
                        label="Go ahead even if an involved core agency has nobody on it",
                        description=f"Core agencies: {agencies}"[:75],
                    )
                ],
            ),
            optional=True,
        ),
    ]


def schedule_modal(
    *,
    reference: str,
    case_id: int,
    deadline: PanelDeadline | None,
    core: Sequence[str],
    defaults: PanelDefaults | None = None,
    meeting_id: int | None = None,
    confirming: Sequence[DayToConfirm] = (),
    confirmed: Sequence[date] = (),
    title: str = INITIAL_TITLE,
    callback: PanelCallback = PanelCallback.SCHEDULE,
) -> View:
    """Schedule (or, with ``meeting_id``, change) the panel. ``confirming``: the chosen date
    is not a working day, so the date input says so and the next submission books it.
    Without a ``deadline`` (a review panel meeting, named by ``title``) there is neither
    the deadline nor a reason for missing it, nor the core agencies' representation."""
    defaults = defaults or PanelDefaults()
    start_date = defaults.start.astimezone(LONDON).date().isoformat() if defaults.start else None
    must_meet = (
        f"the {title} must meet by *{_must_meet_by(deadline)}*"
        if deadline is not None
        else f"the {title.lower()}"
    )
    blocks: list[Block] = [
        _context(
            f"*{reference}* · {must_meet}. Times are London time. Invitations go to "
            "everyone on the panel by DM (and e-mail)."
        ),
        _date_input(PanelBlock.DATE, "Date", initial=start_date, notices=confirming),
        _input(
            PanelBlock.START,
            "Starts",
            TimePickerElement(
                action_id=INPUT_ACTION, initial_time=_time(defaults.start), timezone=TIMEZONE
            ),
        ),
        _input(
            PanelBlock.END,
            "Ends",
            TimePickerElement(
                action_id=INPUT_ACTION, initial_time=_time(defaults.end), timezone=TIMEZONE
            ),
        ),
        *_people_and_place(defaults, core, go_ahead=deadline is not None),
    ]
    if deadline is not None:
        blocks += [
            _input(
                PanelBlock.OVERRIDE,
                f"Reason, if after {day(deadline.due)}",
                PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=REASON_LENGTH
                ),
                optional=True,
            ),
            _context(
                "A reason for meeting after the deadline is kept on the case record "
                "(encrypted) and is not posted in Slack; the card shows that an override was "
                "recorded."
            ),
        ]
    changing = meeting_id is not None
    return View(
        type="modal",
        callback_id=callback.value,
        private_metadata=metadata(case_id, meeting_id, confirmed=confirmed),
        title=PlainTextObject(
            text=("Change the " if changing else "Schedule the ")
            + ("panel" if deadline is not None else "meeting")
        ),
        submit=PlainTextObject(text="Send update" if changing else "Send invitations"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def find_modal(
    *,
    reference: str,
    case_id: int,
    deadline: PanelDeadline,
    core: Sequence[str],
    confirming: Sequence[DayToConfirm] = (),
    confirmed: Sequence[date] = (),
) -> View:
    """Propose times. ``confirming``: proposed dates that are not working days, each told on
    its input; the next submission proposes them."""
    blocks: list[Block] = [
        _context(
            f"*{reference}* · propose up to five times by *{_must_meet_by(deadline)}* (London "
            "time). Each panel member is asked by DM which suit them; you then pick one."
        ),
        _input(
            PanelBlock.DURATION,
            "Length",
            StaticSelectElement(
                action_id=INPUT_ACTION,
                options=[Option(value=str(m), label=f"{m // 60}h{m % 60:02d}") for m in DURATIONS],
                initial_option=Option(value="120", label="2h00"),
            ),
        ),
    ]
    for number, (date_block, time_block) in enumerate(SLOT_BLOCKS, start=1):
        optional = number > 1
        blocks.append(
            _date_input(
                date_block,
                f"Time {number}: date",
                optional=optional,
                notices=confirming,
                verb="propose",
            )
        )
        blocks.append(
            _input(
                time_block,
                f"Time {number}: starts",
                TimePickerElement(action_id=INPUT_ACTION, timezone=TIMEZONE),
                optional=optional,
            )
        )
    blocks.extend(_people_and_place(PanelDefaults(), core))
    return View(
        type="modal",
        callback_id=PanelCallback.FIND.value,
        private_metadata=metadata(case_id, confirmed=confirmed),
        title=PlainTextObject(text="Find a time"),
        submit=PlainTextObject(text="Ask the panel"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def held_modal(*, reference: str, case_id: int, meeting_id: int, expected: Sequence[str]) -> View:
    return View(
        type="modal",
        callback_id=PanelCallback.HELD.value,
        private_metadata=metadata(case_id, meeting_id),
        title=PlainTextObject(text="Panel held"),
        submit=PlainTextObject(text="Mark held"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _context(
                f"*{reference}* · marking the Initial Panel held opens the Board Chair's "
                "decision stage."
            ),
            _input(
                PanelBlock.ATTENDANCE,
                "Who attended?",
                UserMultiSelectElement(
                    action_id=INPUT_ACTION, initial_users=list(expected) or None
                ),
            ),
            _context(
                "Should the Board Chair decide on a review: the review panel the panel names. "
                "Its chair is a senior manager of the CPU or someone the partnership lists as "
                "eligible; each of them confirms no previous involvement before it starts."
            ),
            _input(
                PanelBlock.REVIEW_CHAIR,
                "Review panel chair",
                UserSelectElement(action_id=INPUT_ACTION),
                optional=True,
            ),
            _input(
                PanelBlock.REVIEW_MEMBERS,
                "Review panel members",
                UserMultiSelectElement(action_id=INPUT_ACTION, max_selected_items=MAX_MEMBERS),
                optional=True,
            ),
        ],
    )


def exception_modal(
    *, reference: str, case_id: int, meeting_id: int | None, pending: Sequence[str]
) -> View:
    """The CPU's exception for a member who has not confirmed no previous involvement: of
    the Initial Panel's ``meeting_id``, or (None) of the review panel."""
    panel = "the panel" if meeting_id is not None else "the review panel"
    return View(
        type="modal",
        callback_id=PanelCallback.EXCEPTION.value,
        private_metadata=metadata(case_id, meeting_id),
        title=PlainTextObject(text="Record an exception"),
        submit=PlainTextObject(text="Record exception"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _context(
                f"*{reference}* · nobody on {panel} may have had previous direct involvement "
                f"in the management of the case. Not confirmed: {people(pending)}. The reason "
                "is stored encrypted on the case record; do not name the child or the family."
            ),
            _input(
                PanelBlock.EXCEPTION_MEMBER,
                "Who may sit on the panel all the same?",
                UserSelectElement(action_id=INPUT_ACTION, initial_user=next(iter(pending), None)),
            ),
            _input(
                PanelBlock.EXCEPTION_REASON,
                "Why?",
                PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=REASON_LENGTH
                ),
            ),
        ],
    )


def declare_modal(*, reference: str, case_id: int, meeting_id: int, channel: str, ts: str) -> View:
    return View(
        type="modal",
        callback_id=PanelCallback.DECLARE.value,
        private_metadata=metadata(case_id, meeting_id, channel=channel, ts=ts),
        title=PlainTextObject(text="Declare involvement"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _context(
                f"*{reference}* · what you write is stored encrypted on the case record. The "
                "organiser is told only that you declared an involvement."
            ),
            _input(
                PanelBlock.DECLARATION,
                "What was your involvement?",
                PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=DECLARATION_LENGTH
                ),
            ),
        ],
    )
