"""The overview report through signed requests: the draft goes to the contributing
agencies, each confirms (or says what is not represented), and the Board's acceptance
starts monitoring with the report's recommendations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from bot.services.reminders.tasks import event_time
from bot.services.review.report import report_recommendations
from storage.models import OverviewConfirmation, OverviewDraft
from tests.decision.helpers import (
    audit_rows,
    ephemerals_text,
    modal_of,
    stored_case,
    submit,
    tasks_of,
)
from tests.flow_helpers import body_json
from tests.reminders.reminder_helpers import london
from tests.review.test_imr import (
    open_submission,
    recommendation,
    request_review,
    scr_with_terms,
    sections,
)


def accept_latest(harness, chair="U0CPU1"):
    [latest] = [m for m in harness.standin.dms_to(chair) if "is submitted" in m.text][-1:]
    harness.driver.block_action(
        chair, ReviewAction.IMR_ACCEPT.value, channel_id=latest.channel, message_ts=latest.ts
    )
    harness.wait()


def reviews_accepted(harness):
    case = scr_with_terms(harness)
    request_review(harness, case, "Health", "U0RLH")
    submit(
        harness,
        "U0RLH",
        {
            **sections(),
            **recommendation(
                1, "Bruising protocol training", rec_by_whom="Named nurse", rec_by_when="2027-06-30"
            ),
        },
        open_submission(harness, "U0RLH").id,
    )
    accept_latest(harness)
    request_review(harness, case, "Police", "U0RLP")
    submit(
        harness,
        "U0RLP",
        {**sections(), **recommendation(1, "Joint visits on every bruising referral")},
        open_submission(harness, "U0RLP").id,
    )
    accept_latest(harness)
    return case


def draft_ready(harness, case, user="U0CPU1"):
    harness.driver.slash_command(user, "report ready", channel_id=case.channel_id)
    harness.wait()
    return submit(harness, user, {}, modal_of(harness, user, "review_draft_ready").id)


def draft_dm(harness, user, version):
    [dm] = [
        m
        for m in harness.standin.dms_to(user)
        if f"draft {version} of the overview" in str(m.blocks) + str(m.history)
    ]
    return dm


def answer(harness, user, action, version):
    dm = draft_dm(harness, user, version)
    harness.driver.block_action(user, action.value, channel_id=dm.channel, message_ts=dm.ts)
    harness.wait()


def tally_text(harness, case):
    return " ".join(
        str(m.blocks)
        for m in harness.standin.messages_in(case.channel_id)
        if "overview report, draft" in str(m.blocks)
    )


def test_the_draft_waits_for_every_review_to_be_accepted(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case, "Health", "U0RLH")
    answer_ = body_json(draft_ready(harness, case))
    assert "still to be accepted: Health, Police" in answer_["errors"][ReviewBlock.DOCUMENT.value]
    with harness.runtime.db.session() as session:
        assert session.scalars(select(OverviewDraft)).all() == []


@pytest.mark.postgres
def test_agencies_confirm_the_report_and_the_boards_acceptance_starts_monitoring(harness) -> None:
    case = reviews_accepted(harness)
    harness.clock.set(london(2027, 3, 1, 10))

    draft_ready(harness, case)

    for person in ("U0DPH", "U0RLH", "U0DPP", "U0RLP"):
        assert draft_dm(harness, person, 1)
    assert "Health · waiting" in tally_text(harness, case)
    answer(harness, "U0DPP", ReviewAction.CONFIRM_REPRESENTED, 1)
    police_dm = draft_dm(harness, "U0RLP", 1)
    assert (
        "<@U0DPP> confirmed for Police"
        in harness.standin.find_message(police_dm.channel, police_dm.ts).text
    )
    assert "Police · ✓ fully and fairly represented" in tally_text(harness, case)

    dm = draft_dm(harness, "U0DPP", 1)
    assert ReviewAction.CONFIRM_REPRESENTED.value not in str(dm.blocks)

    answer(harness, "U0RLH", ReviewAction.OPEN_NOT_REPRESENTED, 1)
    submit(
        harness,
        "U0RLH",
        {ReviewBlock.NOT_REPRESENTED.value: "The GP's October referral is missing."},
    )
    assert "Health · ✗ not fully represented" in tally_text(harness, case)

    harness.driver.slash_command("U0ADMIN", "report accepted", channel_id=case.channel_id)
    harness.wait()
    refused = body_json(submit(harness, "U0ADMIN", {ReviewBlock.ACCEPTED_ON.value: "2027-03-01"}))
    assert "not fully represented: Health" in refused["errors"][ReviewBlock.ACCEPTED_ON.value]
    assert stored_case(harness, case.id).stage == "review"

    draft_ready(harness, case)
    answer(harness, "U0DPH", ReviewAction.CONFIRM_REPRESENTED, 2)
    answer(harness, "U0RLP", ReviewAction.CONFIRM_REPRESENTED, 2)
    harness.driver.slash_command("U0ADMIN", "report accepted", channel_id=case.channel_id)
    harness.wait()
    accepted = submit(harness, "U0ADMIN", {ReviewBlock.ACCEPTED_ON.value: "2027-02-26"})

    assert body_json(accepted) == {}
    case = stored_case(harness, case.id)
    assert case.stage == "monitoring"
    assert tasks_of(harness, case.id, "overview_report")[0].status == "done"
    with harness.runtime.db.session() as session:
        assert event_time(session, case.id, "report_agreed") == london(2027, 2, 26, 9)
        drafts = list(session.scalars(select(OverviewDraft).order_by(OverviewDraft.version)))
        confirmations = list(session.scalars(select(OverviewConfirmation)))
        recommendations = report_recommendations(session, harness.runtime.cipher, case.id)
    assert [d.accepted_on for d in drafts][1].isoformat() == "2027-02-26"
    assert sorted((c.draft_id, c.status) for c in confirmations) == [
        (drafts[0].id, "confirmed"),
        (drafts[0].id, "disputed"),
        (drafts[1].id, "confirmed"),
        (drafts[1].id, "confirmed"),
    ]
    assert [(r.number, r.agency, r.action, r.owner) for r in recommendations] == [
        (1, "Health", "Bruising protocol training", "Named nurse"),
        (2, "Police", "Joint visits on every bruising referral", ""),
    ]
    assert recommendations[0].target_date.isoformat() == "2027-06-30"
    note = [
        m for m in harness.standin.messages_in(case.channel_id) if "accepted the overview" in m.text
    ]
    assert "Fri 26 Feb 2027" in note[0].text and "the report's 2 recommendations" in note[0].text
    assert [a.detail["version"] for a in audit_rows(harness, "report.accepted")] == [2]


def test_answers_are_given_once_by_the_agency_on_the_latest_draft(harness) -> None:
    case = reviews_accepted(harness)
    draft_ready(harness, case)
    answer(harness, "U0DPH", ReviewAction.CONFIRM_REPRESENTED, 1)
    for person in ("U0DPH", "U0RLH"):
        dm = draft_dm(harness, person, 1)
        assert "<@U0DPH> confirmed for Health" in dm.text
        assert ReviewAction.CONFIRM_REPRESENTED.value not in str(dm.blocks)
    assert len(audit_rows(harness, "report.confirmed")) == 1

    police = draft_dm(harness, "U0DPP", 1)
    harness.driver.block_action(
        "U0DPE",
        ReviewAction.CONFIRM_REPRESENTED.value,
        channel_id=police.channel,
        message_ts=police.ts,
    )
    harness.wait()
    assert "acts for that agency" in ephemerals_text(harness, "U0DPE")

    harness.standin.fail("chat.update", error="update_failed", times=10)
    answer(harness, "U0DPP", ReviewAction.CONFIRM_REPRESENTED, 1)
    answer(harness, "U0DPP", ReviewAction.CONFIRM_REPRESENTED, 1)
    harness.standin.clear_faults()
    assert len(audit_rows(harness, "report.confirmed")) == 2
    assert "answered already" in ephemerals_text(harness, "U0DPP")

    stale = draft_dm(harness, "U0RLP", 1)
    assert ReviewAction.OPEN_NOT_REPRESENTED.value in str(stale.blocks)
    draft_ready(harness, case)
    harness.driver.block_action(
        "U0RLP",
        ReviewAction.OPEN_NOT_REPRESENTED.value,
        channel_id=stale.channel,
        message_ts=stale.ts,
    )
    harness.wait()
    late = submit(harness, "U0RLP", {ReviewBlock.NOT_REPRESENTED.value: "An old draft's gap."})
    assert "superseded" in body_json(late)["errors"][ReviewBlock.NOT_REPRESENTED.value]
    with harness.runtime.db.session() as session:
        statuses = session.scalars(select(OverviewConfirmation.status)).all()
    assert sorted(statuses) == ["confirmed", "confirmed"]
