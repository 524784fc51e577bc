"""Interviews with workers (Appendix 2) through signed requests: arranged with the matters to
cover, a supporter, the briefing pack and staff care, each recorded and shown; a calendar
invitation to the reviewer and the interviewee, moved (same UID, a higher SEQUENCE) and
cancelled (METHOD:CANCEL) from Slack; then the summary agreed or disputed."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from pydantic import ValidationError
from sqlalchemy import select

from bot.ids import ReviewAction, ReviewBlock
from bot.services.review.schema import InterviewForm, Matter
from storage.models import WorkerInterview
from tests.decision.helpers import audit_rows, ephemerals_text, modal_of, submit
from tests.flow_helpers import agency_id, all_calls_text, body_json
from tests.reminders.reminder_helpers import london
from tests.review.test_imr import request_review, scr_with_terms
from tests.sealed import read_text

REVIEWER, INTERVIEWEE = "U0RLH", "U0DPH"


def schedule(harness, case, user=REVIEWER, **changes):
    harness.driver.slash_command(user, "interview", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, user, "review_interview")
    values = {
        ReviewBlock.AGENCY.value: str(agency_id(harness, "Health")),
        ReviewBlock.INTERVIEWEE.value: INTERVIEWEE,
        ReviewBlock.INTERVIEWEE_ROLE.value: "health visitor",
        ReviewBlock.MATTERS.value: ["involvement", "supervision", "agencies"],
        ReviewBlock.SUPPORTER.value: "union representative",
        ReviewBlock.STAFF_CARE.value: ["yes"],
        ReviewBlock.INTERVIEW_DATE.value: "2026-12-08",
        ReviewBlock.START.value: "14:00",
        ReviewBlock.END.value: "15:30",
        ReviewBlock.LOCATION.value: "Health HQ, room 4",
    }
    values.update(changes)
    return submit(harness, user, {k: v for k, v in values.items() if v is not None}, view.id)


def interviews(harness):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(WorkerInterview).order_by(WorkerInterview.id)))


def calendar_files(harness, user):
    """The calendar files shared in ``user``'s DM, oldest first, parsed."""
    im = harness.standin.im_with(user)
    found = [
        f for f in harness.standin.files.values() if f.name.endswith(".ics") and im in f.channels
    ]
    return [(f.name, Calendar.from_ical(f.content)) for f in sorted(found, key=lambda f: f.id)]


def event_of(calendar):
    return calendar.walk("VEVENT")[0]


def reviewer_message(harness):
    [message] = [m for m in harness.standin.dms_to(REVIEWER) if "is arranged" in m.text]
    return harness.standin.find_message(message.channel, message.ts)


def card_text(harness, case):
    pinned = [m for m in harness.standin.messages_in(case.channel_id) if "SCR-2026-001" in m.text]
    return str(pinned[0].blocks)


def test_an_interview_is_arranged_as_appendix_2_asks_then_its_summary_agreed(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)

    assert body_json(schedule(harness, case)) == {}

    [row] = interviews(harness)
    assert (row.reviewer, row.interviewee, row.status) == (REVIEWER, INTERVIEWEE, "scheduled")
    assert row.starts_at == london(2026, 12, 8, 14) and row.ends_at == london(2026, 12, 8, 15, 30)
    assert row.matters == ["involvement", "supervision", "agencies"]
    assert (row.briefing_sent_on, row.staff_care) == (None, True)
    assert b"room 4" not in row.details and b"union" not in row.details
    shown = str(reviewer_message(harness).blocks)
    assert "Tue 8 Dec 2026, 14:00–15:30" in shown
    for line in (
        "health visitor",
        "Supervision and management support",
        "*Supporter*: union representative",
        "*Briefing pack*: not sent yet",
        "*Staff care*: ✓ arranged",
        "*Summary*: not yet",
    ):
        assert line in shown, line
    assert "*Interviews*: 1 arranged · briefing pack not sent for 1" in card_text(harness, case)

    [(name, ics)] = calendar_files(harness, INTERVIEWEE)
    assert name == f"scr-2026-001-interview-{row.id}.ics"
    event = event_of(ics)
    assert str(event["UID"]) == row.uid and int(event["SEQUENCE"]) == 0
    assert str(ics["METHOD"]) == "REQUEST"
    assert str(event["SUMMARY"]) == "SCR-2026-001: interview for the serious case review"
    assert event.decoded("DTSTART").hour == 14
    assert {str(a) for a in event.get("ATTENDEE")} == {
        "mailto:kim@health.example",
        "mailto:lee@health.example",
    }
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert len(calendar_files(harness, REVIEWER)) == 1
    [invited] = [m for m in harness.standin.dms_to(INTERVIEWEE) if "invites you" in m.text]
    assert "You can bring a supporter" in str(invited.blocks)
    assert "Communication with other agencies" in str(invited.blocks)

    message = reviewer_message(harness)
    harness.driver.block_action(
        "U0DPP",
        ReviewAction.OPEN_INTERVIEW_OUTCOME.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    assert "not yours to record" in ephemerals_text(harness, "U0DPP")

    harness.driver.block_action(REVIEWER, ReviewAction.OPEN_INTERVIEW_OUTCOME.value)
    harness.wait()
    view = modal_of(harness, REVIEWER, "review_interview_outcome")
    answers = {
        ReviewBlock.MATTERS_COVERED.value: ["involvement", "agencies"],
        ReviewBlock.BRIEFED.value: ["yes"],
        ReviewBlock.STAFF_CARE.value: ["yes"],
        ReviewBlock.SHARED_ON.value: "2026-11-27",
        ReviewBlock.AGREED.value: "false",
    }
    missing = submit(harness, REVIEWER, answers, view.id)
    assert "where the interviewee disagrees" in body_json(missing)["errors"]["disagreement"]
    why = "She says the October visit was cancelled, not missed."
    submit(harness, REVIEWER, {**answers, ReviewBlock.DISAGREEMENT.value: why}, view.id)
    [row] = interviews(harness)
    assert (row.status, row.summary_shared_on.isoformat()) == ("disagreed", "2026-11-27")
    assert row.matters_covered == ["involvement", "agencies"]
    assert row.briefing_sent_on is not None
    assert read_text(harness.runtime, row.case_id, row.disagreement).startswith("She says")
    assert "October visit was cancelled" not in all_calls_text(harness)
    assert [a.detail["agreed"] for a in audit_rows(harness, "interview.recorded")] == [False]
    channel = " ".join(m.text for m in harness.standin.messages_in(case.channel_id))
    assert "disputed in part by the interviewee" in channel
    shown = str(reviewer_message(harness).blocks)
    assert "✓ Their involvement" in shown and "– Supervision" in shown
    assert "disputed in part" in shown and ReviewAction.OPEN_INTERVIEW_MOVE.value not in shown
    assert "1 disputed in part" in card_text(harness, case)


def test_an_interview_is_moved_then_cancelled_from_slack(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    schedule(harness, case)
    [row] = interviews(harness)

    harness.driver.slash_command(REVIEWER, "interview move", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, REVIEWER, "review_interview_move")
    moved = {
        ReviewBlock.INTERVIEW_DATE.value: "2026-12-10",
        ReviewBlock.START.value: "09:30",
        ReviewBlock.END.value: "10:30",
        ReviewBlock.LOCATION.value: "Health HQ, room 4",
    }
    submit(harness, REVIEWER, moved, view.id)
    submit(harness, REVIEWER, moved, view.id)

    [after] = interviews(harness)
    assert (after.uid, after.sequence) == (row.uid, 1)
    assert after.starts_at == london(2026, 12, 10, 9, 30)
    assert len(audit_rows(harness, "interview.moved")) == 1
    files = calendar_files(harness, INTERVIEWEE)
    assert [int(event_of(c)["SEQUENCE"]) for _, c in files] == [0, 1]
    _, update = files[-1]
    assert str(update["METHOD"]) == "REQUEST" and str(event_of(update)["UID"]) == row.uid
    assert event_of(update).decoded("DTSTART").hour == 9
    assert [m for m in harness.standin.dms_to(INTERVIEWEE) if "is moved to Thu 10 Dec" in m.text]
    assert "Thu 10 Dec 2026, 09:30–10:30" in str(reviewer_message(harness).blocks)

    other = harness.driver.slash_command("U0DPP", "interview cancel", channel_id=case.channel_id)
    harness.wait()
    assert "no interview arranged" in body_json(other)["text"]
    message = reviewer_message(harness)
    harness.standin.fail("chat.update", error="update_failed", times=1)
    for _ in range(2):
        harness.driver.block_action(
            REVIEWER,
            ReviewAction.INTERVIEW_CANCEL.value,
            value=str(row.id),
            channel_id=message.channel,
            message_ts=message.ts,
        )
        harness.wait()
    [after] = interviews(harness)
    assert (after.status, after.sequence, after.cancelled_by) == ("cancelled", 2, REVIEWER)
    assert "nothing has changed" in ephemerals_text(harness, REVIEWER)
    for person in (REVIEWER, INTERVIEWEE):
        files = calendar_files(harness, person)
        assert [str(c["METHOD"]) for _, c in files] == ["REQUEST", "REQUEST", "CANCEL"]
        assert {str(event_of(c)["UID"]) for _, c in files} == {row.uid}
        assert int(event_of(files[-1][1])["SEQUENCE"]) == 2
    assert [m for m in harness.standin.dms_to(INTERVIEWEE) if "is cancelled" in m.text]
    assert "is cancelled" in reviewer_message_text(harness)
    assert "*Interviews*" not in card_text(harness, case)

    refused = harness.driver.slash_command(REVIEWER, "interview cancel", channel_id=case.channel_id)
    harness.wait()
    assert "no interview arranged" in body_json(refused)["text"]


def reviewer_message_text(harness) -> str:
    return " ".join(m.text for m in harness.standin.dms_to(REVIEWER))


def test_with_two_interviews_the_command_asks_which(harness) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    schedule(harness, case)
    schedule(harness, case, **{ReviewBlock.INTERVIEWEE.value: None})
    first, second = interviews(harness)

    answer = harness.driver.slash_command(REVIEWER, "interview cancel", channel_id=case.channel_id)
    harness.wait()
    shown = body_json(answer)
    assert "which interview do you want to cancel" in shown["text"]
    buttons = [b["accessory"] for b in shown["blocks"] if "accessory" in b]
    assert [b["value"] for b in buttons] == [str(first.id), str(second.id)]
    assert all(b["action_id"] == ReviewAction.INTERVIEW_CANCEL.value for b in buttons)
    assert all("confirm" in b for b in buttons)
    assert len(calendar_files(harness, REVIEWER)) == 2


def test_only_an_agency_reviewer_arranges_interviews_and_times_make_sense(harness) -> None:
    case = scr_with_terms(harness)
    refused = harness.driver.slash_command("U0DPE", "interview", channel_id=case.channel_id)
    harness.wait()
    assert "reviewer arranges" in body_json(refused)["text"]

    request_review(harness, case)
    backwards = schedule(harness, case, **{ReviewBlock.END.value: "13:00"})
    assert "must end after it starts" in body_json(backwards)["errors"]["end_time"]
    nobody = schedule(
        harness,
        case,
        **{ReviewBlock.INTERVIEWEE.value: None, ReviewBlock.INTERVIEWEE_ROLE.value: None},
    )
    assert "give their role" in body_json(nobody)["errors"]["interviewee_role"]
    naming = schedule(harness, case, **{ReviewBlock.LOCATION.value: "14 Larkspur Gardens"})
    assert "name the child" in body_json(naming)["errors"]["location"]
    naming = schedule(harness, case, **{ReviewBlock.SUPPORTER.value: "Jamie's aunt"})
    assert "name the child" in body_json(naming)["errors"]["supporter"]
    assert interviews(harness) == []


def test_an_interview_without_matters_to_cover_is_refused() -> None:
    answers = {
        "agency_id": 1,
        "interviewee_role": "health visitor",
        "interview_date": date(2026, 12, 8),
        "start_time": "14:00",
        "end_time": "15:00",
    }
    with pytest.raises(ValidationError, match="matters the interview will cover"):
        InterviewForm.model_validate(answers, context={"today": date(2026, 12, 1)})
    chosen = InterviewForm.model_validate(
        {**answers, "matters": ["role"]}, context={"today": date(2026, 12, 1)}
    )
    assert chosen.matters == [Matter.ROLE]


def test_an_interviewee_reached_only_in_slack_gets_the_calendar_file_and_is_an_attendee(
    harness,
) -> None:
    from bot.calendar.invites import no_mail_address
    from bot.testing.seed import PEOPLE

    names = {p.user_id: p.name for p in PEOPLE}
    harness.standin.add_user(INTERVIEWEE, names[INTERVIEWEE], None)
    case = scr_with_terms(harness)
    request_review(harness, case)

    assert body_json(schedule(harness, case)) == {}

    [(_, ics)] = calendar_files(harness, INTERVIEWEE)
    attendees = {str(a): a.params for a in event_of(ics).get("ATTENDEE")}
    assert set(attendees) == {"mailto:kim@health.example", no_mail_address(INTERVIEWEE)}
    assert attendees[no_mail_address(INTERVIEWEE)]["RSVP"] == "FALSE"
    [invited] = [m for m in harness.standin.dms_to(INTERVIEWEE) if "invites you" in m.text]
    assert "calendar" in invited.text.lower() or "calendar" in str(invited.blocks).lower()
