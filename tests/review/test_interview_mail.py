"""An interview's invitations by e-mail, when SMTP is set up: delivered to a real SMTP server
(aiosmtpd) on the loopback interface, one message per person invited, a REQUEST, then the
REQUEST of a move and a CANCEL, each read back with the same UID and a rising SEQUENCE;
nothing in them names the child."""

from __future__ import annotations

from icalendar import Calendar

from bot.ids import ReviewAction, ReviewBlock
from tests.decision.helpers import modal_of, submit
from tests.panel.test_panel_mail import (  # noqa: F401  (the fixtures)
    SENDER,
    inbox,
    mail_harness,
    parts,
    relay,
    smtp_port,
)
from tests.referral.data import IDENTIFYING
from tests.review.test_imr import request_review, scr_with_terms
from tests.review.test_interviews import REVIEWER, interviews, reviewer_message, schedule

INVITED = {"kim@health.example", "lee@health.example"}


def test_an_interview_is_invited_moved_and_cancelled_by_email(
    mail_harness,  # noqa: F811
    inbox,  # noqa: F811
    relay,  # noqa: F811
) -> None:
    harness = mail_harness
    case = scr_with_terms(harness)
    request_review(harness, case)
    inbox.received.clear()

    schedule(harness, case)
    harness.driver.block_action(REVIEWER, ReviewAction.OPEN_INTERVIEW_MOVE.value)
    harness.wait()
    view = modal_of(harness, REVIEWER, "review_interview_move")
    submit(
        harness,
        REVIEWER,
        {
            ReviewBlock.INTERVIEW_DATE.value: "2026-12-09",
            ReviewBlock.START.value: "14:00",
            ReviewBlock.END.value: "15:30",
            ReviewBlock.LOCATION.value: "Health HQ, room 5",
        },
        view.id,
    )
    message = reviewer_message(harness)
    harness.driver.block_action(
        REVIEWER,
        ReviewAction.INTERVIEW_CANCEL.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()

    [row] = interviews(harness)
    by_subject: dict[str, set[str]] = {}
    seen: list[tuple[str, int, str]] = []
    for to, mail in inbox.received:
        assert mail["To"].addresses[0].addr_spec == to[0]
        assert mail["From"].addresses[0].addr_spec == SENDER
        plain, calendar, attachment = parts(mail)
        assert "<" not in plain.get_content() and "|" not in plain.get_content()
        method = calendar.get_param("method")
        ics = attachment.get_content()
        event = Calendar.from_ical(ics).walk("VEVENT")[0]
        assert str(event["UID"]) == row.uid
        assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
        seen.append((method, int(event["SEQUENCE"]), to[0]))
        by_subject.setdefault(str(mail["Subject"]), set()).add(to[0])
        raw = mail.as_string()
        for value in IDENTIFYING:
            assert value not in raw
    assert by_subject == {
        "Invitation: SCR-2026-001 interview (Health)": INVITED,
        "Updated invitation: SCR-2026-001 interview (Health)": INVITED,
        "Cancelled: SCR-2026-001 interview (Health)": INVITED,
    }
    assert sorted({(m, s) for m, s, _ in seen}) == [("CANCEL", 2), ("REQUEST", 0), ("REQUEST", 1)]
