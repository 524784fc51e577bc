"""Appointing the review panel chair, and their answer on previous involvement (pure Block
Kit)."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ConfirmObject, InputBlock, UserSelectElement
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.views.format import user_link
from bot.views.forms import modal, section
from bot.views.messages import Message
from bot.views.review import button


def panel_chair_modal(reference: str, case_id: int) -> View:
    return modal(
        ReviewCallback.PANEL_CHAIR.value,
        "Review panel chair",
        "Appoint",
        [
            section(
                f"*{reference}*: who chairs the review panel? They will be asked to confirm "
                "that they had no previous involvement in the direct management of the case."
            ),
            InputBlock(
                block_id=ReviewBlock.PANEL_CHAIR.value,
                label="Panel chair",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
        ],
        str(case_id),
    )


def appointment_request(reference: str, appointer: str, appointment_id: int) -> Message:
    text = f"{reference}: you are asked to chair the review panel."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: {user_link(appointer)} has asked you to chair the Serious Case "
                "Review panel. The chair must have had no previous involvement in the direct "
                "management of the case."
            ),
            ActionsBlock(
                block_id=ReviewBlock.REVIEW_BUTTONS.value,
                elements=[
                    button(
                        "I had no previous involvement",
                        ReviewAction.CHAIR_NO_INVOLVEMENT,
                        appointment_id,
                        style="primary",
                        confirm=ConfirmObject(
                            title="No previous involvement",
                            text="You confirm you had no previous involvement in the direct "
                            "management of this case, and you will chair the review panel.",
                            confirm="Confirm",
                            deny="Go back",
                        ),
                    ),
                    button("I have been involved", ReviewAction.CHAIR_INVOLVED, appointment_id),
                ],
            ),
        ],
    )


def appointment_answered(reference: str, confirmed: bool, appointer: str) -> Message:
    if confirmed:
        text = f"{reference}: you confirmed no previous involvement; you chair the review panel."
    else:
        text = (
            f"{reference}: you declared previous involvement, so you will not chair the panel. "
            f"{user_link(appointer)} has been told."
        )
    return Message(text=text, blocks=[section(text)])


def chair_in_post(reference: str, chair: str) -> Message:
    text = (
        f"{reference}: {user_link(chair)} chairs the review panel "
        "(no previous involvement confirmed)."
    )
    return Message(text=text, blocks=[section(text)])


def chair_declined(reference: str, chair: str, case_id: int) -> Message:
    text = (
        f"{reference}: {user_link(chair)} has declared previous involvement in the case and "
        "cannot chair the review panel. Please appoint someone else."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                elements=[button("Appoint the panel chair", ReviewAction.OPEN_PANEL_CHAIR, case_id)]
            ),
        ],
    )
