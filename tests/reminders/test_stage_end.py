"""Tasks end with their stage: when the case moves on, what the earlier stage left open is
superseded (audited, its nudges stopped, gone from the card and from "my tasks"), except
what the process carries into the new stage: the chronologies wanted for the panel."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.services.cases.audit import events_for
from tests.decision.helpers import panel_held, recommend, stored_case
from tests.first_month.test_agencies import agency_tasks, command
from tests.flow_helpers import body_json
from tests.panel.helpers import card_message, schedule_panel
from tests.reminders.reminder_helpers import (
    CPU_CHORES,
    DMLog,
    complete,
    london,
    open_case,
    reminders,
    task_of,
    travel,
)

NOTIFIED = "Confirm the CPU has been notified"
CARRIED = ("records_secured", "chronology_submitted", "synopsis_submitted")


def superseded_rows(harness, case_id: int) -> list[dict]:
    with harness.runtime.db.session() as session:
        return [
            {"actor": e.actor, **e.detail}
            for e in events_for(session, case_id)
            if e.action == "task.superseded"
        ]


def agency_grid(harness, case, agency: str = "Health") -> list[str]:
    """The card's field for ``agency``: its name, then one labelled value a line."""
    fields = [f["text"] for b in card_message(harness, case).blocks for f in b.get("fields") or []]
    [found] = [f for f in fields if f.startswith(f"*{agency}*")]
    return str(found).splitlines()


@pytest.mark.postgres
def test_scheduling_the_panel_supersedes_the_first_days_check_and_its_nudges_stop(
    harness,
) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES)
    assert stored_case(harness, case.id).stage == "referral"
    log = DMLog(harness)

    assert schedule_panel(harness, case) == {}  # the modal, as the CPU submits it

    assert stored_case(harness, case.id).stage == "initial_panel"
    notified = task_of(harness, case.id, "dp_notified")
    assert (notified.status, notified.completed_by) == ("superseded", "bot")
    assert notified.completed_at == harness.clock.now()
    assert {r.status for r in reminders(harness, notified.id)} == {"cancelled"}
    assert superseded_rows(harness, case.id) == [
        {
            "actor": "bot",
            "task_id": notified.id,
            "kind": "dp_notified",
            "stage": "referral",
            "agency_id": notified.agency_id,
            "by_stage": "initial_panel",
        }
    ]
    assert [task_of(harness, case.id, kind).status for kind in CARRIED] == ["open"] * 3

    grid = agency_grid(harness, case)
    assert [line.split(":")[0] for line in grid] == [
        "*Health*",
        "records secured",
        "chronology",
        "synopsis",
    ]
    assert "notified" not in "\n".join(grid)
    mine = body_json(harness.driver.slash_command("U0DPH", "my"))
    assert "Secure all relevant records" in json.dumps(mine)
    assert NOTIFIED not in json.dumps(mine)

    # Ticks up to the panel: nobody hears of the superseded check; the chronology, due 5
    # working days before the panel (Tue 15 Dec), is still chased.
    travel(harness, log, london(2026, 12, 14, 10), timedelta(days=1))
    assert log.sent, "the carried tasks are still nudged"
    assert not [s for s in log.sent if "CPU has been notified" in s.text]
    [last_day] = [s for s in log.to("U0RLH", "chronology") if "due today" in s.text]
    assert last_day.when == "Tue 08 Dec 2026 10:00"
    assert "*Submit the chronology* · Health\nby Tue 8 Dec · due today" in last_day.text


@pytest.mark.postgres
def test_the_panels_recommendation_supersedes_what_was_carried_for_the_panel(harness) -> None:
    case = panel_held(harness)
    assert case.stage == "initial_panel"
    carried = [task_of(harness, case.id, kind) for kind in CARRIED]
    assert [t.status for t in carried] == ["open"] * 3

    recommend(harness, case)  # the CPU's form: the Board Chair's decision stage begins

    assert stored_case(harness, case.id).stage == "decision"
    for task in carried:
        closed = task_of(harness, case.id, task.kind)
        assert (closed.status, closed.completed_by) == ("superseded", "bot"), task.kind
        assert {r.status for r in reminders(harness, task.id)} <= {"cancelled", "sent"}
        assert "planned" not in {r.status for r in reminders(harness, task.id)}
    rows = superseded_rows(harness, case.id)
    by_decision = {r["kind"]: r["stage"] for r in rows if r["by_stage"] == "decision"}
    # the papers the CPU did not send are no longer asked for once the panel has met
    assert by_decision == {
        **dict.fromkeys(CARRIED, "referral"),
        "panel_papers_sent": "initial_panel",
    }
    assert all(r["stage"] == "referral" for r in rows if r["kind"] != "panel_papers_sent")
    assert "*Agency*" not in json.dumps(card_message(harness, case).blocks)


def test_an_agency_joining_for_the_panel_is_asked_for_what_carries_into_it(harness) -> None:
    case = open_case(harness)
    complete(harness, case.id, *CPU_CHORES, "schedule_initial_panel")
    assert stored_case(harness, case.id).stage == "initial_panel"

    assert command(harness, "U0CPU1", "agency add Police") == "Police: added."

    police = agency_tasks(harness, "Police")
    assert police == {kind: "open" for kind in CARRIED}, "no first-days check for a late joiner"
    grid = agency_grid(harness, case, "Police")
    assert [line.split(":")[0] for line in grid] == [
        "*Police*",
        "records secured",
        "chronology",
        "synopsis",
    ]
    assert grid[1] == "records secured: due Tue 1 Dec"
