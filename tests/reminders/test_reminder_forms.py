"""A reminder's button opens the task's own form, wherever the reminder is read."""

from __future__ import annotations

from datetime import timedelta

from bot.ids import TASK_FORMS, PanelAction
from bot.process.bolton import BOLTON_SCR
from tests.reminders.reminder_helpers import (
    DMLog,
    item_buttons,
    london,
    message_of_the_day,
    open_case,
    task_of,
    travel,
)


def test_every_bolton_task_but_two_is_completed_through_its_own_form() -> None:
    """ "Mark done" records only who and when: it is offered for the designated person's
    confirmation alone; the Chair's decision is taken with its own buttons."""
    tasks = [t for stage in (*BOLTON_SCR.stages, *BOLTON_SCR.side_stages) for t in stage.tasks]
    without_form = {t.kind: t for t in tasks if t.kind not in TASK_FORMS}
    assert set(without_form) == {"dp_notified", "chair_decision"}
    assert without_form["chair_decision"].records_event == "decision"


def test_the_panel_reminder_opens_the_scheduling_form_from_the_dm(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 11, 30, 9), timedelta(hours=1))
    dm = message_of_the_day(harness, "U0CPU1", "Schedule the initial panel")
    panel = task_of(harness, case.id, "schedule_initial_panel")
    buttons = item_buttons(dm, panel.id)
    assert buttons[0]["action_id"] == PanelAction.OPEN_SCHEDULE.value
    assert buttons[0]["value"] == str(panel.id)

    harness.driver.block_action("U0CPU1", PanelAction.OPEN_SCHEDULE.value, message_ts=dm.ts)
    harness.wait()

    view = harness.standin.open_view_for("U0CPU1")
    assert view is not None
    assert "panel" in str(view.blocks).lower()
