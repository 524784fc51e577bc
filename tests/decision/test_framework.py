"""The decision as the framework frames it: a death where abuse or neglect is known or
suspected always leads to a review; "not met" offers no further action beside an audit or
management reviews; the framework's questions are answered with the recommendation and sent
to the Chair; a review directed by the Secretary of State or requested by OFSTED opens the
review stage at once."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import INPUT_ACTION, DecisionAction, DecisionBlock
from bot.process.bolton import DECISION_AUDIENCES, REVIEW_QUESTIONS
from bot.testing.harness import Harness
from bot.testing.standin import Message
from storage.models import ChairDecision, PanelRecommendation, ReviewDirection
from tests.decision.helpers import (
    audit_rows,
    click,
    decided,
    decision_requests,
    decisions,
    ephemerals_text,
    panel_held,
    recommend,
    stored_case,
    tasks_of,
)
from tests.flow_helpers import body_json, cases, refer, tampered_submission
from tests.sealed import read_json


def forged_click(harness: Harness, user: str, action: DecisionAction, message: Message):
    """A signed click on a decision button the message does not show (built by hand, as
    someone replaying an older request or editing one would)."""
    driver = harness.driver
    payload = driver._common("block_actions", user)
    payload["trigger_id"] = harness.standin.issue_trigger_id(user)
    payload["state"] = {"values": {}}
    driver._locate(payload, user, DecisionAction.APPROVE.value, message.channel, message.ts, None)
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action.value,
            "block_id": DecisionBlock.BUTTONS.value,
            "value": str(message_case(harness)),
            "text": {"type": "plain_text", "text": "Not met"},
            "action_ts": "1700000000.000001",
        }
    ]
    response = driver._interaction(payload, f"block_actions {action.value}")
    harness.wait()
    return response


def message_case(harness: Harness) -> int:
    return cases(harness)[-1].id


def buttons_of(message: Message) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


def test_a_death_always_leads_to_a_review_and_the_chair_is_told_why(harness) -> None:
    case = panel_held(harness, criteria=["death", "inter_agency"])
    recommend(harness, case, met=False, criteria=())
    dm, posted = decision_requests(harness, case)

    for message in (dm, posted):
        assert buttons_of(message) == ["Approve SCR"]
        assert "always leads to a Serious Case Review" in str(message.blocks)

    for action in (
        DecisionAction.AUDIT,
        DecisionAction.MANAGEMENT_REVIEWS,
        DecisionAction.NO_FURTHER_ACTION,
    ):
        forged_click(harness, "U0CHAIR", action, dm)
    assert decisions(harness) == []
    assert stored_case(harness, case.id).stage == "decision"
    assert "always leads to a Serious Case Review" in ephemerals_text(harness, "U0CHAIR")
    refused = [a.detail for a in audit_rows(harness, "decision.refused")]
    assert [d.get("why") for d in refused] == ["always_scr"] * 3
    assert not [v for v in harness.standin.views.values() if v.callback_id == "decision_reason"]

    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    assert [d.outcome for d in decisions(harness)] == ["scr"]


def test_a_death_named_only_by_the_panel_also_leads_to_a_review(harness) -> None:
    case = panel_held(harness)
    recommend(harness, case, criteria=("death",))
    dm, _ = decision_requests(harness, case)
    assert buttons_of(dm) == ["Approve SCR"]


def test_no_further_action_closes_the_case_with_its_reason(harness) -> None:
    case = decided(harness, DecisionAction.NO_FURTHER_ACTION)

    assert case.stage == "no_further_action" and case.closed_at is None
    [decision] = decisions(harness)
    assert decision.outcome == "no_further_action"
    with harness.runtime.db.session() as session:
        stored = session.scalar(select(ChairDecision))
        reason = harness.runtime.cipher.for_case(session, case.id).decrypt_text(stored.reason)
    assert reason == "No concern about joint working."
    steps = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "the Chair's reason is recorded" in m.text
    ]
    assert len(steps) == 1
    assert [t.status for t in tasks_of(harness, case.id, "nfa_notify_ofsted")] == ["open"]

    for audience in DECISION_AUDIENCES:
        harness.driver.block_action(
            "U0ADMIN",
            f"{DecisionAction.RECORD_NOTICE.value}_{audience}",
            channel_id=case.channel_id,
        )
        harness.wait()
        harness.driver.submit_view(
            "U0ADMIN",
            {
                DecisionBlock.NOTIFIED_ON.value: {INPUT_ACTION: "2026-11-27"},
                DecisionBlock.NOTIFIED_BY.value: {INPUT_ACTION: "U0CHAIR"},
            },
        )
        harness.wait()

    closed = stored_case(harness, case.id)
    assert closed.closed_at is not None
    assert len(audit_rows(harness, "case.closed")) == 1


def test_the_framework_questions_are_answered_and_sent_to_the_chair(harness) -> None:
    case = panel_held(harness)
    note = "Health and police did not share the October bruising."
    response = recommend(
        harness,
        case,
        answers={"inter_agency": ("yes", note), "cp_plan": ("no", ""), "lessons": ("yes", "")},
    )
    assert body_json(response) == {}

    modal = [
        v for v in harness.standin.views.values() if v.callback_id == "decision_recommendation"
    ]
    for _, question in REVIEW_QUESTIONS:
        assert question in str(modal[-1].blocks)
    with harness.runtime.db.session() as session:
        rec = session.scalar(select(PanelRecommendation))
    assert rec.questions is not None and note.encode() not in rec.questions
    answers = {
        a["key"]: (a["answer"], a["note"])
        for a in read_json(harness.runtime, case.id, rec.questions)
    }
    assert answers["inter_agency"] == ("yes", note)
    assert answers["cp_plan"] == ("no", "") and answers["parallel"] == ("unknown", "")

    dm, _ = decision_requests(harness, case)
    text = str(dm.blocks)
    assert "The framework's questions, as the panel answered them" in text
    assert "Does the case give rise to concerns about how agencies worked together? *Yes*" in text
    assert note in text and "*Not known*" in text


def test_an_unanswered_question_or_a_note_naming_the_child_is_refused_inline(harness) -> None:
    case = panel_held(harness)
    harness.driver.slash_command("U0CPU1", "recommendation", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0CPU1")
    values = {
        DecisionBlock.CRITERIA_MET.value: {INPUT_ACTION: "true"},
        DecisionBlock.CRITERIA.value: {INPUT_ACTION: ["inter_agency"]},
        DecisionBlock.RATIONALE.value: {INPUT_ACTION: "Agencies did not share concerns."},
        **{f"question_{k}": {INPUT_ACTION: "yes"} for k, _ in REVIEW_QUESTIONS[1:]},
    }
    unanswered = tampered_submission(harness, "U0CPU1", view.id, values)
    assert "question_cp_plan" in body_json(unanswered)["errors"]

    values["question_cp_plan"] = {INPUT_ACTION: "no"}
    values["question_cp_plan_note"] = {INPUT_ACTION: "Jamie was never on a plan."}
    named = harness.driver.submit_view("U0CPU1", values, view_id=view.id)
    harness.wait()
    assert "question_cp_plan_note" in body_json(named)["errors"]
    with harness.runtime.db.session() as session:
        assert session.scalars(select(PanelRecommendation)).all() == []


def test_a_review_directed_by_the_secretary_of_state_opens_the_review_at_once(harness) -> None:
    refer(harness, criteria=["inter_agency"])
    case = cases(harness)[-1]
    assert case.stage == "referral"

    refused = harness.driver.slash_command("U0CPU1", "review directed", channel_id=case.channel_id)
    harness.wait()
    assert "business unit" in (
        body_json(refused).get("text", "") + ephemerals_text(harness, "U0CPU1")
    )

    harness.driver.slash_command("U0ADMIN", "review directed", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view is not None and view.callback_id == "decision_directed"
    response = harness.driver.submit_view(
        "U0ADMIN",
        {
            DecisionBlock.DIRECTED_BY.value: {INPUT_ACTION: "secretary_of_state"},
            DecisionBlock.DIRECTED_ON.value: {INPUT_ACTION: "2026-11-27"},
        },
        view_id=view.id,
    )
    harness.wait()

    assert body_json(response) == {}
    opened = stored_case(harness, case.id)
    assert opened.stage == "review"
    with harness.runtime.db.session() as session:
        [direction] = session.scalars(select(ReviewDirection))
    assert (direction.directed_by, direction.directed_on.isoformat(), direction.recorded_by) == (
        "secretary_of_state",
        "2026-11-27",
        "U0ADMIN",
    )
    assert [d.outcome for d in decisions(harness)] == ["scr"]
    assert [t.status for t in tasks_of(harness, case.id, "terms_of_reference")] == ["open"]
    assert [t.status for t in tasks_of(harness, case.id, "cpu_cp_plan_checked")] == ["superseded"]
    [audited] = audit_rows(harness, "review.directed")
    assert audited.actor == "U0ADMIN" and audited.detail["directed_by"] == "secretary_of_state"
    told = " ".join(m.text for m in harness.standin.messages_in(case.channel_id))
    assert "directed by the Secretary of State on Fri 27 Nov 2026" in told
    assert "The review begins" in told


def test_a_review_requested_by_ofsted_is_refused_once_the_board_has_decided(harness) -> None:
    case = decided(harness, DecisionAction.AUDIT)
    harness.driver.slash_command("U0ADMIN", "review directed", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    response = harness.driver.submit_view(
        "U0ADMIN",
        {DecisionBlock.DIRECTED_BY.value: {INPUT_ACTION: "ofsted"}},
        view_id=view.id,
    )
    harness.wait()
    assert "decided already" in body_json(response)["errors"][DecisionBlock.DIRECTED_BY.value]
    with harness.runtime.db.session() as session:
        assert session.scalars(select(ReviewDirection)).all() == []
    assert stored_case(harness, case.id).stage == "audit"
