"""When a task's owner is nudged about it, and when others are told."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.process.deadlines import CalendarDays, DeadlineOffset, WorkingDays
from bot.process.roles import CASE_ROLES, CaseRole

_TWO_WORKING_DAYS = WorkingDays(2)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderPolicy:
    """A task's nudges, as offsets from its deadline (and, optionally, from its creation).

    - ``before``: one nudge at the start of the working day this long before the deadline.
    - ``on_day``: a nudge at the start of the deadline's day.
    - ``overdue_every``: after the deadline, a nudge the next working morning and then every
      so many working days while the task stays open; ``None`` sends that first one only.
    - ``escalate_to``: case roles told as well; from the first overdue nudge on, or from
      ``escalate_from`` before the deadline if set (a nudge is added at that moment).
    - ``start_after`` / ``repeat_every``: early nudges counted from the task's creation
      ("reminders start on day 3, then weekly"), stopping at the deadline.
    """

    before: tuple[DeadlineOffset, ...] = (CalendarDays(7), _TWO_WORKING_DAYS)
    on_day: bool = True
    overdue_every: WorkingDays | None = _TWO_WORKING_DAYS
    escalate_to: tuple[CaseRole, ...] = ("cpu",)
    escalate_from: DeadlineOffset | None = None
    start_after: DeadlineOffset | None = None
    repeat_every: WorkingDays | None = None

    def __post_init__(self) -> None:
        unknown = [role for role in self.escalate_to if role not in CASE_ROLES]
        if unknown:
            raise ValueError(f"unknown escalation roles: {unknown}")
        if self.escalate_from is not None and not self.escalate_to:
            raise ValueError("escalate_from needs someone to escalate to")
        if self.overdue_every is not None and self.overdue_every.n < 1:
            raise ValueError("overdue nudges must be at least one working day apart")
        if self.repeat_every is not None and self.repeat_every.n < 1:
            raise ValueError("repeated nudges must be at least one working day apart")

    def escalating_to(self, *roles: CaseRole) -> ReminderPolicy:
        """This policy with different escalation roles."""
        return replace(self, escalate_to=roles, escalate_from=self.escalate_from if roles else None)


DEFAULT_REMINDERS = ReminderPolicy()
"""7 calendar days and 2 working days before, on the day, then every 2 working days while
overdue, telling the CPU from the first overdue nudge."""
