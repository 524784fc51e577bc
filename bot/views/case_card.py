"""The living case card pinned in each case channel (pure: data in, Block Kit out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.first_month.schema import CardActions
from bot.views.first_month import card_action_blocks
from bot.views.format import day, days_left, short_day

MAX_SECTION_TEXT = 3000


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    done: bool = False
    note: str = ""


@dataclass(frozen=True)
class AgencyRow:
    """One agency's line; each cell is already worded (e.g. "✓ 27 Nov", "overdue (due 1 Dec)")."""

    name: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CaseCard:
    reference: str
    stage_title: str
    referral_date: date
    referring_agency: str
    criteria: Sequence[str]
    today: date
    deadlines: Sequence[Deadline] = ()
    agency_columns: Sequence[str] = ()
    agency_rows: Sequence[AgencyRow] = ()
    notes: Sequence[str] = ()
    extra_blocks: Sequence[Block] = field(default_factory=tuple)
    first_month: CardActions | None = None
    closed: bool = False


def _deadline_line(deadline: Deadline, today: date) -> str:
    status = "✓ done" if deadline.done else days_left(deadline.due, today)
    note = f" · {deadline.note}" if deadline.note else ""
    return f"*{deadline.label}*: by {day(deadline.due)} ({status}){note}"


def _agency_table(card: CaseCard) -> list[str]:
    if not card.agency_rows:
        return []
    lines = ["*Agency* · " + " · ".join(card.agency_columns)]
    for row in card.agency_rows:
        lines.append(f"{row.name} · " + " · ".join(row.cells))
    return lines


def _chunks(lines: Sequence[str]) -> list[str]:
    """Split lines into section texts that respect Slack's 3000-character limit."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = line[: MAX_SECTION_TEXT - 1]
        if current and len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def case_card_blocks(card: CaseCard) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=f"{card.reference} · {card.stage_title}"),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Referred {day(card.referral_date)} by {card.referring_agency} · "
                f"criteria: {', '.join(card.criteria) or 'none recorded'}"
            )
        ),
    ]
    lines = [_deadline_line(d, card.today) for d in card.deadlines]
    for text in _chunks(lines):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    table = _agency_table(card)
    if table:
        blocks.append(DividerBlock())
        for text in _chunks(table):
            blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    for text in _chunks(list(card.notes)):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    blocks.extend(card.extra_blocks)
    blocks.extend(card_action_blocks(card.first_month))
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Updated {short_day(card.today)} · case card")]
        )
    )
    return blocks[:50]


def case_card_text(card: CaseCard) -> str:
    """The notification/fallback text: reference and stage only."""
    return f"{card.reference} · {card.stage_title}"
