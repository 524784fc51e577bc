"""Booking the Initial Panel on a weekend or bank holiday: the modal asks first (on the date
input itself), and the same date submitted again books it. A working day books at once."""

from __future__ import annotations

import json

import pytest

from bot.ids import PanelBlock
from tests.panel.helpers import (
    ORGANISER,
    meetings,
    open_modal,
    referred_case,
    schedule_answers,
    submit,
)
from tests.panel.test_panel_find_time import find_answers

SATURDAY = "2026-12-19"
NOTICE = "⚠ Sat 19 Dec 2026 is not a working day (weekend). Submit again to book it anyway."


def date_input(harness, view_id: str, block: PanelBlock = PanelBlock.DATE) -> dict:
    view = harness.standin.view_json(view_id)
    return next(b for b in view["blocks"] if b.get("block_id") == block.value)


@pytest.mark.postgres
def test_a_saturday_is_asked_about_first_and_booked_when_submitted_again(harness) -> None:
    case = referred_case(harness)
    view_id = open_modal(harness, ORGANISER, "panel schedule", case.channel_id)
    assert "hint" not in date_input(harness, view_id)
    assert "must meet by *Thu 24 Dec (deadline Sun 27 Dec)*" in json.dumps(
        harness.standin.view_json(view_id), ensure_ascii=False
    )

    answer = submit(harness, ORGANISER, schedule_answers(panel_date=SATURDAY), view_id)

    assert answer["response_action"] == "update"
    assert meetings(harness) == []
    assert date_input(harness, view_id)["hint"]["text"] == NOTICE
    assert json.loads(harness.standin.view_json(view_id)["private_metadata"])["confirmed"] == [
        SATURDAY
    ]

    # Another non-working day is asked about in its turn; nothing is stored meanwhile.
    answer = submit(harness, ORGANISER, schedule_answers(panel_date="2026-12-25"), view_id)
    assert answer["response_action"] == "update"
    assert "Fri 25 Dec 2026 is not a working day (bank holiday)" in json.dumps(
        date_input(harness, view_id)
    )
    assert meetings(harness) == []

    answer = submit(harness, ORGANISER, schedule_answers(panel_date=SATURDAY), view_id)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"
    assert meeting.start_at.isoformat() == "2026-12-19T10:00:00+00:00"


def test_a_working_day_books_at_once(harness) -> None:
    case = referred_case(harness)
    view_id = open_modal(harness, ORGANISER, "panel schedule", case.channel_id)

    answer = submit(harness, ORGANISER, schedule_answers(panel_date="2026-12-18"), view_id)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"


def test_an_invalid_answer_is_refused_before_the_weekend_is_asked_about(harness) -> None:
    case = referred_case(harness)
    view_id = open_modal(harness, ORGANISER, "panel schedule", case.channel_id)

    nowhere = schedule_answers(panel_date=SATURDAY, panel_location=None, panel_video=None)
    answer = submit(harness, ORGANISER, nowhere, view_id)

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {PanelBlock.LOCATION.value}
    assert meetings(harness) == []


def test_proposing_a_weekend_time_asks_first_too(harness) -> None:
    case = referred_case(harness)
    view_id = open_modal(harness, ORGANISER, "panel find", case.channel_id)
    answers = find_answers(**{PanelBlock.SLOT_2_DATE.value: "2026-12-20"})

    answer = submit(harness, ORGANISER, answers, view_id)

    assert answer["response_action"] == "update"
    assert date_input(harness, view_id, PanelBlock.SLOT_2_DATE)["hint"]["text"] == (
        "⚠ Sun 20 Dec 2026 is not a working day (weekend). Submit again to propose it anyway."
    )
    assert "hint" not in date_input(harness, view_id, PanelBlock.SLOT_1_DATE)
    assert meetings(harness) == []

    assert submit(harness, ORGANISER, answers, view_id) == {}
    [meeting] = meetings(harness)
    assert meeting.status == "proposed"
