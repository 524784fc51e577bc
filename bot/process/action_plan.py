"""The action plan and its progress monitoring, shared by the processes that end in one: a
review's recommendations, each owner's progress return six months after the stage's anchor
(the SCR's overview report agreed, the CSPR's local review published) and then at the
interval the plan was agreed with, until the case is signed off.

`monitoring_stage` builds the stage from its anchor event and its words; the definition's
rule that anchors are recorded before a stage begins holds for it like any other (the anchor
must be certain once the stage before it has ended)."""

from __future__ import annotations

from bot.process.deadlines import CalendarDays, CalendarMonths, WorkingDays
from bot.process.definition import (
    ActionPlan,
    EventRecorded,
    StageDefinition,
    TaskDefinition,
)
from bot.process.policy import ReminderPolicy
from bot.process.states import Stage, TaskKind

PROGRESS_RETURN_REMINDERS = ReminderPolicy(
    before=(CalendarDays(14), CalendarDays(7), WorkingDays(1)),
    escalate_to=("admins",),
)
"""A return is six months in the making: a first nudge two weeks before its deadline."""

SIGNED_OFF = "action_plan_complete"
"""The event the sign-off records: the stage ends, the case closes."""


def monitoring_stage(
    anchor: str, words: ActionPlan, steps: tuple[TaskDefinition, ...] = ()
) -> StageDefinition:
    """The monitoring stage: a progress return per recommendation ``CalendarMonths(6)`` after
    ``anchor`` and every six months after it, ``steps`` besides (each created as the stage
    begins), ended by the sign-off; the plan spoken of in ``words``."""
    return StageDefinition(
        key=Stage.MONITORING,
        title="Monitoring the action plan",
        tasks=(
            TaskDefinition(
                kind=TaskKind.PROGRESS_RETURN,
                title="Send the progress return",
                owner="action_owner",
                deadline=CalendarMonths(6),
                anchor=anchor,
                reminders=PROGRESS_RETURN_REMINDERS,
                per="recommendation",
                repeat=CalendarMonths(6),
            ),
            *steps,
        ),
        ends_when=EventRecorded(SIGNED_OFF),
        action_plan=words,
    )
