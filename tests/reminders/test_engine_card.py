"""The case card drawn from the engine: next deadlines from open tasks, a row per agency."""

from __future__ import annotations

import json

from slack_sdk import WebClient

from bot.flows.cases import refresh_card
from bot.services.cases.access import load_case
from bot.services.cases.card import build_case_card
from bot.services.reminders.tasks import EngineContext, add_agency, waive_task
from storage.models import Task
from tests.flow_helpers import agency_id
from tests.reminders.reminder_helpers import complete, london, open_case, task_of

SUNDAY = "due Thu 24 Dec (deadline Sun 27 Dec)"
"""The chronology and synopsis, due Sun 27 Dec 2026: Fri 25 Dec is Christmas Day."""


def _card(harness, case_id: int, on=None):
    today = (on or harness.clock.now()).astimezone(london(2026, 1, 1).tzinfo).date()
    with harness.runtime.db.session() as session:
        return build_case_card(
            session, load_case(session, case_id), today, harness.runtime.working_calendar()
        )


def test_the_card_shows_the_next_deadlines_and_each_agencys_progress(harness) -> None:
    case = open_case(harness)
    runtime = harness.runtime
    police = agency_id(harness, "Police")
    with runtime.db.session() as session:
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        add_agency(ctx, load_case(session, case.id), police, actor="U0CPU1")
    harness.clock.set(london(2026, 11, 30, 11))
    complete(harness, case.id, "cpu_cp_plan_checked")
    police_chronology_id = task_of(harness, case.id, "chronology_submitted", police).id
    with runtime.db.session() as session:
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        police_chronology = session.get(Task, police_chronology_id)
        waive_task(ctx, police_chronology, actor="U0CPU1", reason="none", cipher=runtime.cipher)
    health_dp = task_of(harness, case.id, "dp_notified", agency_id(harness, "Health"))
    with runtime.db.session() as session:
        task = session.get(Task, health_dp.id)
        assert task is not None
        task.status, task.completed_at, task.completed_by = "done", harness.clock.now(), "U0DPH"

    card = _card(harness, case.id, on=london(2026, 12, 2, 10))

    assert card.stage_title == "Initial Panel stage"
    assert [(d.label, str(d.due), d.note) for d in card.deadlines] == [
        ("Consider other children at risk (the referring agency)", "2026-11-30", ""),
        ("Inform the other organisations", "2026-12-01", ""),
        ("Inform the Board Chair", "2026-12-01", ""),
        ("Initial Panel", "2026-12-27", "not scheduled yet"),
    ]
    assert list(card.agency_columns) == ["notified", "records secured", "chronology", "synopsis"]
    assert [(row.name, row.cells) for row in card.agency_rows] == [
        ("Health", ("✓ 30 Nov", "overdue (due Tue 1 Dec)", SUNDAY, SUNDAY)),
        ("Police", ("overdue (due Mon 30 Nov)", "overdue (due Tue 1 Dec)", "waived", SUNDAY)),
    ]


def test_refresh_card_redraws_the_pinned_card_and_tolerates_slack_failing(harness) -> None:
    case = open_case(harness)
    client: WebClient = harness.runtime.web_client()
    complete(harness, case.id, "dp_notified")

    assert refresh_card(harness.runtime, client, case.id) is True
    card = harness.standin.find_message(case.channel_id, case.card_ts)
    assert card is not None and "✓ 27 Nov" in json.dumps(card.blocks, ensure_ascii=False)

    harness.standin.fail("chat.update", error="message_not_found")
    assert refresh_card(harness.runtime, client, case.id) is False
