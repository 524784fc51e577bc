"""Working days and working hours in Europe/London, whatever the machine's timezone.

Instants are timezone-aware datetimes, returned in UTC. Dates are London dates.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


def london_date(instant: datetime) -> date:
    """The London date of a stored instant."""
    return instant.astimezone(LONDON).date()


def day(value: date) -> str:
    """A date in words: "Fri 27 Nov 2026"."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def short_day(value: date) -> str:
    """A date in words without the year: "Fri 27 Nov"."""
    return f"{value:%a} {value.day} {value:%b}"


def _on(value: date, today: date) -> str:
    """ "Tue 1 Dec", with the year when it is not ``today``'s."""
    return short_day(value) if value.year == today.year else day(value)


def deadline_words(due: date, last_working_day: date | None, today: date) -> str:
    """A deadline as people act on it, for every place one is shown.

    On a working day it is the date: "Tue 22 Dec". On a weekend or bank holiday the last
    working day before it comes first: "Thu 24 Dec (deadline Sun 27 Dec)"; once the deadline
    itself has passed, only the deadline counts. A date shows its year when it is not
    ``today``'s. ``last_working_day`` is ``WorkingCalendar.last_working_day(due)`` (None is
    read as ``due``): services work it out, so views need no calendar.
    """
    if last_working_day is None or last_working_day >= due or today > due:
        return _on(due, today)
    return f"{_on(last_working_day, today)} (deadline {_on(due, today)})"


def ensure_utc(instant: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused because it names no instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
    return instant.astimezone(UTC)


def add_calendar_months(d: date, months: int) -> date:
    """Calendar-month arithmetic clamped to the month's end: 31 Jan + 1 -> 28/29 Feb."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays for one year, substitute days included."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(found.keys())


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Weekends, England & Wales bank holidays and the Board's own closure days are not
    working days; working hours are ``start`` (inclusive) to ``end`` (exclusive), London time.
    """

    extra_closures: frozenset[date] = frozenset()
    start: time = time(9, 0)
    end: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are London wall-clock times without tzinfo")
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")

    # Dates

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in bank_holidays(d.year) and d not in self.extra_closures

    def closure(self, d: date) -> str | None:
        """Why ``d`` is not a working day ("weekend", "bank holiday", "closure day"); None
        when it is one."""
        if d.weekday() >= 5:
            return "weekend"
        if d in bank_holidays(d.year):
            return "bank holiday"
        if d in self.extra_closures:
            return "closure day"
        return None

    def last_working_day(self, d: date) -> date:
        """``d`` when it is a working day, else the last working day before it: the day a
        deadline on a weekend or bank holiday is met in practice."""
        return d if self.is_working_day(d) else self.previous_working_day(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= timedelta(days=1)
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """Step ``n`` working days from ``d`` (backwards when ``n`` is negative).

        Each step lands on the next (or previous) working day, so Saturday + 1 is Monday and
        Sunday - 1 is Friday. ``n == 0`` returns ``d`` if it is a working day, else the next
        working day: "within 0 working days" means "today, or the first day we are open".
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]`` (negated, in ``(b, a]``, when ``b`` is before ``a``).

        For working days ``a`` and ``b``: ``add_working_days(a, working_days_between(a, b)) == b``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

    # Instants

    def london(self, instant: datetime) -> datetime:
        """The instant as London wall-clock time."""
        return ensure_utc(instant).astimezone(LONDON)

    def london_date(self, instant: datetime) -> date:
        """The London date of an instant: the date to show for a deadline."""
        return self.london(instant).date()

    def at_london(self, d: date, t: time) -> datetime:
        """The UTC instant of London wall-clock ``t`` on ``d``.

        ``t.fold`` chooses between the two readings of the repeated hour when clocks go back
        (0, the default, is the first: BST). A time inside the hour skipped when clocks go
        forward is read with the pre-change offset, so 01:30 on that day is 02:30 BST.
        """
        if t.tzinfo is not None:
            raise ValueError("pass a wall-clock time without tzinfo")
        return datetime.combine(d, t, tzinfo=LONDON).astimezone(UTC)

    def day_start(self, d: date) -> datetime:
        return self.at_london(d, self.start)

    def day_end(self, d: date) -> datetime:
        """The close of business on ``d``: when a date deadline falls due."""
        return self.at_london(d, self.end)

    def is_working_time(self, instant: datetime) -> bool:
        local = self.london(instant)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_working_moment(self, instant: datetime) -> datetime:
        """``instant`` (in UTC) if it is inside working hours, else the next working morning."""
        if self.is_working_time(instant):
            return ensure_utc(instant)
        local = self.london(instant)
        d = local.date()
        if self.is_working_day(d) and local.time() < self.start:
            return self.day_start(d)
        return self.day_start(self.next_working_day(d))

    def last_working_start_before(self, instant: datetime) -> datetime:
        """The latest start of a working day strictly before ``instant``."""
        d = self.london_date(instant)
        if self.is_working_day(d) and self.day_start(d) < ensure_utc(instant):
            return self.day_start(d)
        return self.day_start(self.previous_working_day(d))
