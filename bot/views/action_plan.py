"""The action plan in Slack (pure: data in, Block Kit out): the recommendation and import
modals, the Board's closing form, `/scr actions`, and the owners' DMs. The DMs and the case
card name recommendations by number and agency only; the action's text appears only where
the case's members (or the owner) look at the plan itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.services.action_plan import LONG_TEXT, SOURCE_LABELS, Source
from bot.services.action_plan_import import COLUMNS_HELP, MAX_PROBLEMS_SHOWN
from bot.views.referral_modal import AgencyChoice

MAX_LISTED = 40
ACTION_PREVIEW = 280


class Verb(StrEnum):
    EDIT = "edit"
    IMPLEMENTED = "implemented"
    CLOSE = "close"


def manage_value(verb: Verb, rec_id: int) -> str:
    return f"{verb.value}:{rec_id}"


def parse_manage_value(value: str) -> tuple[Verb, int] | None:
    verb, _, rec_id = value.partition(":")
    if verb not in {v.value for v in Verb} or not rec_id.isdigit():
        return None
    return Verb(verb), int(rec_id)


class FileInputElement(InputInteractiveElement):
    """Block Kit's ``file_input`` (modals only), which slack_sdk has no model for."""

    type = "file_input"

    @property
    def attributes(self) -> set[str]:  # type: ignore[override]
        return {"type", "action_id", "filetypes", "max_files"}

    def __init__(self, *, action_id: str, filetypes: Sequence[str], max_files: int) -> None:
        super().__init__(type=self.type, action_id=action_id)
        self.filetypes = list(filetypes)
        self.max_files = max_files


def metadata(**values: int | str | None) -> str:
    return json.dumps(values, sort_keys=True)


def read_metadata(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def meta_id(meta: dict[str, Any], key: str) -> int:
    """An id from a modal's metadata; 0 (no row) when it is missing or not a whole number."""
    value = meta.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class RecommendationValues:
    number: int
    agency_id: int
    action: str
    owner: str | None
    target_date: date | None
    expected_outcome: str
    source: str


def _text_input(block: B, label: str, initial: str | None, *, multiline: bool) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=multiline,
            max_length=LONG_TEXT if multiline else 3,
            initial_value=initial or None,
        ),
    )


def recommendation_modal(
    agencies: Sequence[AgencyChoice],
    *,
    case_id: int,
    reference: str,
    rec_id: int | None = None,
    values: RecommendationValues | None = None,
) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    chosen = next((o for o in options if values and o.value == str(values.agency_id)), None)
    sources = [Option(value=s.value, label=SOURCE_LABELS[s]) for s in Source]
    source = next((o for o in sources if values and o.value == values.source), sources[0])
    owner = values.owner if values else None
    number = str(values.number) if values else None
    outcome = values.expected_outcome if values else None
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"*{reference}* · action plan")]),
        _text_input(B.NUMBER, "Recommendation number", number, multiline=False),
        InputBlock(
            block_id=B.AGENCY.value,
            label="Agency",
            element=StaticSelectElement(
                action_id=INPUT_ACTION, options=options, initial_option=chosen
            ),
        ),
        _text_input(B.ACTION, "Action", values.action if values else None, multiline=True),
        InputBlock(
            block_id=B.OWNER.value,
            label="Owner (someone in that agency)",
            element=UserSelectElement(action_id=INPUT_ACTION, initial_user=owner),
        ),
        InputBlock(
            block_id=B.TARGET_DATE.value,
            label="Target date",
            element=DatePickerElement(
                action_id=INPUT_ACTION,
                initial_date=values.target_date.isoformat()
                if values and values.target_date
                else None,
            ),
        ),
        _text_input(B.OUTCOME, "Expected outcome", outcome, multiline=True),
        InputBlock(
            block_id=B.SOURCE.value,
            label="From",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION, options=sources, initial_option=source
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=MonitoringCallback.RECOMMENDATION.value,
        private_metadata=metadata(case=case_id, rec=rec_id),
        title="Edit recommendation" if rec_id else "Add recommendation",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def import_modal(case_id: int, reference: str) -> View:
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"*{reference}* · a CSV file with one recommendation per row and the "
                    f"columns {COLUMNS_HELP}. Owners as Slack member ids or email addresses; "
                    "dates like 30/06/2027."
                )
            ]
        ),
        InputBlock(
            block_id=B.PLAN_FILE.value,
            label="Action plan (CSV)",
            element=FileInputElement(action_id=INPUT_ACTION, filetypes=["csv"], max_files=1),
        ),
    ]
    return View(
        type="modal",
        callback_id=MonitoringCallback.PLAN_IMPORT.value,
        private_metadata=metadata(case=case_id),
        title="Import action plan",
        submit="Import",
        close="Cancel",
        blocks=blocks,
    )


def problems_text(problems: Sequence[str], limit: int = MAX_PROBLEMS_SHOWN) -> str:
    shown = list(problems[:limit])
    if len(problems) > limit:
        shown.append(f"…and {len(problems) - limit} more.")
    return "\n".join(shown)


def notice_view(title: str, text: str) -> View:
    return View(
        type="modal",
        title=title,
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )


def close_modal(rec_id: int, reference: str, number: int, agency: str, verb: Verb) -> View:
    implemented = verb == Verb.IMPLEMENTED
    question = "implemented" if implemented else "closed without being implemented"
    return View(
        type="modal",
        callback_id=MonitoringCallback.CLOSE.value,
        private_metadata=metadata(rec=rec_id, verb=verb.value),
        title="Mark implemented" if implemented else "Close recommendation",
        submit="Confirm",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}*: recommendation {number} ({agency}) is {question}. "
                    "It leaves the six-monthly returns; its owner is not asked again."
                )
            ),
            InputBlock(
                block_id=B.CLOSE_NOTE.value,
                label="Note" if implemented else "Reason",
                optional=implemented,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=1000
                ),
            ),
        ],
    )


def owner_left_modal() -> View:
    return View(
        type="modal",
        callback_id=MonitoringCallback.OWNER_LEFT.value,
        title="Someone has left",
        submit="Reassign",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Their open recommendations, in every open case, go to their agency's "
                    "review lead, who is told. The bot sends them nothing more."
                )
            ),
            InputBlock(
                block_id=B.LEFT_USER.value,
                label="Who has left or been replaced?",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
        ],
    )
