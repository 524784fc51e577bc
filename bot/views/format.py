"""Dates and times as people read them: in words, in Europe/London."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def short_day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


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
