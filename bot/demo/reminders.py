"""Scene: the next working morning, the business unit's digest, then the nudges due."""

from __future__ import annotations

from datetime import datetime, time

from bot.demo.story import Story
from bot.jobs.reminders import send_daily_digest
from bot.jobs.worker import tick
from bot.process.working_days import LONDON


def the_next_working_morning(story: Story) -> None:
    harness = story.harness
    cal = harness.runtime.working_calendar()
    today = cal.london_date(harness.clock.now())
    morning = cal.next_working_day(today)
    day = f"{morning:%a} {morning.day} {morning:%b}"
    harness.clock.set(datetime.combine(morning, time(8, 30), tzinfo=LONDON))
    story.scene("the next working morning")
    with story.step(f"{day} 08:30: the Board business unit's daily digest", worker=True):
        send_daily_digest(harness.runtime, harness.runtime.web_client())
    harness.clock.set(datetime.combine(morning, time(9, 0), tzinfo=LONDON))
    with story.step(f"{day} 09:00: the worker's tick sends the nudges now due", worker=True):
        tick(harness.runtime)
