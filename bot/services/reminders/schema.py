"""What the reminders domain hands its views: a task as a line in a list, an item of a
person's message of the day, a stuck task, a case in "my cases". Shared by the services
that fill them and the views that word them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class TaskLine:
    """One open task as a person sees it in a list."""

    task_id: int
    reference: str
    title: str
    agency: str | None
    due: date
    overdue: bool
    can_mark_done: bool = False
    channel_id: str | None = None
    """The case channel, set only where the reader is a member of it."""
    form_action: str | None = None
    last_working_day: date | None = None
    """The calendar's last working day on or before ``due`` (see ``deadline_words``)."""
    task_kind: str = ""
    subject: str | None = None
    """What the task is about beyond its agency, e.g. "recommendation 3"."""
    can_waive: bool = False
    """The viewer holds a role that may mark it not needed."""
    snoozed_until: date | None = None
    """Set while it is snoozed (the date its nudges resume)."""


@dataclass(frozen=True)
class Nudge:
    """What a reminder is about. ``kind`` is before / due / overdue; ``told`` names the case
    roles (``cpu``, ``board_chair``...) told as well as the owner."""

    reference: str
    task_id: int
    title: str
    agency: str | None
    due: date
    kind: str
    today: date
    told: tuple[str, ...] = ()
    channel_id: str | None = None
    """The case channel, set only where the reader is a member of it."""
    can_mark_done: bool = False
    form_action: str | None = None
    subject: str | None = None
    """What the task is about beyond its agency, e.g. "recommendation 3"."""
    last_working_day: date | None = None
    """The calendar's last working day on or before ``due`` (see ``deadline_words``)."""
    task_kind: str = ""
    can_waive: bool = False
    """The recipient holds a role that may mark it not needed."""


@dataclass(frozen=True)
class CaseLine:
    reference: str
    stage_title: str
    channel_id: str | None


@dataclass(frozen=True)
class CaseOverview:
    """An open case as the Board Chair and the business unit see it in App Home: the case
    reference and workflow only. ``channel_id`` is set only where the viewer is a member."""

    reference: str
    stage_title: str
    next_due: date | None
    overdue: int
    channel_id: str | None
    next_last_working_day: date | None = None
    """The last working day on or before ``next_due``."""


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


# A reminder item's own actions: snooze, not needed, hand over ------------------------------


class ItemAction(StrEnum):
    SNOOZE = "snooze"
    NOT_NEEDED = "not_needed"
    HAND_OVER = "hand_over"


@dataclass(frozen=True)
class ItemForm:
    """What an item's form shows: the task, and the limits the form keeps to. ``latest``:
    the last date a snooze may run to; ``team``: whose people it may be handed to ("Health",
    "the CPU"); ``waivers``: who may mark it not needed ("the CPU")."""

    action: ItemAction
    line: TaskLine
    today: date
    latest: date | None = None
    team: str | None = None
    waivers: str | None = None


@dataclass(frozen=True)
class ItemDone:
    """What an item's action came to. ``changed`` is False for a repeated submission;
    ``handed_to``: the new owner, ``line`` then being the task as they will see it."""

    action: ItemAction
    line: TaskLine
    case_id: int
    changed: bool
    handed_to: str | None = None


Reason = Annotated[str, Field(min_length=1, max_length=3000)]
SlackUser = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")]


class SnoozeAnswers(BaseModel):
    """Field names are the snooze modal's block ids (`bot.ids.ItemBlock`). The range of the
    date is the service's to check: it depends on the case's other deadlines."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    snooze_until: date
    snooze_reason: Reason


class NotNeededAnswers(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    not_needed_reason: Reason


class HandOverAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hand_to: SlackUser


@dataclass(frozen=True)
class TodayItem:
    """One task in a person's message of the day. ``working_days``: how many working days
    late it is when ``overdue``, otherwise how many are left before its deadline.
    ``told_as`` names the case role (``cpu``, ``board_chair``...) the person is told as, for
    a task someone else owns; ``None`` for the person's own task. ``channel_id`` is set only
    for a member of the case."""

    reminder_id: int
    task_id: int
    reference: str
    title: str
    agency: str | None
    due: date
    overdue: bool
    working_days: int
    told_as: str | None = None
    subject: str | None = None
    channel_id: str | None = None
    can_mark_done: bool = False
    form_action: str | None = None
    task_kind: str = ""
    can_waive: bool = False
    """The person holds a role that may mark it not needed."""
    last_working_day: date | None = None
    """The calendar's last working day on or before ``due`` (see ``deadline_words``)."""


@dataclass(frozen=True)
class StuckLine:
    """A task whose owner was nudged as often as its policy allows without an answer: on the
    Board business unit's digest until it is done, waived or re-planned."""

    task_id: int
    reference: str
    title: str
    owner: str
    """The owning agency's name, or the owning role's ("CPU", "Board Chair"...)."""
    due: date
    working_days_late: int
    nudges: int
