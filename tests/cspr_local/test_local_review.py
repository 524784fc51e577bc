"""A CSPR's local review through signed requests and the clock: its tasks and deadlines from
the partners' decision, the publication date that the final report's deadline follows, an
extension agreed by the partners, and the review recorded published, which ends the stage
and begins the monitoring of its action plan."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from bot.process.cspr import CSPR_2023
from bot.process.working_days import LONDON
from storage.models import CaseEvent, ReviewExtension, TaskAnswer
from tests.cspr_local.helpers import decided
from tests.decision.helpers import audit_rows, modal_of, stored_case, submit, tasks_of
from tests.flow_helpers import agency_id, body_json
from tests.process.helpers import PARTNER_LEADS, home_text
from tests.reminders.reminder_helpers import london, reminders, task_of
from tests.review.test_terms import terms_values
from tests.sealed import read_json

DECIDED = london(2026, 12, 8, 10)
"""The partners decide on Tue 8 Dec 2026: six months to publish, to Tue 8 Jun 2027."""


def due_day(harness, case_id: int, kind: str) -> date:
    return task_of(harness, case_id, kind).due_at.astimezone(LONDON).date()


def plan(harness, case, user: str, on: str):
    harness.driver.slash_command(user, "review publication", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, user, "review_planned_date")
    return submit(harness, user, {ReviewBlock.PLANNED_DATE.value: on}, view.id)


@pytest.mark.postgres
def test_the_partners_decision_gives_the_local_review_its_tasks_and_deadlines(partners) -> None:
    case = decided(partners, DECIDED)
    wanted = {t.kind for t in CSPR_2023.stage("local_review").tasks}
    created = {t.kind for kind in wanted for t in tasks_of(partners, case.id, kind)}
    assert created == wanted
    # 15 working days across Christmas Day and the Boxing Day holiday (Mon 28 Dec).
    assert due_day(partners, case.id, "reviewer_appointed") == date(2026, 12, 31)
    assert due_day(partners, case.id, "terms_of_reference") == date(2026, 12, 22)
    assert due_day(partners, case.id, "practitioners_involved") == date(2027, 3, 8)
    assert due_day(partners, case.id, "agency_contribution") == date(2027, 2, 8)
    assert due_day(partners, case.id, "final_report_sent") == date(2027, 5, 8)
    assert due_day(partners, case.id, "review_report") == date(2027, 6, 8)
    assert task_of(partners, case.id, "reviewer_appointed").owner_role == "admins"
    assert task_of(partners, case.id, "final_report_sent").owner_role == "admins"


@pytest.mark.postgres
def test_the_final_report_falls_due_seven_working_days_before_publication(partners) -> None:
    case = decided(partners, DECIDED)
    before = audit_rows(partners, "review.date_planned")
    assert plan(partners, case, "U0ADMIN", "2027-06-02").status == 200
    # Seven working days before Wed 2 Jun, the Spring bank holiday (Mon 31 May) not counted.
    assert due_day(partners, case.id, "final_report_sent") == date(2027, 5, 21)
    with partners.runtime.db.session() as session:
        [event] = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.event == "publication_date"
            )
        )
    assert event.at.astimezone(LONDON).date() == date(2027, 6, 2)

    [note] = [
        m for m in partners.standin.messages_in(case.channel_id) if "to be published" in m.text
    ]
    task = task_of(partners, case.id, "final_report_sent")
    planned = [r.at for r in reminders(partners, task.id) if r.status == "planned"]
    assert london(2027, 5, 12, 9) in planned  # 7 working days before Fri 21 May

    clicked = partners.driver.block_action(
        "U0ADMIN",
        ReviewAction.OPEN_PLANNED_DATE.value,
        channel_id=case.channel_id,
        message_ts=note.ts,
    )
    assert clicked.status == 200
    partners.wait()
    view = modal_of(partners, "U0ADMIN", "review_planned_date")
    assert '"initial_date": "2027-06-02"' in json.dumps(view.blocks)
    submit(partners, "U0ADMIN", {ReviewBlock.PLANNED_DATE.value: "2027-05-11"}, view.id)
    # ... and it follows the date: before Tue 11 May, the Early May holiday not counted.
    assert due_day(partners, case.id, "final_report_sent") == date(2027, 4, 29)
    moved = reminders(partners, task.id)
    assert {r.status for r in moved if r.at == london(2027, 5, 12, 9)} == {"cancelled"}
    assert london(2027, 4, 28, 9) in [r.at for r in moved if r.status == "planned"]
    rows = audit_rows(partners, "review.date_planned")[len(before) :]
    assert [(r.detail["date"], r.detail["previous"]) for r in rows] == [
        ("2027-06-02", None),
        ("2027-05-11", "2027-06-02"),
    ]
    notes = [m.text for m in partners.standin.messages_in(case.channel_id)]
    assert any("to be published on Tue 11 May 2027 (was Wed 2 Jun 2027)" in t for t in notes)


@pytest.mark.postgres
def test_a_date_past_six_months_needs_an_extension_agreed_by_the_partners(partners) -> None:
    case = decided(partners, DECIDED)
    late = plan(partners, case, "U0ADMIN", "2027-06-15")
    errors = body_json(late)["errors"]
    assert "must be published by Tue 8 Jun 2027" in errors["planned_date"]
    assert "extension agreed by the safeguarding partners" in errors["planned_date"]
    assert not audit_rows(partners, "review.date_planned")
    assert due_day(partners, case.id, "final_report_sent") == date(2027, 5, 8)

    agency_person = "U0DPH"
    not_theirs = partners.driver.slash_command(
        agency_person, "review publication", channel_id=case.channel_id
    )
    assert body_json(not_theirs)["text"] == (
        "The safeguarding partners' leads, the lead they delegate to, the business unit or "
        "the panel chair set the date."
    )
    partners.driver.slash_command(agency_person, "review extension", channel_id=case.channel_id)
    partners.wait()
    assert partners.standin.open_view_for(agency_person) is None

    lead = PARTNER_LEADS["police"]
    partners.driver.slash_command(lead, "review extension", channel_id=case.channel_id)
    partners.wait()
    view = modal_of(partners, lead, "review_extension")
    assert "due to be published by Tue 8 Jun 2027" in str(view.blocks)
    reason = "The criminal trial is listed for June."
    submit(
        partners,
        lead,
        {
            ReviewBlock.AGREED_ON.value: "2026-12-08",
            ReviewBlock.NEW_COMPLETION.value: "2027-07-30",
            ReviewBlock.EXTENSION_REASON.value: reason,
        },
        view.id,
    )
    with partners.runtime.db.session() as session:
        [extension] = session.scalars(select(ReviewExtension))
    assert (extension.previous_completion, extension.new_completion) == (
        date(2027, 6, 8),
        date(2027, 7, 30),
    )
    assert b"criminal trial" not in extension.reason
    [audited] = audit_rows(partners, "review.extended")
    assert audited.actor == lead
    assert audited.detail["completion"] == "2027-07-30"
    assert "criminal trial" not in str(audited.detail)
    assert "criminal trial" not in str(partners.standin.calls)
    assert due_day(partners, case.id, "review_report") == date(2027, 7, 30)
    notes = [m.text for m in partners.standin.messages_in(case.channel_id)]
    assert any("extension was agreed by the safeguarding partners" in t for t in notes)

    accepted = plan(partners, case, "U0ADMIN", "2027-06-15")
    assert accepted.status == 200 and b"errors" not in accepted.body
    assert due_day(partners, case.id, "final_report_sent") == date(2027, 6, 4)


@pytest.mark.postgres
def test_the_reviewer_is_named_through_a_screened_form(partners) -> None:
    case = decided(partners, DECIDED)
    task = task_of(partners, case.id, "reviewer_appointed")
    assert "Name the reviewer" in home_text(partners, "U0ADMIN")
    partners.driver.block_action("U0ADMIN", ReviewAction.OPEN_REVIEWER.value, str(task.id))
    partners.wait()
    view = modal_of(partners, "U0ADMIN", "review_reviewer")
    naming = submit(
        partners,
        "U0ADMIN",
        {
            ReviewBlock.REVIEWER_NAME.value: "Jamie Quillfeather",
            ReviewBlock.REVIEWER_ORGANISATION.value: "Independent reviewers",
        },
        view.id,
    )
    assert "reviewer_name" in body_json(naming)["errors"]
    assert task_of(partners, case.id, "reviewer_appointed").status == "open"

    submit(
        partners,
        "U0ADMIN",
        {
            ReviewBlock.REVIEWER_NAME.value: "Dr Ada Reviewer",
            ReviewBlock.REVIEWER_ORGANISATION.value: "Independent reviewers",
        },
        view.id,
    )
    assert task_of(partners, case.id, "reviewer_appointed").status == "done"
    with partners.runtime.db.session() as session:
        [answer] = session.scalars(select(TaskAnswer).where(TaskAnswer.task_id == task.id))
    assert b"Dr Ada Reviewer" not in answer.answers  # a space: never in a token by chance
    assert read_json(partners.runtime, answer.case_id, answer.answers) == {
        "reviewer_name": "Dr Ada Reviewer",
        "reviewer_organisation": "Independent reviewers",
    }


@pytest.mark.postgres
def test_recording_the_review_published_ends_the_local_review(partners) -> None:
    case = decided(partners, DECIDED)
    task = task_of(partners, case.id, "review_report")
    partners.clock.set(london(2027, 5, 20, 11))
    assert "Record the review published" in home_text(partners, "U0ADMIN")
    partners.driver.block_action("U0ADMIN", ReviewAction.PUBLISHED.value, str(task.id))
    partners.wait()
    assert task_of(partners, case.id, "review_report").status == "done"
    with partners.runtime.db.session() as session:
        events = set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case.id)))
    assert "report_published" in events
    ended = [r for r in audit_rows(partners, "stage.ended") if r.detail["stage"] == "local_review"]
    assert len(ended) == 1
    answer = partners.driver.slash_command(
        "U0ADMIN", "review publication", channel_id=case.channel_id
    )
    partners.wait()
    opened = [v for v in partners.standin.views.values() if v.callback_id == "review_planned_date"]
    assert not opened
    told = body_json(answer)["text"]
    assert f"The review of {case.reference} is published: nothing moves." in told
    assert stored_case(partners, case.id).stage == "monitoring"


@pytest.mark.postgres
def test_the_terms_of_reference_are_set_from_their_task_within_six_months(partners) -> None:
    case = decided(partners, DECIDED)
    task = task_of(partners, case.id, "terms_of_reference")
    assert "Agree the terms of reference" in home_text(partners, "U0CPU1")
    partners.driver.block_action("U0CPU1", ReviewAction.TASK_FORM.value, str(task.id))
    partners.wait()
    view = modal_of(partners, "U0CPU1", "review_terms")
    late = submit(
        partners, "U0CPU1", terms_values(partners, **{ReviewBlock.COMPLETION.value: "2027-06-20"})
    )
    assert "must be published by Tue 8 Jun 2027" in body_json(late)["errors"]["completion_date"]
    assert task_of(partners, case.id, "terms_of_reference").status == "open"

    submit(
        partners,
        "U0CPU1",
        terms_values(partners, **{ReviewBlock.COMPLETION.value: "2027-05-28"}),
        view.id,
    )
    assert task_of(partners, case.id, "terms_of_reference").status == "done"
    contributions = tasks_of(partners, case.id, "agency_contribution")
    assert {t.agency_id for t in contributions} == {
        agency_id(partners, "Health"),
        agency_id(partners, "Police"),
    }
    assert due_day(partners, case.id, "review_report") == date(2027, 5, 28)
    posted = [
        m for m in partners.standin.messages_in(case.channel_id) if "terms of reference" in m.text
    ]
    assert "Record an extension agreed by the safeguarding partners" in json.dumps(
        posted[-1].blocks
    )
