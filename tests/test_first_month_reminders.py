"""An agency that never confirms its records are secured is reminded, then chased with the
CPU told; an agency that confirms is left alone (the engine's reminders, sent by the worker)."""

from __future__ import annotations

from datetime import timedelta

from bot.ids import FirstMonthAction
from bot.ids import FirstMonthBlock as B
from tests.first_month_helpers import briefing, channel_of, open_case, task, values
from tests.reminder_helpers import DMLog, london, travel


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

    chased = log.to("U0DPP", "secure all relevant records for Police")
    assert [s.when for s in chased] == [
        "Tue 01 Dec 2026 09:00",
        "Wed 02 Dec 2026 09:00",
        "Fri 04 Dec 2026 09:00",
        "Tue 08 Dec 2026 09:00",
    ]
    assert "due today (Tue 1 Dec)" in chased[0].text
    assert chased[1].text.endswith("It was due Tue 1 Dec; the CPU has been told.")
    for cpu in ("U0CPU1", "U0CPU2"):
        told = log.to(cpu, "“Secure all relevant records” (Police) was due Tue 1 Dec")
        assert [s.when for s in told] == [s.when for s in chased[1:]]
    assert log.to("U0DPH", "secure all relevant records") == []
    assert log.to("U0CPU1", "“Secure all relevant records” (Health)") == []
