"""Dates, times and counts as people read them: in words, in Europe/London (`day`,
`short_day` and `deadline_words` live with the calendar, `plural` and `listed` in `bot.words`,
where services can use them too)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.process.working_days import day as day
from bot.process.working_days import deadline_words as deadline_words
from bot.process.working_days import short_day as short_day
from bot.words import listed as listed
from bot.words import plural as plural

LONDON = ZoneInfo("Europe/London")


def moment(value: datetime) -> str:
    local = value.astimezone(LONDON)
    return f"{day(local.date())} {local:%H:%M}"


def days_left(deadline: date, today: date) -> str:
    delta = (deadline - today).days
    if delta > 0:
        return f"{plural(delta, 'day')} left"
    if delta == 0:
        return "due today"
    return f"overdue by {plural(-delta, 'day')}"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def user_link(user_id: str) -> str:
    return f"<@{user_id}>"
