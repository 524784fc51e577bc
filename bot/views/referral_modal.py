"""The referral modal (Appendix 1) and what it shows once a referral is taken."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
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

from bot.ids import INPUT_ACTION, Callback, ReferralBlock
from bot.services.referral_form import (
    CP_PLAN_LABELS,
    CRITERION_LABELS,
    LONG_TEXT,
    OTHER_CHILDREN_LABELS,
    SHORT_TEXT,
)


@dataclass(frozen=True)
class AgencyChoice:
    id: int
    name: str


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


def referral_modal(
    agencies: Sequence[AgencyChoice], *, today: date, default_agency: int | None
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
        _date(ReferralBlock.REFERRAL_DATE, "Date of referral", today),
        _text(ReferralBlock.CHILD_NAME, "Child's name", multiline=False, optional=False),
        _text(ReferralBlock.CHILD_AKA, "Also known as", multiline=False, optional=True),
        _date(ReferralBlock.CHILD_DOB, "Date of birth"),
        _date(ReferralBlock.INCIDENT_DATE, "Date of incident"),
        _text(ReferralBlock.ADDRESS, "Address", multiline=True, optional=True),
        _text(ReferralBlock.FAMILY, "Family composition", multiline=True, optional=True),
        _text(ReferralBlock.PRESENTING_ISSUES, "Presenting issues", multiline=True, optional=False),
        _text(ReferralBlock.BACKGROUND, "Background information", multiline=True, optional=True),
        _text(
            ReferralBlock.OTHER_SERVICES, "Other services involved", multiline=True, optional=True
        ),
        _text(ReferralBlock.COMMENTS, "Additional comments", multiline=True, optional=True),
        InputBlock(
            block_id=ReferralBlock.CRITERIA.value,
            label="Which criteria appear to apply?",
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[Option(value=c.value, label=t) for c, t in CRITERION_LABELS.items()],
            ),
        ),
        InputBlock(
            block_id=ReferralBlock.CP_PLAN.value,
            label="Is or was the child subject of a child protection plan?",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION,
                options=[Option(value=s.value, label=t) for s, t in CP_PLAN_LABELS.items()],
            ),
        ),
        InputBlock(
            block_id=ReferralBlock.OTHER_CHILDREN.value,
            label="May other children be at risk?",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION,
                options=[Option(value=s.value, label=t) for s, t in OTHER_CHILDREN_LABELS.items()],
            ),
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


def referral_received(reference: str) -> View:
    return View(
        type="modal",
        title=PlainTextObject(text="Referral received"),
        close=PlainTextObject(text="Close"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}* is recorded. Its private channel is being set up; "
                    "you will be invited to it in a moment."
                )
            )
        ],
    )
