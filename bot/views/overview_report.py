"""The overview report in Block Kit (pure): the draft marked ready, each agency's
confirmation that its information is fully and fairly represented (or what is not), the
tally in the case channel, and the Board's acceptance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, ConfirmObject
from slack_sdk.models.views import View

from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.views.format import day, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message
from bot.views.review import button, document_input


def draft_modal(reference: str, case_id: int) -> View:
    return modal(
        ReviewCallback.DRAFT_READY.value,
        "Overview report",
        "Send to agencies",
        [
            section(
                f"*{reference}*: the overview report's draft is ready. Each contributing agency "
                "will be asked to confirm that its information is fully and fairly represented."
            ),
            document_input("The anonymised draft"),
        ],
        str(case_id),
    )


def agency_request(
    reference: str, agency: str, version: int, draft_id: int, agency_id: int
) -> Message:
    value = f"{draft_id}:{agency_id}"
    text = f"{reference}: is {agency}'s information fully and fairly represented in the report?"
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: draft {version} of the overview report is ready. Is "
                f"{agency}'s information fully and fairly represented in it?"
            ),
            ActionsBlock(
                elements=[
                    button(
                        "Yes, fully and fairly",
                        ReviewAction.CONFIRM_REPRESENTED,
                        value,
                        style="primary",
                        confirm=ConfirmObject(
                            title="Confirm for your agency",
                            text=f"{agency}'s information is fully and fairly represented in "
                            f"draft {version}.",
                            confirm="Confirm",
                            deny="Go back",
                        ),
                    ),
                    button("Something is not", ReviewAction.OPEN_NOT_REPRESENTED, value),
                ]
            ),
        ],
    )


def agency_answered(reference: str, agency: str, confirmed: bool, by: str) -> Message:
    verb = "confirmed" if confirmed else "said what is not fully and fairly represented"
    text = f"{reference}: {user_link(by)} {verb} for {agency} on the overview report's draft."
    return Message(text=text, blocks=[section(text)])


def not_represented_modal(reference: str, agency: str, metadata: str) -> View:
    return modal(
        ReviewCallback.NOT_REPRESENTED.value,
        "Overview report",
        "Send",
        [
            section(
                f"*{reference}*: what of {agency}'s information is not fully and fairly "
                "represented?"
            ),
            long_text(ReviewBlock.NOT_REPRESENTED.value, "What is not, and why"),
            context(BY_ROLE),
        ],
        metadata,
    )


def tally(reference: str, version: int, case_id: int, rows: Sequence[tuple[str, str]]) -> Message:
    """Each agency's answer on the draft, with the Board's acceptance button."""
    lines = [f"*{reference}*: overview report, draft {version}"]
    lines += [f"{agency} · {status}" for agency, status in rows]
    return Message(
        text=f"{reference}: the overview report's draft {version} is with the agencies",
        blocks=[
            section("\n".join(lines)),
            ActionsBlock(
                elements=[
                    button(
                        "Record the Board's acceptance",
                        ReviewAction.OPEN_REPORT_ACCEPTED,
                        case_id,
                    )
                ]
            ),
        ],
    )


def acceptance_modal(reference: str, case_id: int, today: date) -> View:
    return modal(
        ReviewCallback.REPORT_ACCEPTED.value,
        "Report accepted",
        "Record",
        [
            section(
                f"*{reference}*: the Board accepted the overview report. Recording it ends the "
                "review and starts monitoring its recommendations."
            ),
            date_input(ReviewBlock.ACCEPTED_ON.value, "Accepted by the Board on", today),
        ],
        str(case_id),
    )


def accepted(reference: str, on: date, recommendations: int) -> Message:
    plural = "s" if recommendations != 1 else ""
    text = (
        f"{reference}: the Board accepted the overview report on {day(on)}. The review is "
        f"complete and monitoring begins; the report's {recommendations} recommendation{plural} "
        "from the management reviews are ready for the action plan."
    )
    return Message(text=text, blocks=[section(text)])
