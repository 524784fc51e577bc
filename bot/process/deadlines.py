"""Deadline rules: how long after its anchor an obligation falls due.

A task's deadline is an instant (UTC). Date rules fall due at the close of business
(``WorkingCalendar.end``, 17:30 London) on their date, which is the date shown to people
(``WorkingCalendar.london_date``). Calendar rules may land on a weekend or bank holiday:
"within one month" of Fri 27 Nov 2026 is Sun 27 Dec 2026, as the framework says.
``Hours`` counts elapsed hours from the anchor instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.process.working_days import WorkingCalendar, add_calendar_months, ensure_utc
from bot.words import plural


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"a deadline count must be a whole number >= 0, not {n!r}")


@dataclass(frozen=True, slots=True)
class CalendarMonths:
    n: int

    def __post_init__(self) -> None:
        _check_count(self.n)

    def due_date(self, start: date, cal: WorkingCalendar) -> date:
        return add_calendar_months(start, self.n)

    def apply(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.day_end(self.due_date(cal.london_date(start), cal))

    def scaled(self, k: int) -> CalendarMonths:
        return CalendarMonths(self.n * k)

    def describe(self) -> str:
        return plural(self.n, "calendar month")


@dataclass(frozen=True, slots=True)
class CalendarDays:
    n: int

    def __post_init__(self) -> None:
        _check_count(self.n)

    def due_date(self, start: date, cal: WorkingCalendar) -> date:
        return start + timedelta(days=self.n)

    def back_from(self, d: date, cal: WorkingCalendar) -> date:
        return d - timedelta(days=self.n)

    def apply(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.day_end(self.due_date(cal.london_date(start), cal))

    def scaled(self, k: int) -> CalendarDays:
        return CalendarDays(self.n * k)

    def describe(self) -> str:
        return plural(self.n, "calendar day")


@dataclass(frozen=True, slots=True)
class WorkingDays:
    n: int

    def __post_init__(self) -> None:
        _check_count(self.n)

    def due_date(self, start: date, cal: WorkingCalendar) -> date:
        return cal.add_working_days(start, self.n)

    def back_from(self, d: date, cal: WorkingCalendar) -> date:
        return cal.add_working_days(d, -self.n)

    def apply(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.day_end(self.due_date(cal.london_date(start), cal))

    def scaled(self, k: int) -> WorkingDays:
        return WorkingDays(self.n * k)

    def describe(self) -> str:
        return plural(self.n, "working day")


@dataclass(frozen=True, slots=True)
class Hours:
    n: int

    def __post_init__(self) -> None:
        _check_count(self.n)

    def apply(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return ensure_utc(start) + timedelta(hours=self.n)

    def describe(self) -> str:
        return plural(self.n, "hour")


DateRule = CalendarMonths | CalendarDays | WorkingDays
"""Rules that yield a date, due at the close of business on that date."""

DeadlineRule = CalendarMonths | CalendarDays | WorkingDays | Hours

DeadlineOffset = CalendarDays | WorkingDays
"""How long before a deadline (counted back from its London date) a nudge goes out."""
