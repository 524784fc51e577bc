"""How a task and its deadline are worded: reminder DMs, escalations, the daily digest, and
my work (the App Home tab and `/scr my`). Pure: data in, Block Kit out. The case reference
and the workflow only, never the child."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

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
from slack_sdk.models.views import View

from bot.ids import Action
from bot.process.states import TaskKind
from bot.services.reminders.schema import CaseLine, CaseOverview, Nudge, TaskLine
from bot.views.buttons import about, labelled_button
from bot.views.format import channel_link, day, deadline_words, plural, short_day
from bot.views.messages import Message

ROLE_LABELS = {
    "cpu": "the CPU",
    "board_chair": "the Board Chair",
    "admins": "the Board business unit",
    "panel_chair": "the panel chair",
}
MAX_SECTION_TEXT = 3000
DIGEST_LINES_PER_LIST = 40


def when(due: date, today: date) -> str:
    """ "Tue 1 Dec", with the year when it is not this year's."""
    return short_day(due) if due.year == today.year else day(due)


def lower_first(title: str) -> str:
    return title[:1].lower() + title[1:]


def roles_told(roles: Sequence[str]) -> str:
    labels = [ROLE_LABELS.get(role, role.replace("_", " ")) for role in roles]
    if not labels:
        return ""
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"{joined} {'has' if len(labels) == 1 else 'have'} been told"


def _about(nudge: Nudge) -> str:
    return ", ".join(part for part in (nudge.agency, nudge.subject) if part)


def _what(nudge: Nudge) -> str:
    task = lower_first(nudge.title)
    about = _about(nudge)
    return f"{task} for {about}" if about else task


def _due_words(nudge: Nudge) -> str:
    """ "due today (Tue 1 Dec)"; on the last working day before a weekend or bank-holiday
    deadline, "due Sun 27 Dec: today is the last working day before it"."""
    due = deadline_words(nudge.due, nudge.last_working_day, nudge.today)
    if nudge.due == nudge.today:
        return f"due today ({due})"
    if nudge.last_working_day == nudge.today:
        return f"due {when(nudge.due, nudge.today)}: today is the last working day before it"
    return f"due {due}"


def owner_text(nudge: Nudge) -> str:
    due = deadline_words(nudge.due, nudge.last_working_day, nudge.today)
    told = roles_told(nudge.told)
    if nudge.kind == "overdue":
        tail = f"It was due {due}; {told}." if told else f"It was due {due}."
        return f"{nudge.reference}: please {_what(nudge)}. {tail}"
    return f"{nudge.reference}: please {_what(nudge)}, {_due_words(nudge)}" + (
        f"; {told}." if told else "."
    )


def watcher_text(nudge: Nudge) -> str:
    due = deadline_words(nudge.due, nudge.last_working_day, nudge.today)
    whose = f" ({_about(nudge)})" if _about(nudge) else ""
    state = f"was due {due}" if nudge.kind == "overdue" else f"is due {due}"
    return f"{nudge.reference}: “{nudge.title}”{whose} {state} and is not done yet."


class TaskItem(Protocol):
    """A task as a list or a reminder shows it (`TaskLine`, `Nudge`): what its buttons need."""

    @property
    def task_id(self) -> int: ...
    @property
    def reference(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def agency(self) -> str | None: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def task_kind(self) -> str: ...
    @property
    def can_mark_done(self) -> bool: ...
    @property
    def form_action(self) -> str | None: ...
    @property
    def can_waive(self) -> bool: ...


TASK_BUTTONS: dict[str, str] = {
    TaskKind.DP_NOTIFIED: "Confirm CPU notified",
    TaskKind.RECORDS_SECURED: "Confirm records secured",
    TaskKind.CPU_CP_PLAN_CHECKED: "Check child protection plan",
    TaskKind.CPU_OTHER_CHILDREN_CONSIDERED: "Consider other children",
    TaskKind.CPU_ORGANISATIONS_INFORMED: "Confirm organisations informed",
    TaskKind.CPU_CHAIR_INFORMED: "Confirm Board Chair informed",
    TaskKind.CHRONOLOGY_SUBMITTED: "Submit chronology",
    TaskKind.SYNOPSIS_SUBMITTED: "Submit synopsis",
    TaskKind.SCHEDULE_INITIAL_PANEL: "Schedule panel",
    TaskKind.PROGRESS_RETURN: "Send progress return",
}
"""What a task's own button says, where its title is not what the click does (the form
confirms records were secured; it does not secure them). Other tasks' titles are verbs."""


def task_button_text(kind: str, title: str) -> str:
    return TASK_BUTTONS.get(kind, title)[:75]


def task_subject(item: TaskItem) -> str:
    """ "SCR-2026-001, Police, recommendation 2": what a task's buttons act on."""
    return about(item.reference, item.agency, item.subject)


def mark_done_button(item: TaskItem) -> ButtonElement:
    return labelled_button(
        "Mark done",
        Action.MARK_DONE.value,
        subject=task_subject(item),
        value=str(item.task_id),
        style="primary",
    )


def task_button(item: TaskItem) -> ButtonElement | None:
    """The button that completes a task: its own form's (a kind in ``TASK_FORMS``), or
    "Mark done"; labelled for a screen reader with the case and the task."""
    if item.form_action:
        return labelled_button(
            task_button_text(item.task_kind, item.title),
            item.form_action,
            subject=task_subject(item),
            value=str(item.task_id),
            style="primary",
        )
    return mark_done_button(item) if item.can_mark_done else None


def task_item_buttons(item: TaskItem, *, owner: bool = True) -> list[ButtonElement]:
    """Every button of a reminder item: for its owner, do it (the task's own form, or "Mark
    done"), Snooze, Not needed (only for someone who may waive it) and Hand over; for someone
    told about it (``owner=False``), Not needed alone, if they may waive it. Each button's
    value is the task id; its accessibility label names the case and the task."""
    buttons: list[ButtonElement] = []
    do_it = task_button(item)
    if owner and do_it is not None:
        buttons.append(do_it)
    verbs = [(Action.SNOOZE, "Snooze")] if owner else []
    if item.can_waive:
        verbs.append((Action.NOT_NEEDED, "Not needed"))
    if owner:
        verbs.append((Action.HAND_OVER, "Hand over"))
    subject = about(item.reference, lower_first(item.title), item.agency, item.subject)
    for action, verb in verbs:
        buttons.append(
            labelled_button(verb, action.value, subject=subject, value=str(item.task_id))
        )
    return buttons


def open_channel_button(channel_id: str, reference: str) -> ButtonElement:
    """Only for a reader who is a member of the channel: the services set a line's
    ``channel_id`` only then."""
    return labelled_button(
        "Open case channel",
        Action.OPEN_CHANNEL.value,
        subject=reference,
        url=f"https://slack.com/app_redirect?channel={channel_id}",
        value=channel_id,
    )


def _message(text: str, buttons: list[ButtonElement]) -> Message:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return Message(text=text, blocks=blocks)


def owner_message(nudge: Nudge) -> Message:
    buttons = task_item_buttons(nudge)
    if nudge.channel_id:
        buttons.append(open_channel_button(nudge.channel_id, nudge.reference))
    return _message(owner_text(nudge), buttons)


def watcher_message(nudge: Nudge) -> Message:
    buttons = task_item_buttons(nudge, owner=False)
    if nudge.channel_id:
        buttons.append(open_channel_button(nudge.channel_id, nudge.reference))
    return _message(watcher_text(nudge), buttons)


def task_done_message(line: TaskLine, actor: str, on: date, *, already: bool) -> Message:
    """What a reminder becomes once its task is done: the buttons go."""
    whose = f" for {line.agency}" if line.agency else ""
    state = "was already done" if already else f"marked done by <@{actor}> on {short_day(on)}"
    text = f"✓ {line.reference}: {lower_first(line.title)}{whose}, {state}."
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def task_line_text(line: TaskLine, today: date) -> str:
    whose = f" · {line.agency}" if line.agency else ""
    due = deadline_words(line.due, line.last_working_day, today)
    state = f"*overdue* (due {due})" if line.overdue else f"due {due}"
    if line.snoozed_until is not None:
        state += f" · snoozed until {when(line.snoozed_until, today)}"
    return f"*{line.reference}* · {line.title}{whose} · {state}"


def _sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into sections under Slack's 3000-character limit."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        line = line[: MAX_SECTION_TEXT - 1]
        if current and len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks


def _digest_list(title: str, lines: Sequence[TaskLine], today: date) -> list[Block]:
    shown = [f"• {task_line_text(line, today)}" for line in lines[:DIGEST_LINES_PER_LIST]]
    if len(lines) > DIGEST_LINES_PER_LIST:
        shown.append(f"…and {len(lines) - DIGEST_LINES_PER_LIST} more.")
    return _sections([f"*{title}* ({len(lines)})", *shown])


def digest_message(
    overdue: Sequence[TaskLine], upcoming: Sequence[TaskLine], today: date
) -> Message:
    text = (
        f"Daily digest for {short_day(today)}: {len(overdue)} overdue, "
        f"{len(upcoming)} due in the next 7 days."
    )
    blocks: list[Block] = [HeaderBlock(text=f"Daily digest · {short_day(today)}")]
    if overdue:
        blocks += _digest_list("Overdue", overdue, today)
    if upcoming:
        blocks += _digest_list("Due in the next 7 days", upcoming, today)
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text="Open tasks across all open cases.")])
    )
    return Message(text=text, blocks=blocks[:50])


HOME_TASKS = 40
MESSAGE_TASKS = 20
"""Each task takes two blocks (its line, its buttons): within App Home's 100 and a
message's 50."""
MAX_CASE_LINES = 30


def task_item_blocks(line: TaskLine, today: date) -> list[Block]:
    """A task in my work: its line, then its buttons."""
    text = SectionBlock(text=MarkdownTextObject(text=task_line_text(line, today)))
    buttons = task_item_buttons(line)
    return [text, ActionsBlock(elements=buttons)] if buttons else [text]


def _case_lines(cases: Sequence[CaseLine]) -> str:
    lines = []
    for case in cases[:MAX_CASE_LINES]:
        where = f" · {channel_link(case.channel_id)}" if case.channel_id else ""
        lines.append(f"• *{case.reference}* · {case.stage_title}{where}")
    if len(cases) > MAX_CASE_LINES:
        lines.append(f"…and {len(cases) - MAX_CASE_LINES} more")
    return "\n".join(lines)[:3000]


def _task_blocks(
    tasks: Sequence[TaskLine], today: date, *, max_tasks: int, notice: str | None
) -> list[Block]:
    overdue = sum(1 for t in tasks if t.overdue)
    summary = f"{len(tasks)} open" + (f", {overdue} overdue" if overdue else "")
    blocks: list[Block] = []
    if notice:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=notice)))
    blocks.append(HeaderBlock(text="My open tasks"))
    if tasks:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=summary)]))
        blocks += [block for line in tasks[:max_tasks] for block in task_item_blocks(line, today)]
        if len(tasks) > max_tasks:
            more = f"…and {len(tasks) - max_tasks} more, due later."
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing is waiting for you.")))
    return blocks


def my_work_blocks(
    tasks: Sequence[TaskLine],
    cases: Sequence[CaseLine],
    today: date,
    *,
    max_tasks: int,
    notice: str | None = None,
) -> list[Block]:
    blocks = _task_blocks(tasks, today, max_tasks=max_tasks, notice=notice)
    blocks += [DividerBlock(), HeaderBlock(text="My cases")]
    text = _case_lines(cases) if cases else "You are not a member of any open case."
    blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


MAX_HOME_BLOCKS = 100


def overdue_count(count: int) -> str:
    """ "1 overdue task", "3 overdue tasks"; empty for none."""
    return plural(count, "overdue task") if count > 0 else ""


def overview_line(case: CaseOverview, today: date) -> str:
    """One open case for the Chair or the business unit: reference, stage, next deadline,
    overdue tasks, and the channel only where the viewer is a member."""
    due = (
        f"next deadline by {deadline_words(case.next_due, case.next_last_working_day, today)}"
        if case.next_due
        else "no open task"
    )
    parts = [f"*{case.reference}*", case.stage_title, due, overdue_count(case.overdue)]
    if case.channel_id:
        parts.append(channel_link(case.channel_id))
    return "• " + " · ".join(part for part in parts if part)


def _overview_blocks(cases: Sequence[CaseOverview], today: date, budget: int) -> list[Block]:
    """The cases in order, packed into sections, as many as fit in ``budget`` blocks; the
    rest counted in a last line."""
    lines = [overview_line(case, today) for case in cases]
    if not lines:
        return [SectionBlock(text=MarkdownTextObject(text="There is no open case."))]
    for shown in range(len(lines), -1, -1):
        rest = len(lines) - shown
        more = [f"…and {rest} more, with later deadlines."] if rest else []
        blocks = _sections([*lines[:shown], *more])
        if len(blocks) <= budget:
            return blocks
    return []


def home_view(
    tasks: Sequence[TaskLine],
    cases: Sequence[CaseLine],
    today: date,
    *,
    notice: str | None = None,
    overview: Sequence[CaseOverview] | None = None,
) -> View:
    """The App Home tab. With ``overview`` (the Board Chair and the business unit), every
    open case is listed in place of "My cases"."""
    if overview is None:
        blocks = my_work_blocks(tasks, cases, today, max_tasks=HOME_TASKS, notice=notice)
        return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])
    blocks = _task_blocks(tasks, today, max_tasks=HOME_TASKS, notice=notice)
    blocks += [DividerBlock(), HeaderBlock(text="Open cases")]
    blocks += _overview_blocks(overview, today, MAX_HOME_BLOCKS - len(blocks))
    return View(type="home", blocks=blocks)


def my_work_message(tasks: Sequence[TaskLine], cases: Sequence[CaseLine], today: date) -> Message:
    overdue = sum(1 for t in tasks if t.overdue)
    text = (
        f"You have {plural(len(tasks), 'open task')} ({overdue} overdue) in "
        f"{plural(len(cases), 'case')}."
    )
    blocks = my_work_blocks(tasks, cases, today, max_tasks=MESSAGE_TASKS)
    return Message(text=text, blocks=blocks[:50])
