"""Interviews with workers (Appendix 2) through signed requests: scheduled with a calendar
invitation, then the summary agreed or disputed."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from storage.models import WorkerInterview
from tests.decision.helpers import audit_rows, ephemerals_text, modal_of, submit
from tests.flow_helpers import agency_id, all_calls_text, body_json
from tests.reminders.reminder_helpers import london
from tests.review.test_imr import request_review, scr_with_terms
from tests.sealed import read_text


def schedule(harness, case, user="U0RLH", **changes):
    harness.driver.slash_command(user, "interview", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, user, "review_interview")
    values = {
        ReviewBlock.AGENCY.value: str(agency_id(harness, "Health")),
        ReviewBlock.INTERVIEWEE.value: "U0DPH",
        ReviewBlock.INTERVIEW_DATE.value: "2026-12-08",
        ReviewBlock.START.value: "14:00",
        ReviewBlock.END.value: "15:30",
        ReviewBlock.LOCATION.value: "Health HQ, room 4",
        ReviewBlock.INVITE.value: ["yes"],
    }
    values.update(changes)
    return submit(harness, user, {k: v for k, v in values.items() if v is not None}, view.id)


def interviews(harness):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(WorkerInterview)))


def test_an_interview_is_scheduled_with_an_invitation_and_its_summary_agreed(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)

    assert body_json(schedule(harness, case)) == {}

    [row] = interviews(harness)
    assert (row.reviewer, row.interviewee, row.status) == ("U0RLH", "U0DPH", "scheduled")
    assert row.starts_at == london(2026, 12, 8, 14) and row.ends_at == london(2026, 12, 8, 15, 30)
    assert b"room 4" not in row.details
    uploads = harness.standin.calls_to("files.completeUploadExternal")
    assert len(uploads) == 2
    [ics] = {f.content for f in harness.standin.files.values() if f.name.endswith(".ics")}
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["UID"]) == row.uid
    assert "SCR-2026-001" in str(event["SUMMARY"])
    assert event.decoded("DTSTART").hour == 14
    assert {str(a) for a in event.get("ATTENDEE")} == {
        "mailto:kim@health.example",
        "mailto:lee@health.example",
    }
    [note] = [m for m in harness.standin.dms_to("U0RLH") if "interview for Health" in m.text]
    assert "Tue 8 Dec 2026 at 14:00" in note.text

    harness.driver.block_action(
        "U0DPP",
        ReviewAction.OPEN_INTERVIEW_OUTCOME.value,
        channel_id=note.channel,
        message_ts=note.ts,
    )
    harness.wait()
    assert "not yours to record" in ephemerals_text(harness, "U0DPP")

    harness.driver.block_action("U0RLH", ReviewAction.OPEN_INTERVIEW_OUTCOME.value)
    harness.wait()
    view = modal_of(harness, "U0RLH", "review_interview_outcome")
    missing = submit(
        harness,
        "U0RLH",
        {ReviewBlock.SHARED_ON.value: "2026-11-27", ReviewBlock.AGREED.value: "false"},
        view.id,
    )
    assert "where the interviewee disagrees" in body_json(missing)["errors"]["disagreement"]
    submit(
        harness,
        "U0RLH",
        {
            ReviewBlock.SHARED_ON.value: "2026-11-27",
            ReviewBlock.AGREED.value: "false",
            ReviewBlock.DISAGREEMENT.value: "She says the October visit was cancelled, not missed.",
        },
        view.id,
    )
    [row] = interviews(harness)
    assert (row.status, row.summary_shared_on.isoformat()) == ("disagreed", "2026-11-27")
    assert read_text(harness.runtime, row.case_id, row.disagreement).startswith("She says")
    assert "October visit was cancelled" not in all_calls_text(harness)
    assert [a.detail["agreed"] for a in audit_rows(harness, "interview.recorded")] == [False]
    channel = " ".join(m.text for m in harness.standin.messages_in(case.channel_id))
    assert "disputed in part by the interviewee" in channel


def test_only_an_agency_reviewer_arranges_interviews_and_times_make_sense(harness) -> None:
    case = scr_with_terms(harness)
    refused = harness.driver.slash_command("U0DPE", "interview", channel_id=case.channel_id)
    harness.wait()
    assert "reviewer arranges" in body_json(refused)["text"]

    request_review(harness, case)
    backwards = schedule(harness, case, **{ReviewBlock.END.value: "13:00"})
    assert "must end after it starts" in body_json(backwards)["errors"]["end_time"]
    nobody = schedule(harness, case, **{ReviewBlock.INTERVIEWEE.value: None})
    assert "give their role" in body_json(nobody)["errors"]["interviewee_role"]
    naming = schedule(harness, case, **{ReviewBlock.LOCATION.value: "14 Larkspur Gardens"})
    assert "name the child" in body_json(naming)["errors"]["location"]
    assert interviews(harness) == []
