"""Golden values for calendar arithmetic, bank holidays, clock changes and deadline rules."""

import time as time_module
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bot.process.deadlines import CalendarDays, CalendarMonths, Hours, WorkingDays
from bot.process.working_days import (
    WorkingCalendar,
    add_calendar_months,
    bank_holidays,
    ensure_utc,
)

CAL = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 27), 1, date(2026, 12, 27)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 6, 30), 0, date(2026, 6, 30)),
    ],
)
def test_add_calendar_months(start, months, expected):
    assert add_calendar_months(start, months) == expected


def test_bank_holidays_christmas_2026_and_easter_2027():
    assert {d for d in bank_holidays(2026) if d.month == 12} == {
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
    }
    assert date(2027, 3, 26) in bank_holidays(2027)
    assert date(2027, 3, 29) in bank_holidays(2027)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 2, date(2026, 12, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 30), -1, date(2027, 3, 25)),
        (date(2026, 12, 27), -2, date(2026, 12, 23)),
        (date(2026, 11, 28), 1, date(2026, 11, 30)),
        (date(2026, 11, 29), -1, date(2026, 11, 27)),
        (date(2026, 11, 27), 0, date(2026, 11, 27)),
        (date(2026, 11, 28), 0, date(2026, 11, 30)),
        (date(2026, 12, 25), 0, date(2026, 12, 29)),
        (date(2026, 11, 27), 2, date(2026, 12, 1)),
    ],
)
def test_add_working_days(start, n, expected):
    assert CAL.add_working_days(start, n) == expected


def test_next_and_previous_working_day_skip_closures():
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)
    assert CAL.previous_working_day(date(2027, 3, 30)) == date(2027, 3, 25)


def test_extra_closures_are_not_working_days():
    cal = WorkingCalendar(extra_closures=frozenset({date(2026, 12, 29), date(2026, 12, 30)}))
    assert not cal.is_working_day(date(2026, 12, 29))
    assert cal.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 31)
    assert CAL.is_working_day(date(2026, 12, 29))


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 30)) == 2
    assert CAL.working_days_between(date(2026, 12, 30), date(2026, 12, 24)) == -2
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 24)) == 0
    assert CAL.working_days_between(date(2026, 11, 27), date(2026, 12, 27)) == 19


def test_working_days_between_inverts_add_working_days():
    start = date(2026, 12, 1)
    days = [start + timedelta(days=i) for i in range(45)]
    working = [d for d in days if CAL.is_working_day(d)]
    for a in working[:5]:
        for b in working:
            assert CAL.add_working_days(a, CAL.working_days_between(a, b)) == b


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 3, 27), utc(2026, 3, 27, 9)),
        (date(2026, 3, 30), utc(2026, 3, 30, 8)),
        (date(2026, 10, 23), utc(2026, 10, 23, 8)),
        (date(2026, 10, 26), utc(2026, 10, 26, 9)),
        (date(2027, 3, 26), utc(2027, 3, 26, 9)),
        (date(2027, 3, 29), utc(2027, 3, 29, 8)),
        (date(2027, 10, 29), utc(2027, 10, 29, 8)),
        (date(2027, 11, 1), utc(2027, 11, 1, 9)),
    ],
)
def test_at_london_follows_the_clock_changes(d, expected):
    result = CAL.at_london(d, time(9, 0))
    assert result == expected
    assert result.tzinfo is UTC


def test_at_london_skipped_and_repeated_hours():
    assert CAL.at_london(date(2026, 3, 29), time(1, 30)) == utc(2026, 3, 29, 1, 30)
    assert CAL.at_london(date(2026, 10, 25), time(1, 30)) == utc(2026, 10, 25, 0, 30)
    assert CAL.at_london(date(2026, 10, 25), time(1, 30, fold=1)) == utc(2026, 10, 25, 1, 30)


def test_london_and_naive_datetimes():
    assert CAL.london(utc(2026, 6, 30, 23, 30)).replace(tzinfo=None) == datetime(2026, 7, 1, 0, 30)
    assert CAL.london_date(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    with pytest.raises(ValueError):
        CAL.london(datetime(2026, 6, 30, 12))
    with pytest.raises(ValueError):
        ensure_utc(datetime(2026, 6, 30, 12))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 11, 27, 9), True),
        (utc(2026, 11, 27, 8, 59), False),
        (utc(2026, 11, 27, 17, 29), True),
        (utc(2026, 11, 27, 17, 30), False),
        (utc(2026, 11, 28, 12), False),
        (utc(2026, 12, 28, 12), False),
        (utc(2026, 6, 15, 8), True),
        (utc(2026, 6, 15, 7, 59), False),
        (utc(2026, 6, 15, 16, 29), True),
        (utc(2026, 6, 15, 16, 30), False),
    ],
)
def test_is_working_time(instant, expected):
    assert CAL.is_working_time(instant) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 11, 27, 18), utc(2026, 11, 30, 9)),
        (utc(2026, 12, 28, 10), utc(2026, 12, 29, 9)),
        (utc(2026, 12, 24, 17, 30), utc(2026, 12, 29, 9)),
        (utc(2027, 3, 29, 9), utc(2027, 3, 30, 8)),
        (utc(2026, 11, 30, 7), utc(2026, 11, 30, 9)),
        (utc(2026, 11, 30, 11, 15), utc(2026, 11, 30, 11, 15)),
        (utc(2026, 3, 27, 18), utc(2026, 3, 30, 8)),
        (utc(2026, 10, 23, 16, 45), utc(2026, 10, 26, 9)),
    ],
)
def test_next_working_moment(instant, expected):
    result = CAL.next_working_moment(instant)
    assert result == expected
    assert result.tzinfo is UTC


def test_next_working_moment_keeps_an_instant_given_in_another_zone():
    plus_two = timezone(timedelta(hours=2))
    result = CAL.next_working_moment(datetime(2026, 11, 30, 13, 15, tzinfo=plus_two))
    assert result == utc(2026, 11, 30, 11, 15)
    assert result.tzinfo is UTC


def test_last_working_start_before():
    assert CAL.last_working_start_before(utc(2026, 12, 27, 17, 30)) == utc(2026, 12, 24, 9)
    assert CAL.last_working_start_before(utc(2026, 12, 1, 17, 30)) == utc(2026, 12, 1, 9)
    assert CAL.last_working_start_before(utc(2026, 12, 1, 9)) == utc(2026, 11, 30, 9)


def test_results_do_not_depend_on_the_machine_timezone(monkeypatch):
    if not hasattr(time_module, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "America/New_York")
    time_module.tzset()
    try:
        assert CAL.next_working_moment(utc(2026, 11, 27, 18)) == utc(2026, 11, 30, 9)
        assert CAL.at_london(date(2026, 3, 30), time(9)) == utc(2026, 3, 30, 8)
        assert CAL.london_date(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    finally:
        monkeypatch.delenv("TZ")
        time_module.tzset()


def test_working_hours_are_validated():
    with pytest.raises(ValueError):
        WorkingCalendar(start=time(17), end=time(9))
    custom = WorkingCalendar(start=time(8), end=time(16))
    assert custom.next_working_moment(utc(2026, 11, 27, 16)) == utc(2026, 11, 30, 8)


REFERRAL = utc(2026, 11, 27, 10)


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        (CalendarMonths(1), REFERRAL, utc(2026, 12, 27, 17, 30)),
        (CalendarMonths(4), utc(2026, 12, 21, 15), utc(2027, 4, 21, 16, 30)),
        (CalendarDays(7), REFERRAL, utc(2026, 12, 4, 17, 30)),
        (WorkingDays(2), REFERRAL, utc(2026, 12, 1, 17, 30)),
        (WorkingDays(2), utc(2026, 12, 24, 11), utc(2026, 12, 30, 17, 30)),
        (WorkingDays(1), utc(2027, 3, 25, 10), utc(2027, 3, 30, 16, 30)),
        (WorkingDays(1), utc(2026, 6, 30, 23, 30), utc(2026, 7, 2, 16, 30)),
        (Hours(48), utc(2026, 3, 27, 12), utc(2026, 3, 29, 12)),
        (Hours(24), utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)),
    ],
)
def test_deadline_rules(rule, start, expected):
    assert rule.apply(start, CAL) == expected


def test_date_rules_give_london_dates():
    assert CalendarMonths(1).due_date(date(2024, 1, 31), CAL) == date(2024, 2, 29)
    assert WorkingDays(2).due_date(date(2026, 12, 24), CAL) == date(2026, 12, 30)
    assert CalendarDays(3).due_date(date(2026, 11, 27), CAL) == date(2026, 11, 30)
    assert WorkingDays(10).back_from(date(2026, 12, 27), CAL) == date(2026, 12, 11)
    assert CalendarDays(7).back_from(date(2026, 12, 27), CAL) == date(2026, 12, 20)


def test_deadline_rules_are_validated_and_described():
    with pytest.raises(ValueError):
        WorkingDays(-1)
    with pytest.raises(ValueError):
        CalendarMonths(True)
    assert CalendarMonths(1).describe() == "1 calendar month"
    assert WorkingDays(15).describe() == "15 working days"
    assert Hours(24).describe() == "24 hours"
    assert CalendarMonths(6).scaled(3) == CalendarMonths(18)
