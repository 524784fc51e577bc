"""Individual management reviews through signed requests: requested with a named author
and due date, submitted, returned with comments and resubmitted, then accepted."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock
from bot.services.review.schema import ImrForm
from storage.models import CaseAssignment, CaseMember, ManagementReview, Reminder
from tests.decision.helpers import (
    audit_rows,
    decided,
    ephemerals_text,
    modal_of,
    submit,
    tasks_of,
)
from tests.flow_helpers import agency_id, body_json, tampered_submission
from tests.reminders.reminder_helpers import london
from tests.review.test_terms import open_terms, terms_values

CHRONOLOGY = "02.10.26 health visitor, home visit; 14.10.26 GP, bruising seen"
ANALYSIS = "The bruising was not referred to children's social care."
LEARNING = "Bruising in a non-mobile baby must always be referred."


def scr_with_terms(harness):
    case = decided(harness)
    submit(harness, "U0CPU1", terms_values(harness), open_terms(harness, case).id)
    return case


def request_review(harness, case, agency="Health", author="U0RLH", due="2027-01-29"):
    harness.driver.slash_command("U0CPU1", "imr request", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CPU1", "review_imr_request")
    return submit(
        harness,
        "U0CPU1",
        {
            ReviewBlock.AGENCY.value: str(agency_id(harness, agency)),
            ReviewBlock.AUTHOR.value: author,
            ReviewBlock.DUE.value: due,
        },
        view.id,
    )


def review_row(harness, agency="Health") -> ManagementReview:
    with harness.runtime.db.session() as session:
        row = session.scalar(
            select(ManagementReview).where(ManagementReview.agency_id == agency_id(harness, agency))
        )
        assert row is not None
        return row


AGENCY_DETAILS = "Health visiting and the GP practice; both agencies' records were read."
AUTHOR_ROLE = "Named nurse for safeguarding, in another locality: no part in the case."
TERMS_ADDRESSED = "Each key issue is answered in the analysis; two health visitors interviewed."
GOOD_PRACTICE = "The health visitor recorded each visit the same day."


def sections(**changes):
    values = {
        ReviewBlock.AGENCY_DETAILS.value: AGENCY_DETAILS,
        ReviewBlock.AUTHOR_ROLE.value: AUTHOR_ROLE,
        ReviewBlock.TERMS_ADDRESSED.value: TERMS_ADDRESSED,
        ReviewBlock.CHRONOLOGY.value: CHRONOLOGY,
        ReviewBlock.ANALYSIS.value: ANALYSIS,
        ReviewBlock.LEARNING.value: LEARNING,
        ReviewBlock.GOOD_PRACTICE.value: GOOD_PRACTICE,
        ReviewBlock.INDEPENDENT.value: ["yes"],
    }
    values.update(changes)
    return values


def recommendation(number, action, **extra):
    values = {f"{ReviewBlock.REC_ACTION.value}_{number}": action}
    values.update({f"{key}_{number}": value for key, value in extra.items()})
    return values


def open_submission(harness, user="U0RLH"):
    harness.driver.block_action(user, ReviewAction.OPEN_IMR_SUBMIT.value)
    harness.wait()
    return modal_of(harness, user, "review_imr_submit")


def test_the_named_author_is_invited_to_the_case_channel_and_that_is_on_record(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)

    assert "U0RLH" in harness.standin.channels[case.channel_id].members
    with harness.runtime.db.session() as session:
        invited = session.scalar(
            select(CaseMember.invited_at).where(
                CaseMember.case_id == case.id, CaseMember.slack_user_id == "U0RLH"
            )
        )
    assert invited is not None
    [entry] = [
        e for e in audit_rows(harness, "case.members_invited") if "U0RLH" in e.detail["users"]
    ]
    assert (entry.case_id, entry.detail["users"]) == (case.id, ["U0RLH"])


@pytest.mark.postgres
def test_a_review_returned_with_comments_is_resubmitted_then_accepted(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)

    row = review_row(harness)
    assert (row.status, row.author, row.due_on.isoformat()) == ("requested", "U0RLH", "2027-01-29")
    health = agency_id(harness, "Health")
    [task] = [t for t in tasks_of(harness, case.id, "imr") if t.agency_id == health]
    assert task.due_at == london(2027, 1, 29, 17, 30)
    with harness.runtime.db.session() as session:
        assert list(
            session.scalars(
                select(CaseAssignment.slack_user_id).where(CaseAssignment.role == "imr_author")
            )
        ) == ["U0RLH"]
    [asked] = [m for m in harness.standin.dms_to("U0RLH") if "management review" in m.text]
    assert "Appendix 3" in str(asked.blocks) and "Fri 29 Jan 2027" in asked.text
    assert "U0RLH" in harness.standin.channels[case.channel_id].members

    view = open_submission(harness)
    harness.driver.block_action("U0RLH", ReviewAction.IMR_ADD_RECOMMENDATION.value, view_id=view.id)
    harness.wait()
    view = modal_of(harness, "U0RLH", "review_imr_submit")
    assert json.loads(view.private_metadata)["slots"] == 2
    submit(
        harness,
        "U0RLH",
        {
            **sections(),
            **recommendation(
                1,
                "Refresher training on bruising protocols",
                rec_by_whom="Named nurse",
                rec_by_when="2027-04-30",
                rec_outcome="Every bruise referred",
            ),
            **recommendation(2, "Audit of GP referrals", rec_by_whom="Designated doctor"),
        },
        view.id,
    )

    row = review_row(harness)
    assert (row.status, row.submissions) == ("submitted", 1)
    assert ANALYSIS.encode() not in (row.sections or b"")
    assert len(row.recommendations) == 2
    assert [t.status for t in tasks_of(harness, case.id, "imr") if t.agency_id == health] == [
        "done"
    ]
    [to_chair] = [m for m in harness.standin.dms_to("U0CPU1") if "is submitted" in m.text]
    assert ReviewAction.IMR_ACCEPT.value in str(to_chair.blocks)

    harness.driver.block_action(
        "U0CPU1", ReviewAction.VIEW_IMR.value, channel_id=to_chair.channel, message_ts=to_chair.ts
    )
    harness.wait()
    shown = modal_of(harness, "U0CPU1", "")
    assert ANALYSIS in str(shown.blocks) and "Refresher training" in str(shown.blocks)
    assert "Fri 30 Apr 2027" in str(shown.blocks)
    assert [a.actor for a in audit_rows(harness, "imr.viewed")] == ["U0CPU1"]

    harness.driver.block_action(
        "U0CPU1",
        ReviewAction.OPEN_IMR_RETURN.value,
        channel_id=to_chair.channel,
        message_ts=to_chair.ts,
    )
    harness.wait()
    back = modal_of(harness, "U0CPU1", "review_imr_return")
    submit(
        harness,
        "U0CPU1",
        {
            ReviewBlock.COMMENTS.value: "Please analyse the October GP visit.",
            ReviewBlock.NEW_DUE.value: "2027-02-12",
        },
        back.id,
    )

    row = review_row(harness)
    assert (row.status, row.due_on.isoformat()) == ("returned", "2027-02-12")
    [task] = [t for t in tasks_of(harness, case.id, "imr") if t.agency_id == health]
    assert (task.status, task.due_at) == ("open", london(2027, 2, 12, 17, 30))
    with harness.runtime.db.session() as session:
        planned = session.scalars(
            select(Reminder.at).where(Reminder.task_id == task.id, Reminder.status == "planned")
        ).all()
    assert london(2027, 2, 12, 9) in planned
    [returned] = [m for m in harness.standin.dms_to("U0RLH") if "is returned" in m.text]
    assert "Please analyse the October GP visit." in str(returned.blocks)
    chair_dm = harness.standin.find_message(to_chair.channel, to_chair.ts)
    assert "returned with comments by <@U0CPU1>" in chair_dm.text
    assert ReviewAction.IMR_ACCEPT.value not in str(chair_dm.blocks)

    harness.driver.block_action(
        "U0RLH",
        ReviewAction.OPEN_IMR_SUBMIT.value,
        channel_id=returned.channel,
        message_ts=returned.ts,
    )
    harness.wait()
    again = modal_of(harness, "U0RLH", "review_imr_submit")
    assert ANALYSIS in str(again.blocks) and "October GP visit" in str(again.blocks)
    assert "Audit of GP referrals" in str(again.blocks)
    submit(
        harness,
        "U0RLH",
        {
            **sections(analysis=ANALYSIS + " The October GP visit missed the bruising."),
            **recommendation(1, "Refresher training on bruising protocols"),
            **recommendation(2, "", rec_by_whom=""),
        },
        again.id,
    )
    row = review_row(harness)
    assert (row.status, row.submissions, len(row.recommendations)) == ("submitted", 2, 1)
    [resubmitted] = [m for m in harness.standin.dms_to("U0CPU1") if "(resubmitted)" in m.text]

    for _ in range(2):
        harness.driver.block_action(
            "U0CPU1",
            ReviewAction.IMR_ACCEPT.value,
            channel_id=resubmitted.channel,
            message_ts=resubmitted.ts,
        )
        harness.wait()
        resubmitted = harness.standin.find_message(resubmitted.channel, resubmitted.ts)
        if ReviewAction.IMR_ACCEPT.value not in str(resubmitted.blocks):
            break
    row = review_row(harness)
    assert (row.status, row.decided_by) == ("accepted", "U0CPU1")
    assert [a.action for a in audit_rows(harness, "imr.accepted")] == ["imr.accepted"]
    assert [a.detail["submission"] for a in audit_rows(harness, "imr.submitted")] == [1, 2]
    assert "accepted by <@U0CPU1>" in resubmitted.text
    channel = " ".join(m.text for m in harness.standin.messages_in(case.channel_id))
    assert "Health's management review is returned" in channel
    assert "Health's management review is accepted" in channel


def test_a_second_accept_click_changes_nothing(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    submit(harness, "U0RLH", sections(), open_submission(harness).id)
    [to_chair] = [m for m in harness.standin.dms_to("U0CPU2") if "is submitted" in m.text]
    harness.standin.fail("chat.update", error="update_failed", times=5)
    for _ in range(2):
        harness.driver.block_action(
            "U0CPU2",
            ReviewAction.IMR_ACCEPT.value,
            channel_id=to_chair.channel,
            message_ts=to_chair.ts,
        )
        harness.wait()
    assert review_row(harness).status == "accepted"
    assert len(audit_rows(harness, "imr.accepted")) == 1
    assert "nothing has changed" in ephemerals_text(harness, "U0CPU2")


@pytest.mark.parametrize(
    ("values", "block", "message"),
    [
        (sections(**{ReviewBlock.ANALYSIS.value: ""}), "analysis", "attach the review"),
        ({**sections(), "rec_by_whom_1": "Named nurse"}, "rec_action_1", "required"),
        (sections(**{ReviewBlock.LEARNING.value: "Jamie's bruises"}), "learning", "name the child"),
        (
            {**sections(), **recommendation(1, "Visit 14 Larkspur Gardens")},
            "rec_action_1",
            "name the child",
        ),
    ],
)
def test_an_invalid_submission_comes_back_inline(harness, values, block, message) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    view = open_submission(harness)
    values = {k: v for k, v in values.items() if v != ""}
    response = tampered_submission(
        harness, "U0RLH", view.id, {k: {INPUT_ACTION: v} for k, v in values.items()}
    )
    answer = body_json(response)
    assert message in answer["errors"][block]
    assert review_row(harness).status == "requested"


def test_a_document_alone_is_a_submission(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    view = open_submission(harness)
    file_id = harness.standin.add_user_file(
        "U0RLH", harness.standin.im_with("U0RLH"), "health-imr.docx", b"PK review", "docx"
    )
    document = {ReviewBlock.DOCUMENT.value: [{"id": file_id}]}
    submit(harness, "U0RLH", {**document, ReviewBlock.INDEPENDENT.value: ["yes"]}, view.id)
    row = review_row(harness)
    assert (row.status, row.document_file_id) == ("submitted", file_id)


def test_the_form_asks_for_appendix_3_section_by_section(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    [asked] = [m for m in harness.standin.dms_to("U0RLH") if "management review" in m.text]
    for prompt in ("Author and independence", "Terms of reference addressed", "Good practice"):
        assert prompt in str(asked.blocks)
    view = open_submission(harness)
    labels = [b["label"]["text"] for b in view.blocks if b["type"] == "input"][:8]
    assert labels == [
        "1. Agency details",
        "2. Author and independence",
        "3. Terms of reference addressed",
        "4. Chronology of involvement",
        "5. Analysis of involvement",
        "6. Lessons learned",
        "7. Good practice",
        "Independence",
    ]
    assert all("hint" in b for b in [b for b in view.blocks if b["type"] == "input"][:7])
    without = sections()
    del without[ReviewBlock.TERMS_ADDRESSED.value]
    missing = submit(harness, "U0RLH", without, view.id)
    assert "attach the review" in body_json(missing)["errors"]["terms_addressed"]
    no_good_practice = sections()
    del no_good_practice[ReviewBlock.GOOD_PRACTICE.value]
    submit(harness, "U0RLH", no_good_practice, view.id)
    assert review_row(harness).status == "submitted"

    to_chair = next(m for m in harness.standin.dms_to("U0CPU1") if "is submitted" in m.text)
    harness.driver.block_action(
        "U0CPU1", ReviewAction.VIEW_IMR.value, channel_id=to_chair.channel, message_ts=to_chair.ts
    )
    harness.wait()
    shown = str(modal_of(harness, "U0CPU1", "").blocks)
    assert AUTHOR_ROLE in shown and TERMS_ADDRESSED in shown and AGENCY_DETAILS in shown
    assert "confirms their independence" in shown


def test_only_the_agency_submits_its_review(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    row = review_row(harness)
    [asked] = [m for m in harness.standin.dms_to("U0RLH") if "management review" in m.text]
    harness.driver.block_action(
        "U0DPP", ReviewAction.OPEN_IMR_SUBMIT.value, channel_id=asked.channel, message_ts=asked.ts
    )
    harness.wait()
    assert "Only the review's author" in ephemerals_text(harness, "U0DPP")
    harness.driver.slash_command("U0DPH", "imr submit", channel_id=case.channel_id)
    harness.wait()
    shown = modal_of(harness, "U0DPH", "review_imr_submit")
    assert json.loads(shown.private_metadata)["review"] == row.id
    refused = harness.driver.slash_command("U0RLH", "imr request", channel_id=case.channel_id)
    harness.wait()
    assert "The panel chair requests" in body_json(refused)["text"]


def test_an_author_who_is_not_independent_is_refused() -> None:
    with pytest.raises(ValidationError, match="independent of the case"):
        ImrForm.model_validate({"document_file_id": "F123"})
    assert ImrForm.model_validate({"document_file_id": "F123", "independent": ["yes"]})
