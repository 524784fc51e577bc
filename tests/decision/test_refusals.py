"""Only the Board Chair decides, and decides once: refusals for everyone else (audited),
double clicks, Slack's redeliveries and stale buttons."""

from __future__ import annotations

import pytest

from bot.ids import INPUT_ACTION, DecisionAction, DecisionBlock
from tests.decision.helpers import (
    NON_CHAIRS,
    audit_rows,
    click,
    decision_requests,
    decisions,
    ephemerals_text,
    panel_held,
    recommend,
    stored_case,
    tasks_of,
)
from tests.flow_helpers import body_json, tampered_submission


@pytest.fixture
def asked(harness):
    case = panel_held(harness)
    recommend(harness, case)
    return case


@pytest.mark.parametrize("user", NON_CHAIRS)
@pytest.mark.parametrize("action", list(DecisionAction)[:3])
def test_everyone_but_the_chair_is_refused_and_the_attempt_audited(
    harness, asked, user, action
) -> None:
    _, posted = decision_requests(harness, asked)
    updates = len(harness.standin.calls_to("chat.update"))

    response = click(harness, user, action, posted)

    assert response.status == 200
    assert decisions(harness) == []
    assert stored_case(harness, asked.id).stage == "decision"
    assert tasks_of(harness, asked.id, "chair_decision")[0].status == "open"
    assert "Only the Board Chair can make this decision" in ephemerals_text(harness, user)
    assert not [v for v in harness.standin.views.values() if v.callback_id == "decision_reason"]
    assert len(harness.standin.calls_to("chat.update")) == updates
    [refused] = audit_rows(harness, "decision.refused")
    assert (refused.actor, refused.case_id) == (user, asked.id)
    _, posted_after = decision_requests(harness, asked)
    assert posted_after.blocks == posted.blocks


def test_a_non_chair_cannot_decide_by_submitting_the_reason_form(harness, asked) -> None:
    dm, _ = decision_requests(harness, asked)
    click(harness, "U0CHAIR", DecisionAction.AUDIT, dm)
    view = harness.standin.open_view_for("U0CHAIR")
    assert view is not None

    response = tampered_submission(
        harness, "U0CPU1", view.id, {DecisionBlock.REASON.value: {INPUT_ACTION: "No concerns."}}
    )

    assert "Only the Board Chair" in body_json(response)["errors"][DecisionBlock.REASON.value]
    assert decisions(harness) == []
    assert [a.actor for a in audit_rows(harness, "decision.refused")] == ["U0CPU1"]


def test_a_double_click_decides_once(harness, asked) -> None:
    dm, _ = decision_requests(harness, asked)
    harness.standin.slow("chat.update", 0.5)

    first = harness.driver.block_action(
        "U0CHAIR", DecisionAction.APPROVE.value, channel_id=dm.channel, message_ts=dm.ts
    )
    second = harness.driver.block_action(
        "U0CHAIR", DecisionAction.APPROVE.value, channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()

    assert first.status == second.status == 200
    assert len(decisions(harness)) == 1
    assert len(audit_rows(harness, "decision.made")) == 1
    assert [a.detail["stage"] for a in audit_rows(harness, "stage.begun")].count("review") == 1
    [task] = tasks_of(harness, asked.id, "chair_decision")
    assert task.status == "done"
    assert len(tasks_of(harness, asked.id, "notify_ofsted")) == 1
    assert "already decided" in ephemerals_text(harness, "U0CHAIR")
    assert stored_case(harness, asked.id).stage == "review"


def test_a_duplicate_delivery_decides_once(harness, asked) -> None:
    dm, _ = decision_requests(harness, asked)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    posts = len(harness.standin.calls_to("chat.postMessage"))

    again = harness.driver.redeliver()
    harness.wait()

    assert again.status == 200
    assert len(decisions(harness)) == 1
    assert len(audit_rows(harness, "decision.made")) == 1
    assert len(harness.standin.calls_to("chat.postMessage")) == posts
    assert "Nothing has changed" in ephemerals_text(harness, "U0CHAIR")


def test_a_stale_button_changes_nothing_and_says_so(harness, asked) -> None:
    """Slack refused to update the messages, so the Chair still sees the buttons."""
    dm, _ = decision_requests(harness, asked)
    harness.standin.fail("chat.update", error="update_failed", times=20)
    click(harness, "U0CHAIR", DecisionAction.MANAGEMENT_REVIEWS, dm)
    harness.driver.submit_view(
        "U0CHAIR", {DecisionBlock.REASON.value: {INPUT_ACTION: "No multi-agency concern."}}
    )
    harness.wait()
    [decision] = decisions(harness)
    assert decision.outcome == "management_reviews"
    stale_dm, stale_posted = decision_requests(harness, asked)
    assert DecisionAction.APPROVE.value in str(stale_dm.blocks)
    harness.standin.clear_faults()

    click(harness, "U0CHAIR", DecisionAction.APPROVE, stale_dm)

    assert [d.outcome for d in decisions(harness)] == ["management_reviews"]
    assert stored_case(harness, asked.id).stage == "management_reviews"
    said = ephemerals_text(harness, "U0CHAIR")
    assert "already decided by <@U0CHAIR>" in said and "Nothing has changed" in said
    assert "individual management reviews only" in said
    healed_dm, healed_posted = decision_requests(harness, asked)
    for message in (healed_dm, healed_posted):
        assert not [b for b in message.blocks if b["type"] == "actions"]
    assert stale_posted.ts == healed_posted.ts


def test_a_stale_not_met_button_opens_no_form(harness, asked) -> None:
    dm, _ = decision_requests(harness, asked)
    harness.standin.fail("chat.update", error="update_failed", times=20)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    harness.standin.clear_faults()
    opened = len(harness.standin.calls_to("views.open"))

    click(harness, "U0CHAIR", DecisionAction.AUDIT, dm)

    assert len(harness.standin.calls_to("views.open")) == opened
    assert [d.outcome for d in decisions(harness)] == ["scr"]
    assert "Nothing has changed" in ephemerals_text(harness, "U0CHAIR")


def test_a_reason_form_left_open_after_the_decision_changes_nothing(harness, asked) -> None:
    dm, _ = decision_requests(harness, asked)
    harness.standin.fail("chat.update", error="update_failed", times=20)
    click(harness, "U0CHAIR", DecisionAction.AUDIT, dm)
    reason_view = harness.standin.open_view_for("U0CHAIR")
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    harness.standin.clear_faults()
    assert reason_view is not None

    response = harness.driver.submit_view(
        "U0CHAIR",
        {DecisionBlock.REASON.value: {INPUT_ACTION: "Second thoughts."}},
        view_id=reason_view.id,
    )

    answer = body_json(response)
    assert answer["response_action"] == "update"
    assert "Nothing has changed" in str(answer["view"])
    assert [d.outcome for d in decisions(harness)] == ["scr"]
