"""The card keeps each agency's first-month progress after the stage moves on."""

from __future__ import annotations

from bot.services.cases.access import load_case
from bot.services.cases.card import build_case_card
from bot.views.format import LONDON
from tests.reminders.reminder_helpers import CPU_CHORES, complete, open_case


def _card(harness, case_id: int):
    today = harness.runtime.clock.now().astimezone(LONDON).date()
    with harness.runtime.db.session() as session:
        case = load_case(session, case_id)
        return case.stage, build_case_card(session, case, today, harness.runtime.working_calendar())


def test_open_chronologies_stay_on_the_card_into_the_initial_panel_stage(harness) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "dp_notified", "schedule_initial_panel")
    stage, card = _card(harness, case.id)
    assert stage == "initial_panel"
    assert list(card.agency_columns) == ["records secured", "chronology", "synopsis"]
    [health] = card.agency_rows
    assert health.name == "Health"
    assert health.cells[0] == "due Tue 1 Dec"

    complete(harness, case.id, "records_secured", "chronology_submitted", "synopsis_submitted")
    _, card = _card(harness, case.id)
    assert list(card.agency_columns) == []
