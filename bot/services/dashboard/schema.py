"""What the Board's dashboard shows, as data: `figures.board_figures` fills it in from the
database, `bot.views.web.dashboard` draws it (HTML and SVG) and writes it out as CSV.

Nothing here identifies a child: a case is its reference, its stage and its dates.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class NextDeadline:
    """A case's soonest deadline still ahead, and what falls due then."""

    due: date
    last_working_day: date
    """The last working day on or before ``due`` (see ``deadline_words``)."""
    what: str


@dataclass(frozen=True, slots=True)
class MilestoneTime:
    """How long one case took (or has taken so far) to reach one milestone, counted from
    ``start`` (the referral, or the event the milestone counts from).

    ``limit`` is None when the case's process has no such milestone (a Child Safeguarding
    Practice Review has no Initial Panel) or its path no longer leads there (the Chair chose
    a smaller-scale audit, so no overview report follows)."""

    reached: date | None
    limit: date | None
    start: date

    @property
    def days(self) -> int | None:
        return None if self.reached is None else (self.reached - self.start).days

    @property
    def limit_days(self) -> int | None:
        return None if self.limit is None else (self.limit - self.start).days

    @property
    def within_limit(self) -> bool | None:
        """True or False once reached against a limit; None otherwise."""
        if self.reached is None or self.limit is None:
            return None
        return self.reached <= self.limit


@dataclass(frozen=True, slots=True)
class CaseRow:
    reference: str
    process: str
    stage: str
    """The stage's title from the process definition."""
    referral_date: date
    closed_on: date | None
    next_deadline: NextDeadline | None
    overdue_tasks: int
    times: tuple[MilestoneTime, ...]
    """One per ``BoardFigures.milestones``, in the same order."""


@dataclass(frozen=True, slots=True)
class Milestone:
    """Timeliness of one step across every case that can reach it."""

    key: str
    label: str
    limit_words: str
    """The framework's limit counted from the referral, from the process definition:
    "1 calendar month", "1 calendar month, then 5 working days"."""
    days: tuple[int, ...]
    """Days from referral (or ``counted_from``) to the milestone, one per case that has
    reached it."""
    limit_days: tuple[int, ...]
    """The same cases' limits in days (a calendar month is 28 to 31 days)."""
    within: int
    """Cases that reached it on or before their limit."""
    waiting_past_limit: int
    """Open cases on their way to it whose limit has passed."""
    counted_from: str = "referral"
    """What its days count from: "referral", or the event it follows ("the decision")."""

    @property
    def reached(self) -> int:
        return len(self.days)

    @property
    def later(self) -> int:
        return self.reached - self.within

    @property
    def median_days(self) -> int | None:
        return round(statistics.median(self.days)) if self.days else None

    @property
    def longest_days(self) -> int | None:
        return max(self.days) if self.days else None

    @property
    def typical_limit_days(self) -> int | None:
        """The limit in days for a typical case (the median over the cases measured)."""
        return round(statistics.median(self.limit_days)) if self.limit_days else None

    @property
    def share_within(self) -> int | None:
        """Percentage reached within the limit, of those reached (None before any)."""
        return round(100 * self.within / self.reached) if self.reached else None


@dataclass(frozen=True, slots=True)
class AgencyOverdue:
    """Overdue tasks of one agency; tasks of no agency are counted against the role that owns
    them (the CPU, the Board business unit, the Board Chair, the panel chair)."""

    name: str
    overdue: int


class ReturnOutcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OUTSTANDING = "outstanding"
    NOT_YET_DUE = "not_yet_due"


RETURN_OUTCOME_LABELS: dict[ReturnOutcome, str] = {
    ReturnOutcome.ON_TIME: "Returned by the deadline",
    ReturnOutcome.LATE: "Returned late",
    ReturnOutcome.OUTSTANDING: "Outstanding after the deadline",
    ReturnOutcome.NOT_YET_DUE: "Not yet due",
}


@dataclass(frozen=True, slots=True)
class ReturnRound:
    """Progress returns asked for in one monitoring round, across all cases. A return no
    longer asked for (its recommendation closed) is not counted; one that lapsed unreturned
    when the next round fell due is outstanding."""

    round_no: int
    on_time: int
    late: int
    outstanding: int
    not_yet_due: int

    def count(self, outcome: ReturnOutcome) -> int:
        value: int = getattr(self, outcome.value)
        return value


@dataclass(frozen=True, slots=True)
class BoardFigures:
    generated_at: datetime
    today: date
    """London date of ``generated_at``."""
    cases: tuple[CaseRow, ...]
    milestones: tuple[Milestone, ...]
    overdue_by_agency: tuple[AgencyOverdue, ...]
    returns: tuple[ReturnRound, ...]

    @property
    def panel(self) -> Milestone:
        """The Initial Panel's timeliness (the share held within one month)."""
        return self.milestones[0]
