"""Reminders about the decision's and the review's tasks carry the button that opens the
task's own form (never a bare "Mark done" that would skip it)."""

from __future__ import annotations

import json

from bot.ids import REVIEW_TASK_KINDS, TASK_FORMS, ReviewAction
from bot.jobs.worker import tick
from bot.process.bolton import BOLTON_SCR
from tests.decision.helpers import decided, ephemerals_text, modal_of
from tests.reminders.reminder_helpers import london
from tests.review.test_imr import request_review, scr_with_terms

FORM_FREE = {"chair_decision", "panel_papers_sent"}
"""Done with buttons of their own: the Chair's decision in its message, the panel's papers
sent by "Send chronology to panel" (`tests/panel/test_papers_before_panel.py`)."""


def test_every_task_from_the_panel_on_has_a_form() -> None:
    later = [
        task.kind
        for stage in BOLTON_SCR.all_stages
        if stage.key not in {"referral", "monitoring"}
        for task in stage.tasks
    ]
    assert set(later) - FORM_FREE == set(REVIEW_TASK_KINDS)
    assert all(TASK_FORMS[kind] == ReviewAction.TASK_FORM.value for kind in REVIEW_TASK_KINDS)


def reminder_with_form(harness, user, title):
    for message in reversed(harness.standin.dms_to(user)):
        if ReviewAction.TASK_FORM.value in str(message.blocks) and title in str(message.blocks):
            return message
    raise AssertionError(f"no reminder about {title!r} with its form for {user}")


def click_form(harness, user, message):
    harness.driver.block_action(
        user, ReviewAction.TASK_FORM.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()


def test_the_author_is_reminded_with_a_button_to_the_review_form(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case, due="2027-01-29")
    harness.clock.set(london(2027, 1, 22, 9, 5))
    tick(harness.runtime)

    reminder = reminder_with_form(harness, "U0RLH", "Complete the individual management review")
    assert "Mark done" not in str(reminder.blocks)
    click_form(harness, "U0RLH", reminder)

    assert "Health's individual management review" in str(
        modal_of(harness, "U0RLH", "review_imr_submit").blocks
    )


def test_the_business_unit_is_reminded_with_the_notice_form(harness) -> None:
    case = decided(harness)
    harness.clock.set(london(2026, 11, 30, 9, 5))
    tick(harness.runtime)

    reminder = reminder_with_form(harness, "U0ADMIN", "Notify OFSTED of the decision")
    click_form(harness, "U0ADMIN", reminder)
    view = modal_of(harness, "U0ADMIN", "decision_notice")
    assert json.loads(view.private_metadata) == {"case": case.id, "audience": "ofsted"}

    harness.driver.block_action(
        "U0DPH",
        ReviewAction.TASK_FORM.value,
        channel_id=reminder.channel,
        message_ts=reminder.ts,
    )
    harness.wait()
    assert "business unit records" in ephemerals_text(harness, "U0DPH")
