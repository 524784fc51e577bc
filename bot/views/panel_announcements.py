"""The Initial Panel's announcements in the case channel (pure): scheduled, changed,
cancelled, times proposed, held; and the confirmation before a cancellation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject

from bot.ids import PanelAction
from bot.views.format import user_link
from bot.views.messages import Message
from bot.views.panel import MeetingFacts, people, section, short_when, when, where


def scheduled_announcement(
    facts: MeetingFacts, members: Sequence[str], *, update: bool, emailed: bool
) -> Message:
    verb = "changed" if update else "scheduled"
    text = f"{facts.reference}: Initial Panel {verb} for {when(facts.start, facts.end)}."
    sent = "by DM and e-mail" if emailed else "by DM"
    body = (
        f"*Initial Panel {verb}*: {when(facts.start, facts.end)}\n"
        f"*Where:* {where(facts.location, facts.video_url)}\n"
        f"*Chair:* {user_link(facts.chair)} · *members:* {people(members)}\n"
        f"Invitations go out {sent}; the calendar file follows."
    )
    return Message(text=text, blocks=[section(body)])


def cancelled_announcement(reference: str, start: datetime | None, deadline_text: str) -> Message:
    was = f" ({short_when(start)})" if start is not None else ""
    text = f"{reference}: the Initial Panel{was} is cancelled."
    return Message(
        text=text,
        blocks=[section(f"*{text}*\nA new date is needed by {deadline_text}.")],
    )


def proposal_announcement(reference: str, organiser: str, count: int) -> Message:
    text = f"{reference}: finding a time for the Initial Panel."
    body = (
        f"*Finding a time for the Initial Panel*: {user_link(organiser)} proposed {count} "
        f"time{'s' if count != 1 else ''}; the panel members have been asked by DM. "
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


def cancel_prompt(reference: str, meeting_id: int, start: datetime | None) -> Message:
    was = f" on {short_when(start)}" if start is not None else ""
    text = f"{reference}: cancel the Initial Panel{was}? Everyone invited is sent the cancellation."
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Cancel panel",
                        action_id=PanelAction.CANCEL.value,
                        value=str(meeting_id),
                        style="danger",
                        confirm=confirm_cancel(),
                    )
                ]
            ),
        ],
    )
