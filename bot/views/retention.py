"""What the business unit is told about a case's erasure under the retention policy."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.views.format import day
from bot.views.messages import Message

KEPT = (
    "The anonymised record stays: the reference, dates, stages, tasks, counts and the audit trail."
)


def _plain(text: str) -> Message:
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def erasure_notice(reference: str, signed_off_on: date, erase_on: date, years: int) -> Message:
    return _plain(
        f"{reference}: its personal data will be erased on {day(erase_on)}, {years} years "
        f"after it was signed off ({day(signed_off_on)}), under the partnership's retention "
        f"policy. {KEPT} If you need the full record for an inspection or a subject access "
        f"request, export it before then: `scr-bot case export {reference} --out FILE`."
    )


def erasure_done(reference: str, erased_on: date) -> Message:
    return _plain(
        f"{reference}: its personal data was erased on {day(erased_on)} under the "
        f"partnership's retention policy (its data key is destroyed, so nothing stored for it "
        f"can be read again). {KEPT}"
    )
