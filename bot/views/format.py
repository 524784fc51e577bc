"""Dates and times as people read them: in words, in Europe/London (`day`, `short_day` and
`deadline_words` live with the calendar, where services can use them too)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.process.working_days import day as day
from bot.process.working_days import deadline_words as deadline_words
from bot.process.working_days import short_day as short_day

LONDON = ZoneInfo("Europe/London")


def moment(value: datetime) -> str:
    local = value.astimezone(LONDON)
    return f"{day(local.date())} {local:%H:%M}"


def days_left(deadline: date, today: date) -> str:
    delta = (deadline - today).days
    if delta > 1:
        return f"{delta} days left"
    if delta == 1:
        return "1 day left"
    if delta == 0:
        return "due today"
    return f"overdue by {-delta} day{'s' if delta != -1 else ''}"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def user_link(user_id: str) -> str:
    return f"<@{user_id}>"
