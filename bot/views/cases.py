"""Where a case stands and who is in the partnership (pure: data in, Block Kit out): the
living case card pinned in each case channel, `/scr status`, `/scr agencies`, `/scr help`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ids import ReviewAction
from bot.services.cases.schema import AgencyRow, Audience, CaseCard, Deadline
from bot.services.reminders.schema import CaseStatus, TaskGroup, TaskLine
from bot.views.first_month import card_action_blocks
from bot.views.format import (
    channel_link,
    day,
    days_left,
    deadline_words,
    listed,
    short_day,
    user_link,
)
from bot.views.messages import Message
from bot.views.monitoring import card_lines
from bot.views.national_panel import card_buttons as national_panel_buttons
from bot.views.national_panel import card_lines as national_panel_lines
from bot.views.panel import PanelOnCard

MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_LINES = 3000 // 80


def _deadline_line(deadline: Deadline, today: date) -> str:
    status = "✓ done" if deadline.done else days_left(deadline.due, today)
    note = f" · {deadline.note}" if deadline.note else ""
    by = deadline_words(deadline.due, deadline.last_working_day, today)
    return f"*{deadline.label}*: by {by} · {status}{note}"


def agency_field(columns: Sequence[str], row: AgencyRow) -> str:
    """One agency of the card's grid: its name, then a line per task with its label
    ("records secured: ✓ 30 Nov"), so that nothing depends on columns lining up."""
    lines = [f"*{row.name}*"]
    lines += [f"{label}: {cell}" for label, cell in zip(columns, row.cells, strict=False)]
    return "\n".join(lines)[:MAX_FIELD_TEXT]


def agency_grid(card: CaseCard) -> list[Block]:
    """The agencies side by side as a section's fields (two columns on a wide screen, one
    on a phone), ten to a section as Slack allows."""
    fields = [
        MarkdownTextObject(text=agency_field(card.agency_columns, row)) for row in card.agency_rows
    ]
    return [
        SectionBlock(
            text=MarkdownTextObject(text="*Agencies*") if start == 0 else None,
            fields=fields[start : start + MAX_FIELDS],
        )
        for start in range(0, len(fields), MAX_FIELDS)
    ]


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
    panel = PanelOnCard(card.panel)
    lines = [_deadline_line(d, card.today) for d in panel.deadlines(card.deadlines)]
    for text in _chunks(lines):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    grid = agency_grid(card)
    if grid:
        blocks.append(DividerBlock())
        blocks.extend(grid)
    notes = [
        *national_panel_lines(card.national_panel),
        *card.notes,
        *(card_lines(card.monitoring) if card.monitoring else []),
    ]
    for text in _chunks(notes):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    blocks.extend(panel.blocks)
    if card.review_case_id is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Make the report skeleton",
                        action_id=ReviewAction.MAKE_SKELETON.value,
                        value=str(card.review_case_id),
                    )
                ]
            )
        )
    blocks.extend(national_panel_buttons(card.national_panel))
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


def case_card_message(card: CaseCard) -> Message:
    return Message(text=case_card_text(card), blocks=case_card_blocks(card))


# /scr status ----------------------------------------------------------------------------


def _due(line: TaskLine, today: date) -> str:
    due = deadline_words(line.due, line.last_working_day, today)
    return f"*overdue* (due {due})" if line.overdue else f"due {due}"


def _deadline(line: TaskLine, today: date) -> str:
    whose = f" · {line.agency}" if line.agency else ""
    return f"• {line.title}{whose} · {_due(line, today)}"


def _group(group: TaskGroup, today: date) -> str:
    lines = [f"*{group.name}*"]
    lines += [f"• {t.title} · {_due(t, today)}" for t in group.tasks[:MAX_LINES]]
    if len(group.tasks) > MAX_LINES:
        lines.append(f"…and {len(group.tasks) - MAX_LINES} more")
    return "\n".join(lines)[:3000]


def status_text(status: CaseStatus) -> str:
    return f"{status.reference} · {status.stage_title}"


def status_blocks(status: CaseStatus) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=f"{status.reference} · {status.stage_title}")]
    if status.next_deadlines:
        lines = ["*Next deadlines*"]
        lines += [_deadline(t, status.today) for t in status.next_deadlines[:MAX_LINES]]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000])))
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No open tasks.")))
    if status.groups:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Open tasks*")))
        for group in status.groups[:40]:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=_group(group, status.today))))
    if status.channel_id:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"Case channel: {channel_link(status.channel_id)}")
                ]
            )
        )
    return blocks[:50]


# /scr help and /scr agencies ---------------------------------------------------------


AUDIENCE_WORDS: dict[Audience, str] = {
    Audience.AGENCY: "agencies",
    Audience.CPU: "the CPU",
    Audience.BUSINESS_UNIT: "the business unit",
    Audience.BOARD_CHAIR: "the Board Chair",
    Audience.PANEL_CHAIR: "the panel chair",
    Audience.PARTNERS: "the safeguarding partners",
}


@dataclass(frozen=True)
class HelpLine:
    usage: str
    summary: str
    audience: frozenset[Audience]

    def who(self) -> str:
        """ "the CPU and the business unit": whom another's command is for."""
        return listed([words for a, words in AUDIENCE_WORDS.items() if a in self.audience])


def help_text(
    own: Sequence[HelpLine], others: Sequence[HelpLine], *, processes: Sequence[str] = ()
) -> str:
    """`/scr help`: the processes the bot follows (the partnership's usual one first), the
    caller's own commands, then the others with whom they are for."""
    lines = ["*scr-bot* coordinates the partnership's reviews."]
    if processes:
        lines.append(f"A case follows the {processes[0]}.")
    if len(processes) > 1:
        lines[-1] += (
            " The business unit can pick another when it refers one: "
            + "; ".join(processes[1:])
            + "."
        )
    if own:
        lines.append("*Your commands*")
        lines += [f"• `{c.usage}`: {c.summary}" for c in sorted(own, key=lambda c: c.usage)]
    if others:
        lines.append("*Other commands*")
        for c in sorted(others, key=lambda c: c.usage):
            who = c.who()
            lines.append(f"• `{c.usage}`" + (f" (for {who})" if who else "") + f": {c.summary}")
    lines.append("Case channels and messages name the case reference only, never the child.")
    return "\n".join(lines)


def agencies_text(rows: Sequence[tuple[str, Sequence[str], Sequence[str]]]) -> str:
    lines = ["*Partnership agencies*"]
    for name, designated, leads in rows:
        who = ", ".join(user_link(u) for u in designated) or "nobody"
        line = f"• *{name}*: designated person {who}"
        if leads:
            line += "; review lead " + ", ".join(user_link(u) for u in leads)
        lines.append(line)
    return "\n".join(lines)


def intruder_removed(reference: str, channel_id: str, user: str, inviter: str | None) -> Message:
    """To the business unit: someone not on the case was added to its channel and removed."""
    who = (
        f"{user_link(inviter)} added {user_link(user)}" if inviter else f"{user_link(user)} joined"
    )
    text = (
        f"{reference}: {who} to {channel_link(channel_id)}, but they are not on the case, so "
        "the bot removed them. People join a case through the bot (agencies, panel, review)."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
