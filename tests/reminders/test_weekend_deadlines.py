"""A deadline on a weekend or bank holiday is shown with the last working day first, the
same way wherever it appears; a working-day deadline is shown as it is."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.process.working_days import WorkingCalendar, deadline_words
from tests.flow_helpers import body_json
from tests.reminders.reminder_helpers import london, open_case

CAL = WorkingCalendar()
TODAY = date(2026, 11, 27)
SUNDAY = date(2026, 12, 27)  # the Initial Panel's one-month deadline for a 27 Nov referral
BY_THURSDAY = "Thu 24 Dec (deadline Sun 27 Dec)"


def words(due: date, today: date = TODAY) -> str:
    return deadline_words(due, CAL.last_working_day(due), today)


def test_the_last_working_day_comes_first_over_christmas() -> None:
    assert date(2026, 12, 24).strftime("%A") == "Thursday"
    assert [CAL.closure(date(2026, 12, d)) for d in (24, 25, 26, 27, 28, 29)] == [
        None,
        "bank holiday",
        "weekend",
        "weekend",
        "bank holiday",  # Boxing Day's substitute
        None,
    ]
    assert CAL.last_working_day(SUNDAY) == date(2026, 12, 24)
    assert words(SUNDAY) == BY_THURSDAY
    assert words(date(2026, 12, 28)) == "Thu 24 Dec (deadline Mon 28 Dec)"
    assert words(date(2026, 12, 22)) == "Tue 22 Dec"
    assert words(date(2027, 1, 3)) == "Thu 31 Dec (deadline Sun 3 Jan 2027)"
    assert words(SUNDAY, today=date(2026, 12, 26)) == BY_THURSDAY, "still the deadline's eve"
    assert words(SUNDAY, today=date(2026, 12, 29)) == "Sun 27 Dec", "overdue: the deadline"
    assert deadline_words(SUNDAY, None, TODAY) == "Sun 27 Dec"


def test_a_board_closure_day_counts_too() -> None:
    closed = WorkingCalendar(extra_closures=frozenset({date(2026, 12, 24)}))
    assert closed.closure(date(2026, 12, 24)) == "closure day"
    assert deadline_words(SUNDAY, closed.last_working_day(SUNDAY), TODAY) == (
        "Wed 23 Dec (deadline Sun 27 Dec)"
    )


@pytest.mark.postgres
def test_the_card_app_home_and_status_show_the_thursday_before_a_sunday_deadline(
    harness,
) -> None:
    case = open_case(harness)  # referred Fri 27 Nov 2026

    card = harness.standin.find_message(case.channel_id, case.card_ts)
    assert card is not None
    lines = json.dumps(card.blocks, ensure_ascii=False)
    assert f"*Initial Panel*: by {BY_THURSDAY} · 30 days left · not scheduled yet" in lines
    assert "*Check for a child protection plan*: by Mon 30 Nov · 3 days left" in lines
    health = [
        "*Health*",
        "notified: due Mon 30 Nov",
        "records secured: due Tue 1 Dec",
        f"chronology: due {BY_THURSDAY}",
        f"synopsis: due {BY_THURSDAY}",
    ]
    assert json.dumps("\n".join(health), ensure_ascii=False)[1:-1] in lines

    [briefing] = [m for m in harness.standin.dms_to("U0DPH") if "is involved" in m.text]
    briefed = json.dumps(briefing.blocks, ensure_ascii=False)
    assert f"chronology due {BY_THURSDAY}, synopsis due {BY_THURSDAY}" in briefed
    assert "Secure all relevant records and case files now* · due Tue 1 Dec" in briefed

    assert harness.driver.app_home_opened("U0CPU1").status == 200
    harness.wait()
    home = harness.standin.home_view("U0CPU1")
    assert home is not None
    texts = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section"]
    assert f"*SCR-2026-001* · Schedule the initial panel · due {BY_THURSDAY}" in texts
    assert "*SCR-2026-001* · Check for a child protection plan · due Mon 30 Nov" in texts

    assert harness.driver.app_home_opened("U0CHAIR").status == 200
    harness.wait()
    chair = json.dumps(harness.standin.home_view("U0CHAIR"), ensure_ascii=False)
    assert "next deadline by Mon 30 Nov" in chair

    harness.clock.set(london(2026, 12, 21, 10))
    status = body_json(harness.driver.slash_command("U0RLH", "my"))
    mine = json.dumps(status, ensure_ascii=False)
    assert f"Submit the chronology · Health · due {BY_THURSDAY}" in mine
