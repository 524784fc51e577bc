"""The referral modal (Appendix 1), what it shows once a referral is taken, and the
messages of the case's set-up: the CPU's news of a referral, the referrer's "set up" (or
"not yet") note, the business unit's list of people who could not be added."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, Action, Callback, ReferralBlock
from bot.services.referral.schema import (
    CP_PLAN_LABELS,
    CRITERION_LABELS,
    FAMILY_ROWS,
    LONG_TEXT,
    OTHER_CHILDREN_LABELS,
    SERVICE_ROWS,
    SHORT_TEXT,
    AgencyChoice,
    ProcessChoice,
    WaitingReferral,
    row_block,
)
from bot.views.format import channel_link, moment, user_link
from bot.views.messages import Message
from bot.views.reminders import open_channel_button


def _text(block: ReferralBlock, label: str, *, multiline: bool, optional: bool) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=multiline,
            max_length=LONG_TEXT if multiline else SHORT_TEXT,
        ),
    )


def _date(block: ReferralBlock, label: str, initial: date | None = None) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=DatePickerElement(
            action_id=INPUT_ACTION, initial_date=initial.isoformat() if initial else None
        ),
    )


def _row_input(group: str, row: int, part: str, label: str) -> InputBlock:
    """One input of a repeated row: optional (a blank row is left out)."""
    element: DatePickerElement | PlainTextInputElement = (
        DatePickerElement(action_id=INPUT_ACTION)
        if part in DATE_PARTS
        else PlainTextInputElement(action_id=INPUT_ACTION, max_length=SHORT_TEXT)
    )
    return InputBlock(
        block_id=row_block(group, row, part), label=label, optional=True, element=element
    )


DATE_PARTS = frozenset({"dob", "involved_from", "involved_to"})
FAMILY_LABELS = (
    ("name", "name"),
    ("relationship", "relationship to the child"),
    ("dob", "date of birth"),
    ("address", "address, if not the child's"),
)
SERVICE_LABELS = (
    ("service", "agency or service"),
    ("involved_from", "involved from"),
    ("involved_to", "until (empty if still involved)"),
)


def _rows(
    title: str, hint: str, group: str, count: int, labels: Sequence[tuple[str, str]], noun: str
) -> list[Block]:
    """A heading, its hint, and ``count`` optional rows of ``labels`` (a blank row is left out)."""
    blocks: list[Block] = [
        HeaderBlock(text=title),
        ContextBlock(elements=[MarkdownTextObject(text=hint)]),
    ]
    for row in range(1, count + 1):
        blocks += [_row_input(group, row, part, f"{noun} {row}: {label}") for part, label in labels]
    return blocks


def family_rows() -> list[Block]:
    """The family as rows (Appendix 1): name, relationship, date of birth, address."""
    hint = (
        "One person a row; leave the rows you do not need empty. A person named needs their "
        "relationship to the child."
    )
    return _rows("The family", hint, "family", FAMILY_ROWS, FAMILY_LABELS, "Person")


def service_rows() -> list[Block]:
    """The services involved with the child or family, and when (nothing identifying)."""
    hint = (
        "Each agency or service involved with the child or family, and when; leave the rows "
        "you do not need empty."
    )
    return _rows("Services involved", hint, "services", SERVICE_ROWS, SERVICE_LABELS, "Service")


def referrer_telephone() -> InputBlock:
    return InputBlock(
        block_id=ReferralBlock.REFERRER_TELEPHONE.value,
        label="Your telephone number",
        optional=True,
        element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=40),
    )


Answer = TypeVar("Answer", bound=StrEnum)


def _choice(block: ReferralBlock, label: str, labels: Mapping[Answer, str]) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=RadioButtonsElement(
            action_id=INPUT_ACTION,
            options=[Option(value=value.value, label=text) for value, text in labels.items()],
        ),
    )


def process_choice(processes: Sequence[ProcessChoice]) -> list[Block]:
    """The process the case follows, for the business unit to pick (the partnership's
    default, listed first, chosen); nothing when there is no choice to make."""
    if len(processes) < 2:
        return []
    options = [Option(value=p.key, label=p.title[:75]) for p in processes]
    return [
        InputBlock(
            block_id=ReferralBlock.PROCESS.value,
            label="Process the case follows",
            hint="The partnership's usual process is chosen.",
            element=StaticSelectElement(
                action_id=INPUT_ACTION, options=options, initial_option=options[0]
            ),
        )
    ]


def referral_modal(
    agencies: Sequence[AgencyChoice],
    *,
    today: date,
    default_agency: int | None,
    processes: Sequence[ProcessChoice] = (),
) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    initial = next((o for o in options if o.value == str(default_agency)), None)
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="What you enter here is stored encrypted by the bot and never posted "
                    "to Slack. Channels and messages use the case reference only."
                )
            ]
        ),
        InputBlock(
            block_id=ReferralBlock.AGENCY.value,
            label="Referring agency",
            element=StaticSelectElement(
                action_id=INPUT_ACTION, options=options, initial_option=initial
            ),
        ),
        *process_choice(processes),
        _date(ReferralBlock.REFERRAL_DATE, "Date of referral", today),
        _text(ReferralBlock.CHILD_NAME, "Child's name", multiline=False, optional=False),
        _text(ReferralBlock.CHILD_AKA, "Also known as", multiline=False, optional=True),
        _date(ReferralBlock.CHILD_DOB, "Date of birth"),
        _date(ReferralBlock.INCIDENT_DATE, "Date of incident"),
        _text(ReferralBlock.ADDRESS, "Address", multiline=True, optional=True),
        *family_rows(),
        _text(
            ReferralBlock.FAMILY,
            "Anything more about the family",
            multiline=True,
            optional=True,
        ),
        _text(ReferralBlock.PRESENTING_ISSUES, "Presenting issues", multiline=True, optional=False),
        _text(ReferralBlock.BACKGROUND, "Background information", multiline=True, optional=True),
        *service_rows(),
        _text(
            ReferralBlock.OTHER_SERVICES, "Other services involved", multiline=True, optional=True
        ),
        _text(ReferralBlock.COMMENTS, "Additional comments", multiline=True, optional=True),
        referrer_telephone(),
        InputBlock(
            block_id=ReferralBlock.CRITERIA.value,
            label="Which criteria appear to apply?",
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[Option(value=c.value, label=t) for c, t in CRITERION_LABELS.items()],
            ),
        ),
        _choice(
            ReferralBlock.CP_PLAN,
            "Is or was the child subject of a child protection plan?",
            CP_PLAN_LABELS,
        ),
        _choice(
            ReferralBlock.OTHER_CHILDREN, "May other children be at risk?", OTHER_CHILDREN_LABELS
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.REFERRAL.value,
        title=PlainTextObject(text="Refer a case"),
        submit=PlainTextObject(text="Refer"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


WEB_PART_NOTE = (
    "Nothing you enter here identifies the child. After this you enter the child's details "
    "(names, date of birth, address, family, telephone) on the case room's secure form; the "
    "case opens when both parts are in."
)


def referral_first_part_modal(
    agencies: Sequence[AgencyChoice],
    *,
    today: date,
    default_agency: int | None,
    processes: Sequence[ProcessChoice] = (),
) -> View:
    """The referral's Slack part when the identifying details are entered on the web."""
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    initial = next((o for o in options if o.value == str(default_agency)), None)
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=WEB_PART_NOTE)]),
        InputBlock(
            block_id=ReferralBlock.AGENCY.value,
            label="Referring agency",
            element=StaticSelectElement(
                action_id=INPUT_ACTION, options=options, initial_option=initial
            ),
        ),
        *process_choice(processes),
        _date(ReferralBlock.REFERRAL_DATE, "Date of referral", today),
        _date(ReferralBlock.INCIDENT_DATE, "Date of incident"),
        InputBlock(
            block_id=ReferralBlock.CRITERIA.value,
            label="Which criteria appear to apply?",
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[Option(value=c.value, label=t) for c, t in CRITERION_LABELS.items()],
            ),
        ),
        _choice(
            ReferralBlock.CP_PLAN,
            "Is or was the child subject of a child protection plan?",
            CP_PLAN_LABELS,
        ),
        _choice(
            ReferralBlock.OTHER_CHILDREN, "May other children be at risk?", OTHER_CHILDREN_LABELS
        ),
        *service_rows(),
        referrer_telephone(),
    ]
    return View(
        type="modal",
        callback_id=Callback.REFERRAL_FIRST_PART.value,
        title=PlainTextObject(text="Refer a case"),
        submit=PlainTextObject(text="Continue"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def _details_button(url: str) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(
                text="Enter the child's details",
                action_id=Action.OPEN_DETAILS_FORM.value,
                url=url,
                style="primary",
            )
        ]
    )


def _until(expires: date) -> str:
    return f"{expires:%a} {expires.day} {expires:%b}"


def details_wanted_view(url: str | None, expires: date) -> View:
    """The modal after the Slack part: the one-time link to the web form (``None`` when the
    form was submitted again: the link went out the first time)."""
    text = (
        "*One step left.* Enter the child's details on the case room's secure form; the case "
        "opens when they are in. The link is for you only, works once, and expires on "
        f"{_until(expires)}. It is also in a direct message from me."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if url is not None:
        blocks.append(_details_button(url))
    return View(
        type="modal",
        title=PlainTextObject(text="Referral started"),
        close=PlainTextObject(text="Close"),
        blocks=blocks,
    )


def details_wanted(url: str, expires: date, *, reminder: bool = False) -> Message:
    """The referrer's DM with the one-time link; the reminder's link replaces the first."""
    if reminder:
        text = (
            "Your referral is waiting for the child's details: the case is not open until "
            f"they are in. It expires on {_until(expires)}. Here is a new link (the earlier "
            "one no longer works); it is for you only and works once."
        )
    else:
        text = (
            "To finish your referral, enter the child's details on the case room's secure "
            f"form. The link is for you only, works once, and expires on {_until(expires)}."
        )
    return Message(
        text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text)), _details_button(url)]
    )


def referral_expired() -> Message:
    text = (
        "Your referral started 7 days ago expired without the child's details, and what you "
        "entered was deleted. If a review is still needed, refer it again with /scr refer."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def referral_received(reference: str | None) -> View:
    """What the referrer sees on submitting: the case's reference once it is opened (a
    submission delivered again), otherwise that it follows, with the channel."""
    text = (
        "Your referral is recorded. Its case reference and private channel follow in a "
        "moment: you will be invited to the channel and sent a link to it."
        if reference is None
        else f"*{reference}* is recorded. Its private channel is being set up; you will be "
        "invited to it in a moment."
    )
    return View(
        type="modal",
        title=PlainTextObject(text="Referral received"),
        close=PlainTextObject(text="Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )


def referral_arrived(reference: str, agency: str, channel_id: str) -> Message:
    text = f"{reference}: a new referral from {agency} has arrived."
    return Message(
        text=text,
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}*: a new referral from {agency} has arrived. "
                    f"The case channel is {channel_link(channel_id)}."
                )
            ),
            ActionsBlock(elements=[open_channel_button(channel_id, reference)]),
        ],
    )


def opening_late(received_at: datetime, *, business_unit_told: bool) -> Message:
    """To the referrer whose referral could not be opened as a case yet. Whether anyone in
    the business unit was told decides what they are asked to do."""
    told = (
        "the Board business unit has been told"
        if business_unit_told
        else "nobody else could be told by Slack, so please tell the Board business unit"
    )
    text = (
        f"Your referral of {moment(received_at)} is kept safely, but its case could not be "
        f"opened yet. The bot keeps trying, and {told}: you need not refer it again."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def referrals_waiting(waiting: Sequence[WaitingReferral]) -> str:
    """`/scr status` for someone whose referrals have no case yet, in place of the case."""
    lines = [
        f"Your referral of {moment(w.received_at)} "
        + (
            "is kept safely, but its case could not be opened yet. The bot keeps trying: "
            "you need not refer it again."
            if w.late
            else "is recorded and its case is being opened: its reference and private "
            "channel follow in a moment."
        )
        for w in waiting
    ]
    return "\n".join(lines)


def opening_late_for_business_unit(referrer: str, received_at: datetime, code: str) -> Message:
    text = (
        f"A referral {user_link(referrer)} made {moment(received_at)} could not be opened as "
        f"a case yet ({code}). It is kept, sealed, and the bot tries again at least hourly; "
        "the worker's log says what failed."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def setup_pending(reference: str) -> Message:
    text = (
        f"{reference} is recorded. Slack is not answering just now, so its channel is not "
        "set up yet; the bot will finish setting it up automatically as soon as Slack recovers."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def case_ready(reference: str, channel_id: str) -> Message:
    text = f"{reference} is set up: {channel_link(channel_id)}."
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(elements=[open_channel_button(channel_id, reference)]),
        ],
    )


class NotInvited(StrEnum):
    """Why Slack would not add someone to a case channel."""

    GUEST = "guest"
    RESTRICTED = "restricted"
    DEACTIVATED = "deactivated"
    NOT_FOUND = "not_found"
    REFUSED = "refused"


NOT_INVITED_WORDS: dict[NotInvited, str] = {
    NotInvited.GUEST: "a guest account",
    NotInvited.RESTRICTED: "a restricted account (a single-channel guest)",
    NotInvited.DEACTIVATED: "a deactivated account",
    NotInvited.NOT_FOUND: "not found in this workspace",
    NotInvited.REFUSED: "Slack would not let the bot add them",
}


def members_not_invited(
    reference: str, channel_id: str, people: Mapping[str, NotInvited]
) -> Message:
    """For the business unit: who is not in the case channel and why, by case reference."""
    lines = "\n".join(
        f"\u2022 {user_link(user)}: {NOT_INVITED_WORDS[why]}" for user, why in people.items()
    )
    count = "1 person" if len(people) == 1 else f"{len(people)} people"
    channel = channel_link(channel_id)
    head = f"{reference}: {count} could not be added to the case channel {channel}."
    advice = (
        "They are not in the channel and cannot see the case. A workspace admin can add a "
        "guest; for a deactivated or missing account, name someone else for their agency in "
        "the partnership configuration."
    )
    return Message(
        text=f"{head}\n{lines}",
        blocks=[SectionBlock(text=MarkdownTextObject(text=f"{head}\n{lines}\n{advice}"))],
    )
