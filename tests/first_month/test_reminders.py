"""An agency that never confirms its records are secured is reminded, then chased with the
CPU told; an agency that confirms is left alone (the engine's reminders, sent by the worker)."""

from __future__ import annotations

from datetime import timedelta

from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from tests.first_month.helpers import briefing, channel_of, open_case, task, values
from tests.reminders.reminder_helpers import DMLog, london, message_of_the_day, travel


def test_records_never_secured_are_chased_and_the_cpu_told(harness) -> None:
    open_case(harness)
    harness.driver.slash_command(
        "U0CPU1", "agency add Police", channel_id=channel_of(harness), channel_name="scr-2026-001"
    )
    harness.wait()
    dm = briefing(harness, "U0DPH")
    harness.driver.block_action(
        "U0DPH",
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_records_secured",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    harness.driver.submit_view(
        "U0DPH",
        values({B.WHEN_DATE.value: "2026-11-27", B.SYSTEMS.value: "Patient record system"}),
    )
    harness.wait()
    assert task(harness, "records_secured", "Health").status == "done"
    assert task(harness, "records_secured", "Police").status == "open"

    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 8, 18), timedelta(hours=1))

    chased = log.to("U0DPP", "Secure all relevant records")
    assert [s.when for s in chased] == [
        "Mon 30 Nov 2026 09:00",
        "Tue 01 Dec 2026 09:00",
        "Wed 02 Dec 2026 09:00",
        "Fri 04 Dec 2026 09:00",
    ]
    assert "*Secure all relevant records* · Police\nby Tue 1 Dec · due today" in chased[1].text
    assert "by Tue 1 Dec · *1 working day late*\n" in chased[2].text + "\n"
    for cpu in ("U0CPU1", "U0CPU2"):
        told = log.to(cpu, "*Secure all relevant records* · Police\nby Tue 1 Dec · *")
        assert [s.when for s in told] == [s.when for s in chased[2:]]
        assert all("you are told as the CPU" in s.text for s in told)
    assert log.to("U0DPH", "Secure all relevant records") == []
    assert log.to("U0CPU1", "*Secure all relevant records* · Health") == []


def _click_item(harness, user: str, title: str, kind: str) -> None:
    """Click the button of one item of ``user``'s message of the day."""
    nudge = message_of_the_day(harness, user, title)
    item = task(harness, kind, "Health" if kind.endswith("submitted") else None)
    harness.driver.block_action(
        user,
        FirstMonthAction.TASK.value,
        block_id=f"today_item:{item.id}",
        channel_id=nudge.channel,
        message_ts=nudge.ts,
    )


def test_a_synopsis_reminder_opens_the_synopsis_form(harness) -> None:
    open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 21, 10), timedelta(hours=12))
    _click_item(harness, "U0RLH", "synopsis", "synopsis_submitted")
    harness.wait()
    view = harness.standin.open_view_for("U0RLH")
    assert view is not None and view.callback_id == FirstMonthCallback.SYNOPSIS.value
    harness.driver.submit_view("U0RLH", values({B.SYNOPSIS.value: "Known since birth."}))
    harness.wait()
    assert task(harness, "synopsis_submitted", "Health").status == "done"


def test_a_cpu_check_reminder_and_the_app_home_open_its_form(harness) -> None:
    open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 11, 30, 10), timedelta(hours=12))
    _click_item(harness, "U0CPU2", "Check for a child protection plan", "cpu_cp_plan_checked")
    harness.wait()
    view = harness.standin.open_view_for("U0CPU2")
    assert view is not None and view.callback_id == FirstMonthCallback.TASK_FORM.value

    harness.driver.app_home_opened("U0CPU1")
    harness.wait()
    home = harness.standin.home_view("U0CPU1")
    assert home is not None and FirstMonthAction.TASK.value in str(home["blocks"])
    harness.driver.block_action("U0CPU1", FirstMonthAction.TASK.value, view_id=home["id"])
    harness.wait()
    opened = harness.standin.open_view_for("U0CPU1")
    assert opened is not None and opened.callback_id == FirstMonthCallback.TASK_FORM.value
    harness.driver.submit_view("U0CPU1", values({B.CP_PLAN.value: "no"}))
    harness.wait()
    assert task(harness, "cpu_cp_plan_checked").completed_by == "U0CPU1"

    harness.driver.block_action("U0DPH", FirstMonthAction.TASK.value, view_id=home["id"])
    harness.wait()
    assert any(
        "already recorded" in m.text or "someone else" in m.text
        for m in harness.standin.dms_to("U0DPH")
    )
