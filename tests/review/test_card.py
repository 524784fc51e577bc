"""The case card through the review: the decision, panel chair, terms of reference,
completion date, and each agency's management review status in its row."""

from __future__ import annotations

from datetime import date

from bot.ids import DecisionAction, ReviewAction, ReviewBlock
from bot.services.cases.card import case_card
from storage.models import ReviewFindings
from tests.decision.helpers import (
    decision_requests,
    modal_of,
    panel_held,
    recommend,
    stored_case,
    submit,
)
from tests.review.test_imr import open_submission, request_review, scr_with_terms, sections


def card_text(harness, case) -> str:
    case = stored_case(harness, case.id)
    return str(harness.standin.find_message(case.channel_id, case.card_ts).blocks)


def test_the_card_waits_for_the_chair_then_shows_the_decision(harness) -> None:
    case = panel_held(harness)
    recommend(harness, case)
    assert "Awaiting the Board Chair's decision*: the panel recommends criteria met" in card_text(
        harness, case
    )
    dm, _ = decision_requests(harness, case)
    harness.driver.block_action(
        "U0CHAIR", DecisionAction.APPROVE.value, channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()
    text = card_text(harness, case)
    assert "Serious case review" in text
    assert "*Decision*: a Serious Case Review will be held (Fri 27 Nov 2026)" in text
    assert "*Panel chair*: not appointed yet" in text
    assert "*Terms of reference*: not agreed yet" in text
    assert "*Review to be complete by* Thu 25 Mar 2027 (deadline Sat 27 Mar 2027)" in text


def test_each_agency_row_shows_its_management_review(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case, "Health", "U0RLH", due="2027-01-29")
    text = card_text(harness, case)
    assert "Health · " in text and "requested (due Fri 29 Jan 2027)" in text
    assert "not requested (due Wed 27 Jan 2027)" in text
    assert "*Terms of reference*: version 1, Fri 27 Nov" in text

    submit(harness, "U0RLH", sections(), open_submission(harness).id)
    assert "submitted, with the panel chair" in card_text(harness, case)

    [to_chair] = [m for m in harness.standin.dms_to("U0CPU1") if "is submitted" in m.text]
    harness.driver.block_action(
        "U0CPU1",
        ReviewAction.OPEN_IMR_RETURN.value,
        channel_id=to_chair.channel,
        message_ts=to_chair.ts,
    )
    harness.wait()
    submit(
        harness,
        "U0CPU1",
        {
            ReviewBlock.COMMENTS.value: "More analysis, please.",
            ReviewBlock.NEW_DUE.value: "2027-02-12",
        },
        modal_of(harness, "U0CPU1", "review_imr_return").id,
    )
    assert "returned (due Fri 12 Feb 2027)" in card_text(harness, case)

    harness.driver.slash_command("U0ADMIN", "review extension", channel_id=case.channel_id)
    harness.wait()
    submit(
        harness,
        "U0ADMIN",
        {
            ReviewBlock.AGREED_ON.value: "2026-11-27",
            ReviewBlock.NEW_COMPLETION.value: "2027-05-28",
            ReviewBlock.EXTENSION_REASON.value: "Trial listed in April.",
        },
    )
    assert "*Review to be complete by* Fri 28 May 2027 (extended with OFSTED)" in card_text(
        harness, case
    )


def test_the_card_says_when_the_findings_were_shared(harness) -> None:
    """The findings have a line of their own once shared (the card reads them only when the
    case has any)."""
    case = panel_held(harness)
    runtime = harness.runtime
    now, cal = runtime.clock.now(), runtime.working_calendar()
    assert not any("Findings" in note for note in case_card(runtime.db, case.id, now, cal).notes)
    with runtime.db.session() as session:
        session.add(
            ReviewFindings(
                case_id=case.id,
                summary=b"sealed",
                shared_on=date(2027, 3, 1),
                recorded_by="U0CPU1",
                recorded_at=now,
            )
        )
    notes = case_card(runtime.db, case.id, now, cal).notes
    assert "*Findings* shared with the panel Mon 1 Mar 2027" in notes
