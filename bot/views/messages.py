"""Short one-off messages: the case reference and the workflow, never the child."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ids import Action
from bot.views.format import channel_link


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}


def _open_channel_button(channel_id: str, team_id: str | None = None) -> ButtonElement:
    url = f"https://slack.com/app_redirect?channel={channel_id}"
    if team_id:
        url += f"&team={team_id}"
    return ButtonElement(
        text="Open case channel", action_id=Action.OPEN_CHANNEL.value, url=url, value=channel_id
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
            ActionsBlock(elements=[_open_channel_button(channel_id)]),
        ],
    )


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
            ActionsBlock(elements=[_open_channel_button(channel_id)]),
        ],
    )
