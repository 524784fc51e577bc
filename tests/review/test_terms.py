"""The review's frame through signed requests: the panel chair's appointment, the terms of
reference and their versions, and an extension agreed with OFSTED moving the deadline and
its reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from bot.jobs.worker import tick
from bot.services.first_month.chronology import review_period
from storage.models import (
    CaseAgency,
    CaseAssignment,
    PanelChairAppointment,
    Reminder,
    ReviewExtension,
    TermsOfReference,
)
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
from tests.reminders.reminder_helpers import DMLog, london
from tests.sealed import read_json

KEY_ISSUES = "How the head injury in October was followed up by health and police."


def terms_values(harness, **changes):
    values = {
        ReviewBlock.KEY_ISSUES.value: KEY_ISSUES,
        ReviewBlock.EXPERT.value: "A paediatrician from outside the area reads the records.",
        ReviewBlock.FAMILY_HISTORY.value: "The mother's own care history and the siblings'.",
        ReviewBlock.PERIOD_FROM.value: "2025-06-01",
        ReviewBlock.PERIOD_TO.value: "2026-11-20",
        ReviewBlock.AGENCIES.value: [
            str(agency_id(harness, "Health")),
            str(agency_id(harness, "Police")),
        ],
        ReviewBlock.FAMILY.value: "The mother will be invited to contribute.",
        ReviewBlock.PROCEEDINGS.value: ["coroner", "criminal"],
        ReviewBlock.LIAISON.value: "The panel chair meets the investigating officer monthly.",
        ReviewBlock.MEDIA.value: "All enquiries go to the Board's communications lead.",
        ReviewBlock.COMPLETION.value: "2027-03-27",
    }
    values.update(changes)
    return values


def open_terms(harness, case, user="U0CPU1"):
    harness.driver.slash_command(user, "review terms", channel_id=case.channel_id)
    harness.wait()
    return modal_of(harness, user, "review_terms")


def terms_rows(harness):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(TermsOfReference).order_by(TermsOfReference.version)))


def overview_due(harness, case):
    [task] = tasks_of(harness, case.id, "overview_report")
    return task.due_at


@pytest.mark.postgres
def test_terms_of_reference_are_stored_posted_and_edited_with_history(harness) -> None:
    case = decided(harness)
    view = open_terms(harness, case)
    assert "2027-03-27" in str(view.blocks)

    response = submit(harness, "U0CPU1", terms_values(harness), view.id)

    assert body_json(response) == {}
    [v1] = terms_rows(harness)
    assert v1.version == 1 and v1.completion_date.isoformat() == "2027-03-27"
    assert KEY_ISSUES.encode() not in v1.content
    assert read_json(harness.runtime, v1.case_id, v1.content)["key_issues"] == KEY_ISSUES
    assert tasks_of(harness, case.id, "terms_of_reference")[0].status == "done"
    police = agency_id(harness, "Police")
    with harness.runtime.db.session() as session:
        involved = set(
            session.scalars(select(CaseAgency.agency_id).where(CaseAgency.removed_at.is_(None)))
        )
    assert police in involved
    assert [t.agency_id for t in tasks_of(harness, case.id, "imr")].count(police) == 1
    posted = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "Terms of reference v1" in str(m.blocks)
    ]
    assert len(posted) == 1
    text = str(posted[0].blocks)
    assert KEY_ISSUES in text and "Coroner's inquest, Criminal proceedings" in text
    assert "Sun 1 Jun 2025 to Fri 20 Nov 2026" in text and "Sat 27 Mar 2027" in text

    harness.driver.block_action(
        "U0CPU1", ReviewAction.OPEN_TERMS.value, channel_id=case.channel_id, message_ts=posted[0].ts
    )
    harness.wait()
    edit = modal_of(harness, "U0CPU1", "review_terms")
    assert KEY_ISSUES in str(edit.blocks)
    submit(
        harness,
        "U0CPU1",
        terms_values(
            harness,
            **{
                ReviewBlock.KEY_ISSUES.value: KEY_ISSUES + " And the nursery's concerns.",
                ReviewBlock.COMPLETION.value: "2027-03-01",
            },
        ),
        edit.id,
    )

    v1, v2 = terms_rows(harness)
    assert v2.version == 2 and v2.recorded_by == "U0CPU1"
    assert read_json(harness.runtime, v1.case_id, v1.content)["key_issues"] == KEY_ISSUES
    assert overview_due(harness, case) == datetime(2027, 3, 1, 17, 30, tzinfo=UTC)
    old = harness.standin.find_message(case.channel_id, posted[0].ts)
    assert "superseded by version 2" in str(old.blocks)
    assert ReviewAction.OPEN_TERMS.value not in str(old.blocks)
    [new] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "Terms of reference v2" in str(m.blocks)
    ]
    assert "changed: key issues, completion date" in str(new.blocks)
    assert [a.detail["version"] for a in audit_rows(harness, "terms.saved")] == [1, 2]
    with harness.runtime.db.session() as session:
        period = review_period(session, case.id)
    assert period is not None
    assert (period.starts_on, period.ends_on) == (date(2025, 6, 1), date(2026, 11, 20))


@pytest.mark.parametrize(
    ("changes", "block", "message"),
    [
        (
            {ReviewBlock.COMPLETION.value: "2027-03-28"},
            "completion_date",
            "extension agreed with OFSTED",
        ),
        ({ReviewBlock.PERIOD_TO.value: "2025-01-01"}, "period_to", "cannot end before it starts"),
        ({ReviewBlock.LIAISON.value: None}, "liaison", "liaise"),
        ({ReviewBlock.KEY_ISSUES.value: "Why Jamie was not seen"}, "key_issues", "name the child"),
        (
            {ReviewBlock.FAMILY.value: "Rowena will be invited"},
            "family_involvement",
            "name the child",
        ),
    ],
)
def test_invalid_terms_come_back_inline_and_store_nothing(harness, changes, block, message) -> None:
    case = decided(harness)
    view = open_terms(harness, case)
    values = {k: v for k, v in terms_values(harness, **changes).items() if v is not None}
    answer = body_json(submit(harness, "U0CPU1", values, view.id))
    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block]
    assert terms_rows(harness) == []
    assert tasks_of(harness, case.id, "terms_of_reference")[0].status == "open"


def test_the_panel_chair_is_in_post_once_they_confirm_no_previous_involvement(harness) -> None:
    case = decided(harness)
    refused = harness.driver.slash_command("U0DPH", "review chair", channel_id=case.channel_id)
    harness.wait()
    assert "appoint the panel chair" in body_json(refused)["text"]

    harness.driver.slash_command("U0CHAIR", "review chair", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CHAIR", "review_panel_chair")
    submit(harness, "U0CHAIR", {ReviewBlock.PANEL_CHAIR.value: "U0DPE"}, view.id)

    [ask] = [m for m in harness.standin.dms_to("U0DPE") if "chair the review panel" in m.text]
    assert "asked you to chair" in str(ask.blocks)
    with pytest.raises(ValueError):
        harness.driver.block_action("U0CPU1", ReviewAction.CHAIR_NO_INVOLVEMENT.value)
    harness.driver.block_action(
        "U0CPU1", ReviewAction.CHAIR_NO_INVOLVEMENT.value, channel_id=ask.channel, message_ts=ask.ts
    )
    harness.wait()
    assert "someone else's to answer" in ephemerals_text(harness, "U0CPU1")

    harness.driver.block_action("U0DPE", ReviewAction.CHAIR_NO_INVOLVEMENT.value)
    harness.wait()

    with harness.runtime.db.session() as session:
        [appointment] = session.scalars(select(PanelChairAppointment))
        chairs = list(
            session.scalars(
                select(CaseAssignment.slack_user_id).where(CaseAssignment.role == "panel_chair")
            )
        )
    assert appointment.status == "confirmed" and chairs == ["U0DPE"]
    assert "U0DPE" in harness.standin.channels[case.channel_id].members
    assert "you chair the review panel" in harness.standin.find_message(ask.channel, ask.ts).text
    assert any(
        "chairs the review panel" in m.text for m in harness.standin.messages_in(case.channel_id)
    )
    refused = harness.driver.slash_command("U0CPU1", "review terms", channel_id=case.channel_id)
    harness.wait()
    assert "The panel chair sets the terms of reference" in body_json(refused)["text"]
    assert open_terms(harness, case, "U0DPE")


def test_a_declared_involvement_goes_back_to_the_appointer(harness) -> None:
    case = decided(harness)
    harness.driver.slash_command("U0CPU2", "review chair", channel_id=case.channel_id)
    harness.wait()
    submit(harness, "U0CPU2", {ReviewBlock.PANEL_CHAIR.value: "U0RLP"})

    harness.driver.block_action("U0RLP", ReviewAction.CHAIR_INVOLVED.value)
    harness.wait()

    with harness.runtime.db.session() as session:
        [appointment] = session.scalars(select(PanelChairAppointment))
        assert (
            session.scalars(
                select(CaseAssignment).where(CaseAssignment.role == "panel_chair")
            ).all()
            == []
        )
    assert appointment.status == "declined"
    [told] = [
        m for m in harness.standin.dms_to("U0CPU2") if "declared previous involvement" in m.text
    ]
    assert ReviewAction.OPEN_PANEL_CHAIR.value in str(told.blocks)
    assert "U0RLP" not in harness.standin.channels[case.channel_id].members
    assert stored_case(harness, case.id).stage == "review"


def test_an_extension_agreed_with_ofsted_moves_the_deadline_and_its_reminders(harness) -> None:
    case = decided(harness)
    submit(harness, "U0CPU1", terms_values(harness), open_terms(harness, case).id)
    [task] = tasks_of(harness, case.id, "overview_report")
    old_plan = reminders_of(harness, task.id)
    assert london(2027, 3, 17, 9) in [r.at for r in old_plan]  # 7 working days before

    harness.driver.slash_command("U0ADMIN", "review extension", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0ADMIN", "review_extension")
    early = submit(
        harness,
        "U0ADMIN",
        {
            ReviewBlock.AGREED_ON.value: "2026-11-27",
            ReviewBlock.NEW_COMPLETION.value: "2027-03-20",
            ReviewBlock.EXTENSION_REASON.value: "The criminal trial is listed for April.",
        },
        view.id,
    )
    assert "choose a later date" in body_json(early)["errors"]["new_completion"]
    submit(
        harness,
        "U0ADMIN",
        {
            ReviewBlock.AGREED_ON.value: "2026-11-27",
            ReviewBlock.NEW_COMPLETION.value: "2027-05-28",
            ReviewBlock.EXTENSION_REASON.value: "The criminal trial is listed for April.",
        },
        view.id,
    )

    with harness.runtime.db.session() as session:
        [extension] = session.scalars(select(ReviewExtension))
    assert extension.previous_completion.isoformat() == "2027-03-27"
    assert b"criminal trial" not in extension.reason
    assert overview_due(harness, case) == london(2027, 5, 28, 17, 30)
    plan = reminders_of(harness, task.id)
    assert {r.status for r in plan if r.at in {p.at for p in old_plan}} == {"cancelled"}
    planned = [r.at for r in plan if r.status == "planned"]
    assert planned[:3] == [london(2027, 5, 19, 9), london(2027, 5, 27, 9), london(2027, 5, 28, 9)]
    note = [
        m for m in harness.standin.messages_in(case.channel_id) if "extension was agreed" in m.text
    ]
    assert "now due to be complete by Fri 28 May 2027 (was Sat 27 Mar 2027)" in note[0].text
    assert "criminal trial" not in str(harness.standin.calls)

    log = DMLog(harness)
    harness.clock.set(london(2027, 3, 17, 9, 5))
    tick(harness.runtime)
    assert not [s for s in log.collect() if "overview report" in s.text]
    harness.clock.set(london(2027, 5, 19, 9, 5))
    tick(harness.runtime)
    sent = [s for s in log.collect() if "overview report" in s.text]
    assert {s.user for s in sent} == {"U0CPU1", "U0CPU2"}
    assert all("by Fri 28 May · due in 7 working days" in s.text for s in sent)


def reminders_of(harness, task_id):
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Reminder)
                .where(Reminder.task_id == task_id)
                .order_by(Reminder.at, Reminder.id)
            )
        )


def test_editing_the_terms_after_an_extension_keeps_the_extended_date(harness) -> None:
    case = decided(harness)
    submit(harness, "U0CPU1", terms_values(harness), open_terms(harness, case).id)
    harness.driver.slash_command("U0CPU1", "review extension", channel_id=case.channel_id)
    harness.wait()
    submit(
        harness,
        "U0CPU1",
        {
            ReviewBlock.AGREED_ON.value: "2026-11-27",
            ReviewBlock.NEW_COMPLETION.value: "2027-05-28",
            ReviewBlock.EXTENSION_REASON.value: "The trial is listed for April.",
        },
    )

    edit = open_terms(harness, case)
    assert '"initial_date": "2027-05-28"' in str(edit.blocks).replace("'", '"')
    submit(
        harness, "U0CPU1", {ReviewBlock.KEY_ISSUES.value: KEY_ISSUES + " Also housing."}, edit.id
    )

    assert [t.version for t in terms_rows(harness)] == [1, 2]
    assert overview_due(harness, case) == london(2027, 5, 28, 17, 30)
