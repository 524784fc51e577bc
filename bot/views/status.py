"""`/scr status`: where a case stands (pure: data in, Block Kit out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.views.format import channel_link
from bot.views.reminders import TaskLine, when

MAX_LINES = 3000 // 80


@dataclass(frozen=True)
class TaskGroup:
    """Open tasks of one agency, or of one case role ("CPU", "Board Chair"...)."""

    name: str
    tasks: Sequence[TaskLine]


@dataclass(frozen=True)
class CaseStatus:
    reference: str
    stage_title: str
    today: date
    next_deadlines: Sequence[TaskLine]
    groups: Sequence[TaskGroup]
    channel_id: str | None = None


NOT_SHOWN = (
    "I can't show you that case. `/scr status` works in a case channel, or as "
    "`/scr status SCR-2026-001`, for members of that case."
)
"""The same words for a case that does not exist and one the person is not in."""

WHERE = (
    "This isn't a case channel. Use `/scr status` in a case channel, or give the case "
    "reference: `/scr status SCR-2026-001`."
)


def _due(line: TaskLine, today: date) -> str:
    due = when(line.due, today)
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
