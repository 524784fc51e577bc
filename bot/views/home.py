"""My work: the App Home tab and `/scr my` (pure: data in, Block Kit out)."""

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
from slack_sdk.models.views import View

from bot.views.format import channel_link
from bot.views.messages import Message
from bot.views.reminders import TaskLine, task_button, task_line_text

HOME_TASKS = 60
MESSAGE_TASKS = 25
MAX_CASE_LINES = 30


@dataclass(frozen=True)
class CaseLine:
    reference: str
    stage_title: str
    channel_id: str | None


def _task_block(line: TaskLine, today: date) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=task_line_text(line, today)),
        accessory=task_button(line.task_id, line.title, line.can_mark_done, line.form_action),
    )


def _case_lines(cases: Sequence[CaseLine]) -> str:
    lines = []
    for case in cases[:MAX_CASE_LINES]:
        where = f" · {channel_link(case.channel_id)}" if case.channel_id else ""
        lines.append(f"• *{case.reference}* · {case.stage_title}{where}")
    if len(cases) > MAX_CASE_LINES:
        lines.append(f"…and {len(cases) - MAX_CASE_LINES} more")
    return "\n".join(lines)[:3000]


def my_work_blocks(
    tasks: Sequence[TaskLine],
    cases: Sequence[CaseLine],
    today: date,
    *,
    max_tasks: int,
    notice: str | None = None,
) -> list[Block]:
    overdue = sum(1 for t in tasks if t.overdue)
    summary = f"{len(tasks)} open" + (f", {overdue} overdue" if overdue else "")
    blocks: list[Block] = []
    if notice:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=notice)))
    blocks.append(HeaderBlock(text="My open tasks"))
    if tasks:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=summary)]))
        blocks += [_task_block(line, today) for line in tasks[:max_tasks]]
        if len(tasks) > max_tasks:
            more = f"…and {len(tasks) - max_tasks} more, due later."
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing is waiting for you.")))
    blocks += [DividerBlock(), HeaderBlock(text="My cases")]
    text = _case_lines(cases) if cases else "You are not a member of any open case."
    blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


def home_view(
    tasks: Sequence[TaskLine],
    cases: Sequence[CaseLine],
    today: date,
    *,
    notice: str | None = None,
) -> View:
    blocks = my_work_blocks(tasks, cases, today, max_tasks=HOME_TASKS, notice=notice)
    return View(type="home", blocks=blocks[:100])


def my_work_message(tasks: Sequence[TaskLine], cases: Sequence[CaseLine], today: date) -> Message:
    overdue = sum(1 for t in tasks if t.overdue)
    text = f"You have {len(tasks)} open tasks ({overdue} overdue) in {len(cases)} cases."
    blocks = my_work_blocks(tasks, cases, today, max_tasks=MESSAGE_TASKS)
    return Message(text=text, blocks=blocks[:50])
