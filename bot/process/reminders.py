"""Planning a task's nudges: pure arithmetic on its deadline and reminder policy.

Every nudge goes out in working hours (Europe/London). A nudge meant for before the
deadline that working hours would push to or past it (a deadline on a Sunday, say) goes
out at the start of the last working day before the deadline instead. Nudges landing on
the same moment are merged, the later kind (overdue > due > before) winning.

``plan_reminders`` gives the finite part of the plan, up to the first overdue nudge; after
each overdue nudge is sent, ``next_overdue_nudge`` gives the next one (the policy's
``stop_after`` is the sender's to apply: it counts nudges actually sent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, TypeVar

from bot.process.policy import ReminderPolicy
from bot.process.roles import CaseRole
from bot.process.working_days import WorkingCalendar, ensure_utc

NudgeKind = Literal["before", "due", "overdue"]
_RANK: dict[NudgeKind, int] = {"before": 0, "due": 1, "overdue": 2}


@dataclass(frozen=True, slots=True)
class PlannedNudge:
    """One nudge. ``sequence`` counts from 1 within its kind, in time order, so
    ``(kind, sequence)`` identifies a nudge of a task. ``escalate_to`` names the case roles
    to tell as well as the owner."""

    at: datetime
    kind: NudgeKind
    sequence: int
    escalate_to: tuple[CaseRole, ...] = ()


def plan_reminders(
    due: datetime, policy: ReminderPolicy, cal: WorkingCalendar, *, created_at: datetime
) -> list[PlannedNudge]:
    """The nudges for a task created at ``created_at`` and due at ``due``, in time order.

    Nudges before ``created_at`` are left out: catching up on missed ones is the engine's
    business (see ``latest_due``).
    """
    due = ensure_utc(due)
    created_at = ensure_utc(created_at)
    due_day = cal.london_date(due)

    def before_due(d: date) -> datetime:
        at = cal.next_working_moment(cal.day_start(d))
        return at if at < due else cal.last_working_start_before(due)

    moments: list[tuple[datetime, NudgeKind]] = [
        (before_due(offset.back_from(due_day, cal)), "before") for offset in policy.before
    ]
    moments += [(before_due(d), "before") for d in _early_days(policy, cal, created_at, due)]
    escalate_at: datetime | None = None
    if policy.escalate_from is not None and policy.escalate_to:
        escalate_at = before_due(policy.escalate_from.back_from(due_day, cal))
        moments.append((escalate_at, "before"))
    if policy.on_day:
        moments.append((before_due(due_day), "due"))
    moments.append((_overdue_at(due, policy, cal, 1), "overdue"))

    merged: dict[datetime, NudgeKind] = {}
    for at, kind in moments:
        if at not in merged or _RANK[kind] > _RANK[merged[at]]:
            merged[at] = kind

    counts: dict[NudgeKind, int] = {"before": 0, "due": 0, "overdue": 0}
    plan: list[PlannedNudge] = []
    for at in sorted(merged):
        kind = merged[at]
        counts[kind] += 1
        escalates = kind == "overdue" or (escalate_at is not None and at >= escalate_at)
        if at >= created_at:
            escalate_to = policy.escalate_to if escalates else ()
            plan.append(PlannedNudge(at, kind, counts[kind], escalate_to))
    return plan


def next_overdue_nudge(
    due: datetime, policy: ReminderPolicy, cal: WorkingCalendar, after: datetime
) -> PlannedNudge | None:
    """The first overdue nudge strictly after ``after``; ``None`` once the chain has ended.

    Overdue nudge ``k`` is at the start of the working day ``policy.overdue_offset(k)``
    working days after the deadline (1: the first working day that starts after it).
    """
    due = ensure_utc(due)
    after = ensure_utc(after)
    k = 1
    while k <= len(policy.overdue):
        if _overdue_at(due, policy, cal, k) > after:
            return PlannedNudge(_overdue_at(due, policy, cal, k), "overdue", k, policy.escalate_to)
        k += 1
    if policy.overdue_every is None:
        return None
    elapsed = cal.working_days_between(_first_overdue_day(due, cal), cal.london_date(after))
    last_fixed = policy.overdue[-1].n - 1
    k = max(k, len(policy.overdue) + (elapsed - last_fixed) // policy.overdue_every.n)
    while _overdue_at(due, policy, cal, k) <= after:
        k += 1
    return PlannedNudge(_overdue_at(due, policy, cal, k), "overdue", k, policy.escalate_to)


class _Timed(Protocol):
    @property
    def at(self) -> datetime: ...


T = TypeVar("T", bound=_Timed)


def latest_due(nudges: Iterable[T], now: datetime) -> T | None:
    """Of the nudges due by ``now``, the most recent: after downtime, send that one only."""
    now = ensure_utc(now)
    due = [nudge for nudge in nudges if ensure_utc(nudge.at) <= now]
    return max(due, key=lambda nudge: ensure_utc(nudge.at), default=None)


def _first_overdue_day(due: datetime, cal: WorkingCalendar) -> date:
    """The first working day that starts after the deadline."""
    day = cal.london_date(due)
    if cal.is_working_day(day) and due < cal.day_start(day):
        return day
    return cal.next_working_day(day)


def _overdue_at(due: datetime, policy: ReminderPolicy, cal: WorkingCalendar, k: int) -> datetime:
    """Overdue nudge ``k``, which must be part of the policy's chain."""
    offset = policy.overdue_offset(k)
    if offset is None:
        raise ValueError(f"this policy sends {len(policy.overdue)} overdue nudges")
    return cal.day_start(cal.add_working_days(_first_overdue_day(due, cal), offset - 1))


def _early_days(
    policy: ReminderPolicy, cal: WorkingCalendar, created_at: datetime, due: datetime
) -> list[date]:
    """Days of the nudges counted from the task's creation, before the deadline's day."""
    first = policy.start_after or policy.repeat_every
    if first is None:
        return []
    day = first.due_date(cal.london_date(created_at), cal)
    due_day = cal.london_date(due)
    days: list[date] = []
    while day < due_day:
        days.append(day)
        if policy.repeat_every is None:
            break
        day = policy.repeat_every.due_date(day, cal)
    return days
