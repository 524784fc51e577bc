"""The "not met" paths through signed requests: tracked with the same machinery, findings
shared with the panel, then the case closes."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import DecisionAction, DecisionBlock, ReviewAction, ReviewBlock
from bot.services.reminders.tasks import event_time
from storage.models import ReviewFindings, Task
from tests.decision.helpers import (
    audit_rows,
    decided,
    ephemerals_text,
    modal_of,
    stored_case,
    submit,
    tasks_of,
)
from tests.flow_helpers import agency_id, body_json
from tests.review.test_imr import open_submission, request_review, sections

FINDINGS = "Two learning points on supervision; shared at the panel meeting."


def record_findings(harness, case, user="U0CPU1"):
    harness.driver.block_action(
        user,
        ReviewAction.OPEN_FINDINGS.value,
        channel_id=case.channel_id,
        message_ts=next_steps(harness, case).ts,
    )
    harness.wait()
    view = modal_of(harness, user, "review_findings")
    return submit(
        harness,
        user,
        {ReviewBlock.FINDINGS.value: FINDINGS, ReviewBlock.SHARED_ON.value: "2026-11-27"},
        view.id,
    )


def next_steps(harness, case):
    [message] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if ReviewAction.OPEN_FINDINGS.value in str(m.blocks)
    ]
    return message


def test_a_smaller_scale_audit_closes_the_case_once_its_findings_are_shared(harness) -> None:
    case = decided(harness, DecisionAction.AUDIT)
    assert case.stage == "audit"
    assert {t.kind for t in tasks_of_all(harness, case.id) if t.status == "open"} >= {
        "audit_notify_ofsted",
        "audit_findings_shared",
    }

    harness.driver.block_action(
        "U0DPH",
        ReviewAction.OPEN_FINDINGS.value,
        channel_id=case.channel_id,
        message_ts=next_steps(harness, case).ts,
    )
    harness.wait()
    assert "The panel chair records the findings" in ephemerals_text(harness, "U0DPH")

    harness.driver.block_action("U0ADMIN", f"{DecisionAction.RECORD_NOTICE.value}_ofsted")
    harness.wait()
    submit(
        harness,
        "U0ADMIN",
        {DecisionBlock.NOTIFIED_ON.value: "2026-11-27", DecisionBlock.NOTIFIED_BY.value: "U0ADMIN"},
    )
    assert tasks_of(harness, case.id, "audit_notify_ofsted")[0].status == "done"

    assert body_json(record_findings(harness, case)) == {}

    case = stored_case(harness, case.id)
    assert case.closed_at is not None
    assert tasks_of(harness, case.id, "audit_findings_shared")[0].status == "done"
    with harness.runtime.db.session() as session:
        [findings] = session.scalars(select(ReviewFindings))
        assert event_time(session, case.id, "findings_shared") is not None
    assert FINDINGS.encode() not in findings.summary
    assert [a.actor for a in audit_rows(harness, "case.closed")] == ["U0CPU1"]
    closed = [m for m in harness.standin.messages_in(case.channel_id) if "now closed" in m.text]
    assert "smaller-scale audit were shared with the panel on Fri 27 Nov 2026" in closed[0].text
    card = harness.standin.find_message(case.channel_id, case.card_ts)
    assert "closed" in str(card.blocks)


def test_management_reviews_only_are_tracked_then_the_case_closes(harness) -> None:
    case = decided(harness, DecisionAction.MANAGEMENT_REVIEWS)
    health = agency_id(harness, "Health")
    assert case.stage == "management_reviews"
    assert [t.agency_id for t in tasks_of(harness, case.id, "management_review")] == [health]

    request_review(harness, case, "Health", "U0RLH", due="2027-01-15")
    refused = body_json(record_findings(harness, case))
    assert "still to be accepted: Health" in refused["errors"][ReviewBlock.FINDINGS.value]
    assert stored_case(harness, case.id).closed_at is None

    submit(harness, "U0RLH", sections(), open_submission(harness, "U0RLH").id)
    assert tasks_of(harness, case.id, "management_review")[0].status == "done"
    [to_chair] = [m for m in harness.standin.dms_to("U0CPU1") if "is submitted" in m.text]
    harness.driver.block_action(
        "U0CPU1", ReviewAction.IMR_ACCEPT.value, channel_id=to_chair.channel, message_ts=to_chair.ts
    )
    harness.wait()

    harness.driver.slash_command("U0CPU1", "review findings", channel_id=case.channel_id)
    harness.wait()
    submit(
        harness,
        "U0CPU1",
        {ReviewBlock.FINDINGS.value: FINDINGS, ReviewBlock.SHARED_ON.value: "2026-11-27"},
    )

    case = stored_case(harness, case.id)
    assert case.closed_at is not None
    assert tasks_of(harness, case.id, "mr_findings_shared")[0].status == "done"
    assert any(
        "individual management reviews were shared" in m.text
        for m in harness.standin.messages_in(case.channel_id)
    )


def tasks_of_all(harness, case_id):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(Task).where(Task.case_id == case_id)))
