"""The panel's reminders, sent by the worker's tick as time passes: a chase for answers to
the invitation, everyone two working days and one hour before; each once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.ids import PanelAction
from bot.jobs.worker import tick
from storage.models import PanelReminder
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    latest_dm,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)

LONDON = ZoneInfo("Europe/London")
CHASE = "you have not answered the invitation"
TWO_DAYS = "meets in two working days"
ONE_HOUR = "starts in an hour"
PANEL = (*MEMBERS, CHAIR)


def at(harness, *when: int) -> None:
    harness.clock.set(datetime(*when, tzinfo=LONDON))  # type: ignore[misc]
    tick(harness.runtime)
    harness.wait()


def reminded(harness, text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for user in (*PANEL, ORGANISER):
        found = [m for m in harness.standin.dms_to(user) if text in m.text]
        if found:
            counts[user] = len(found)
    return counts


def answer(harness, user: str, action: PanelAction) -> None:
    dm = latest_dm(harness, user, action.value)
    harness.driver.block_action(user, action.value, channel_id=dm.channel, message_ts=dm.ts)
    harness.wait()


def planned(harness) -> dict[str, datetime]:
    with harness.runtime.db.session() as session:
        return {
            r.kind: r.at
            for r in session.scalars(select(PanelReminder).where(PanelReminder.status == "planned"))
        }


def test_the_reminders_are_planned_in_working_hours(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    assert planned(harness) == {
        "chase": datetime(2026, 12, 1, 9, tzinfo=UTC),
        "two_days": datetime(2026, 12, 11, 9, tzinfo=UTC),
        "one_hour": datetime(2026, 12, 15, 9, tzinfo=UTC),
    }


@pytest.mark.postgres
def test_non_responders_are_chased_and_everyone_is_reminded_once(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    answer(harness, "U0DPP", PanelAction.ACCEPT)
    answer(harness, "U0DPC", PanelAction.DECLINE)

    at(harness, 2026, 11, 30, 16, 0)
    assert reminded(harness, CHASE) == {}

    at(harness, 2026, 12, 1, 9, 1)
    at(harness, 2026, 12, 1, 9, 2)
    assert reminded(harness, CHASE) == {"U0RLH": 1, "U0DPR": 1, CHAIR: 1}
    chase = latest_dm(harness, "U0RLH", CHASE)
    assert PanelAction.ACCEPT.value in str(chase.blocks)

    at(harness, 2026, 12, 11, 9, 1)
    at(harness, 2026, 12, 11, 9, 30)
    expected = {u: 1 for u in PANEL if u != "U0DPC"}
    assert reminded(harness, TWO_DAYS) == expected
    assert "Tue 15 Dec 2026, 10:00–12:00" in latest_dm(harness, "U0DPP", TWO_DAYS).text

    at(harness, 2026, 12, 15, 9, 0)
    at(harness, 2026, 12, 15, 9, 10)
    assert reminded(harness, ONE_HOUR) == expected


def test_after_downtime_only_the_latest_reminder_goes_out(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    at(harness, 2026, 12, 14, 10, 0)

    assert reminded(harness, CHASE) == {}
    assert reminded(harness, TWO_DAYS) == {u: 1 for u in PANEL}
    with harness.runtime.db.session() as session:
        statuses = {r.kind: r.status for r in session.scalars(select(PanelReminder))}
    assert statuses == {"chase": "skipped", "two_days": "sent", "one_hour": "planned"}


def test_a_reschedule_replaces_the_reminders(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    submit(harness, ORGANISER, schedule_answers(panel_date="2026-12-17"), view_id)

    assert planned(harness) == {
        "chase": datetime(2026, 12, 1, 9, tzinfo=UTC),
        "two_days": datetime(2026, 12, 15, 9, tzinfo=UTC),
        "one_hour": datetime(2026, 12, 17, 9, tzinfo=UTC),
    }
    at(harness, 2026, 12, 11, 9, 1)
    assert reminded(harness, TWO_DAYS) == {}
    at(harness, 2026, 12, 15, 9, 1)
    assert reminded(harness, TWO_DAYS) == {u: 1 for u in PANEL}
    assert "Thu 17 Dec 2026" in latest_dm(harness, "U0DPP", TWO_DAYS).text
