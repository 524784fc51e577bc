"""When a task's owner is nudged about it, when others are told, and when the nudging stops."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.process.deadlines import DeadlineOffset, WorkingDays
from bot.process.roles import CASE_ROLES, CaseRole

_BEFORE = (WorkingDays(7), WorkingDays(1))
_OVERDUE = (WorkingDays(1), WorkingDays(3), WorkingDays(8))
_WEEKLY = WorkingDays(5)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderPolicy:
    """A task's nudges, as offsets from its deadline (and, optionally, from its creation).

    - ``before``: one nudge at the start of the working day this long before the deadline.
    - ``on_day``: a nudge on the last working day: the deadline's own day, or the working day
      before it when the deadline falls on a weekend or bank holiday.
    - ``overdue``: after the deadline, a nudge this many working days after it (1 is the
      first working morning after the deadline), in increasing order; then
    - ``overdue_every``: one every so many working days after the last of those (``None``:
      no more).
    - ``stop_after``: after this many overdue nudges since the task's plan last changed, the
      nudges stop and the task is *stuck*: the Board business unit's digest lists it until it
      is done, waived, or re-planned (snoozed, handed over, its deadline moved). ``None``:
      nudged until done.
    - ``escalate_to``: case roles told as well; from the first overdue nudge on, or from
      ``escalate_from`` before the deadline if set (a nudge is added at that moment).
    - ``start_after`` / ``repeat_every``: early nudges counted from the task's creation
      ("reminders start on day 3, then weekly"), stopping at the deadline.
    """

    before: tuple[DeadlineOffset, ...] = _BEFORE
    on_day: bool = True
    overdue: tuple[WorkingDays, ...] = _OVERDUE
    overdue_every: WorkingDays | None = _WEEKLY
    stop_after: int | None = 4
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
        steps = [offset.n for offset in self.overdue]
        if not steps or steps[0] < 1 or steps != sorted(set(steps)):
            raise ValueError("overdue nudges must be 1 or more working days late, in order")
        if self.overdue_every is not None and self.overdue_every.n < 1:
            raise ValueError("overdue nudges must be at least one working day apart")
        if self.stop_after is not None and self.stop_after < 1:
            raise ValueError("stop_after must allow at least one overdue nudge")
        if self.repeat_every is not None and self.repeat_every.n < 1:
            raise ValueError("repeated nudges must be at least one working day apart")

    def escalating_to(self, *roles: CaseRole) -> ReminderPolicy:
        """This policy with different escalation roles."""
        return replace(self, escalate_to=roles, escalate_from=self.escalate_from if roles else None)

    def overdue_offset(self, k: int) -> int | None:
        """Working days after the deadline of overdue nudge ``k`` (from 1); ``None`` past
        the end of the chain. ``stop_after`` is not applied: it counts nudges actually sent."""
        if k < 1:
            raise ValueError("overdue nudges count from 1")
        if k <= len(self.overdue):
            return self.overdue[k - 1].n
        if self.overdue_every is None:
            return None
        return self.overdue[-1].n + (k - len(self.overdue)) * self.overdue_every.n


DEFAULT_REMINDERS = ReminderPolicy()
"""7 and 1 working days before; on the last working day; overdue 1, 3 and 8 working days
after the deadline, then weekly (every 5 working days), telling the CPU from the first
overdue nudge; after 4 overdue nudges the nudging stops and the task is stuck."""

PROMPT_REMINDERS = replace(DEFAULT_REMINDERS, stop_after=3)
"""For tasks due within a working day or two of the case starting (the designated person
told, records secured, the CPU's checks): stuck after 3 overdue nudges (8 working days
late), when a call from the business unit does more than a fourth message would."""
