"""How a task and its deadline are worded: each person's message of the day ("Your tasks
today"), the daily digest, and my work (the App Home tab and `/scr my`). Pure: data in,
Block Kit out. The case reference and the workflow only, never the child."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

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

from bot.ids import Action, ReminderBlock
from bot.process.states import TaskKind
from bot.services.reminders.schema import CaseLine, CaseOverview, StuckLine, TaskLine, TodayItem
from bot.views.buttons import about, labelled_button
from bot.views.format import channel_link, day, deadline_words, plural, short_day
from bot.views.messages import Message

ROLE_LABELS = {
    "cpu": "the CPU",
    "board_chair": "the Board Chair",
    "admins": "the Board business unit",
    "panel_chair": "the panel chair",
    "partner_leads": "a safeguarding partners' lead",
    "delegated_lead": "the safeguarding partners' delegated lead",
}
MAX_SECTION_TEXT = 3000
DIGEST_LINES_PER_LIST = 40


def when(due: date, today: date) -> str:
    """ "Tue 1 Dec", with the year when it is not this year's."""
    return short_day(due) if due.year == today.year else day(due)


def lower_first(title: str) -> str:
    return title[:1].lower() + title[1:]


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
    TaskKind.PANEL_PAPERS_SENT: "Send chronology to panel",
    TaskKind.PROGRESS_RETURN: "Send progress return",
    TaskKind.NOTIFY_NATIONAL_PANEL: "Record the notification",
    TaskKind.RAPID_REVIEW_REPORT: "Record the report sent",
    TaskKind.REVIEWER_APPOINTED: "Name the reviewer",
    TaskKind.REVIEW_REPORT: "Record the review published",
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


def task_done_message(line: TaskLine, actor: str, on: date, *, already: bool) -> Message:
    """What a one-task message becomes once its task is done: the buttons go."""
    whose = f" for {line.agency}" if line.agency else ""
    state = "was already done" if already else f"marked done by <@{actor}> on {short_day(on)}"
    text = f"✓ {line.reference}: {lower_first(line.title)}{whose}, {state}."
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


# The message of the day --------------------------------------------------------------------

TODAY_TITLE = "Your tasks today"
MAX_MESSAGE_BLOCKS = 50
LINES_BLOCKS = 3
"""Items beyond those shown with their buttons are listed, a line per case, in at most this
many sections."""


def how_late(item: TodayItem, today: date) -> str:
    """ "3 working days late", "due today", "due in 5 working days"."""
    if item.overdue:
        if item.working_days == 0:
            return "due earlier today"
        return f"{plural(item.working_days, 'working day')} late"
    if item.due == today:
        return "due today"
    if item.working_days == 0:
        return "today is the last working day before it"
    return f"due in {plural(item.working_days, 'working day')}"


def _told_as(role: str) -> str:
    return f"you are told as {ROLE_LABELS.get(role, 'the ' + role.replace('_', ' '))}"


def today_item_text(item: TodayItem, today: date) -> str:
    """An item in two lines: the task (and whose it is), then its deadline and lateness."""
    about = " · ".join(part for part in (item.agency, item.subject) if part)
    head = f"*{item.title}*" + (f" · {about}" if about else "")
    late = how_late(item, today)
    by = deadline_words(item.due, item.last_working_day, today)
    tail = f"by {by} · " + (f"*{late}*" if item.overdue else late)
    if item.told_as:
        tail += f" · {_told_as(item.told_as)}"
    return f"{head}\n{tail}"


def item_buttons(item: TodayItem) -> list[ButtonElement]:
    """The buttons of one item of the message of the day, in the order shown."""
    return task_item_buttons(item, owner=item.told_as is None)


def item_block_id(task_id: int) -> str:
    """The block holding an item's buttons: a click on one names the item it is about."""
    return f"{ReminderBlock.TODAY_ITEM.value}:{task_id}"


def _item_blocks(item: TodayItem, today: date) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=today_item_text(item, today)))]
    buttons = item_buttons(item)
    if buttons:
        blocks.append(ActionsBlock(block_id=item_block_id(item.task_id), elements=buttons))
    return blocks


def _case_heading(item: TodayItem) -> SectionBlock:
    where = f" · {channel_link(item.channel_id)}" if item.channel_id else ""
    return SectionBlock(text=MarkdownTextObject(text=f"*{item.reference}*{where}"))


def _shown_in_full(items: Sequence[TodayItem], today: date, budget: int) -> tuple[list[Block], int]:
    """As many whole cases as fit in ``budget`` blocks, each under its heading (a case is
    never split between the buttons and the lines below them, unless the first case alone
    is too long); the blocks and how many items they hold."""
    blocks: list[Block] = []
    count = 0
    for group in _by_case(items):
        more: list[Block] = [_case_heading(group[0])]
        fitting = 0
        for item in group:
            item_blocks = _item_blocks(item, today)
            if len(blocks) + len(more) + len(item_blocks) > budget:
                break
            more += item_blocks
            fitting += 1
        if fitting < len(group) and count:
            break
        if fitting:
            blocks += more
            count += fitting
        if fitting < len(group):
            break
    return blocks, count


def _by_case(items: Sequence[TodayItem]) -> list[list[TodayItem]]:
    """Items grouped by case, in the order of each case's first item."""
    cases: dict[str, list[TodayItem]] = {}
    for item in items:
        cases.setdefault(item.reference, []).append(item)
    return list(cases.values())


def _case_line(items: Sequence[TodayItem], today: date) -> str:
    """One case's items left over, on one line."""
    parts = []
    for item in items:
        about = f" · {item.agency}" if item.agency else ""
        told = f", {_told_as(item.told_as)}" if item.told_as else ""
        parts.append(f"{item.title}{about} ({how_late(item, today)}{told})")
    return f"• *{items[0].reference}*: " + "; ".join(parts)


def _as_lines(items: Sequence[TodayItem], today: date) -> list[Block]:
    """Items left over, one line per case, in at most ``LINES_BLOCKS`` sections; the App
    Home tab lists them all with their buttons."""
    lines = [_case_line(group, today) for group in _by_case(items)]
    heading = "*Also on your list* (your own tasks have their buttons in the bot's App Home)"
    room, fits = LINES_BLOCKS * MAX_SECTION_TEXT - len(heading), 0
    while fits < len(lines) and room > len(lines[fits]):
        room -= len(lines[fits]) + 1
        fits += 1
    for shown in range(fits, 0, -1):
        more = [f"…and {plural(len(lines) - shown, 'more case')}."] if shown < len(lines) else []
        blocks = _sections([heading, *lines[:shown], *more])
        if len(blocks) <= LINES_BLOCKS:
            return blocks
    return _sections([heading, f"…and {plural(len(lines), 'more case')}."])


def today_message(items: Sequence[TodayItem], today: date) -> Message:
    """A person's one reminder message of the day: their items grouped by case (in the order
    given), each with its deadline, how late it is and its buttons. What does not fit in
    Slack's 50 blocks is listed in lines at the end."""
    cases = len({item.reference for item in items})
    late = sum(1 for item in items if item.overdue)
    summary = f"{plural(len(items), 'task')} in {plural(cases, 'case')}" + (
        f", {late} late" if late else ""
    )
    blocks: list[Block] = [
        HeaderBlock(text=TODAY_TITLE),
        ContextBlock(elements=[MarkdownTextObject(text=f"{short_day(today)} · {summary}")]),
    ]
    budget = MAX_MESSAGE_BLOCKS - len(blocks)
    items = [item for group in _by_case(items) for item in group]
    full, count = _shown_in_full(items, today, budget)
    if count < len(items):
        full, count = _shown_in_full(items, today, budget - LINES_BLOCKS)
        full += _as_lines(items[count:], today)
    return Message(text=f"{TODAY_TITLE}: {summary}.", blocks=blocks + full)


def with_item_settled(
    blocks: Sequence[dict[str, Any]], task_id: int, text: str
) -> list[Block] | None:
    """A message of the day as clicked (``blocks`` as Slack sent them back), with one item's
    buttons replaced by ``text``; ``None`` when the message holds no such item."""
    target = item_block_id(task_id)
    if not any(block.get("block_id") == target for block in blocks):
        return None
    settled: list[Block] = []
    for block in blocks:
        if block.get("block_id") == target:
            settled.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
        else:
            parsed = Block.parse(dict(block))
            if parsed is not None:
                settled.append(parsed)
    return settled


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


def stuck_line_text(line: StuckLine, today: date) -> str:
    late = plural(line.working_days_late, "working day")
    return (
        f"• *{line.reference}* · {line.title} · {line.owner} · {late} late "
        f"(due {when(line.due, today)}) · {plural(line.nudges, 'reminder')} unanswered"
    )


def digest_message(
    overdue: Sequence[TaskLine],
    upcoming: Sequence[TaskLine],
    today: date,
    stuck: Sequence[StuckLine] = (),
) -> Message:
    """The Board business unit's digest: stuck tasks (their owners are no longer reminded),
    then overdue ones, then those due in the next 7 days."""
    counts = [f"{len(stuck)} stuck"] if stuck else []
    counts += [f"{len(overdue)} overdue", f"{len(upcoming)} due in the next 7 days"]
    text = f"Daily digest for {short_day(today)}: {', '.join(counts)}."
    blocks: list[Block] = [HeaderBlock(text=f"Daily digest · {short_day(today)}")]
    if stuck:
        shown = [stuck_line_text(line, today) for line in stuck[:DIGEST_LINES_PER_LIST]]
        if len(stuck) > DIGEST_LINES_PER_LIST:
            shown.append(f"…and {len(stuck) - DIGEST_LINES_PER_LIST} more.")
        heading = f"*Stuck* ({len(stuck)}): their owners are no longer reminded"
        blocks += _sections([heading, *shown])
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
