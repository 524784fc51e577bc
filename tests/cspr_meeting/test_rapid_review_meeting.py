"""The rapid review meeting of a Child Safeguarding Practice Review, arranged in the case
channel by the business unit or a partner's lead (`/scr rapid meeting schedule|move|cancel|
held`) with the Initial Panel's invitation machinery: the partners' leads, the business unit
and the involved agencies' designated persons are invited by DM and e-mail (an `.ics` REQUEST
with a stable UID), a move raises the SEQUENCE, a cancellation is a CANCEL; anyone else is
refused. Holding it is the rapid review stage's task, due 10 working days after the
notification, shown on the card with the meeting's date once booked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import pytest

from bot.ids import PanelAction, PanelBlock, PanelCallback
from bot.jobs.worker import tick
from bot.testing.harness import Harness, start_harness
from bot.testing.seed import PEOPLE
from storage.models import Case, PanelMeeting
from tests.cspr.helpers import ADMIN, HEALTH_DP, audits, due_day, refer_on, stored_case, task
from tests.cspr.test_national_panel import ENGLAND, working_days_after
from tests.flow_helpers import body_json
from tests.panel import test_panel_mail as mail
from tests.panel.helpers import meetings, parse_ical, schedule_answers
from tests.panel.helpers import submit as submit_panel
from tests.panel.test_panel_mail import Inbox, parts
from tests.process.helpers import PARTNER_LEADS, card_text, partnership
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import complete, london, reminders
from tests.test_words import _help

smtp_port, inbox, relay = mail.smtp_port, mail.inbox, mail.relay
EMAILS = {p.user_id: p.email for p in PEOPLE}
LA, POLICE, HEALTH = (PARTNER_LEADS[p] for p in ("local_authority", "police", "health"))
INVITED = (LA, POLICE, HEALTH, ADMIN, HEALTH_DP)
"""The three partners' leads, the business unit and Health's designated person (Health, the
referring agency, is the agency involved)."""
ADDRESSES = {EMAILS[u] for u in INVITED}
MEETING_TASK = "rapid_review_meeting"


@pytest.fixture
def rapid(standin, database, clock, smtp_port) -> Iterator[Harness]:
    """A CSPR partnership with the partners' leads named, sending e-mail to the test relay."""
    settings = mail.mail_settings(standin, database, smtp_port)
    h = start_harness(
        standin,
        database,
        clock,
        settings=settings,
        partnership=partnership(default="cspr", leads=True),
    )
    yield h
    h.close()


def notified(harness: Harness, day: date) -> Case:
    """A case referred on ``day`` whose national panel notification is recorded that day."""
    case = refer_on(harness, day)
    complete(harness, case.id, "notify_national_panel")
    tick(harness.runtime)
    harness.wait()
    case = stored_case(harness, case.id)
    assert case.stage == "rapid_review"
    return case


def rapid_modal(harness: Harness, user: str, text: str, case: Case):
    harness.driver.slash_command(user, text, channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None and view.callback_id == PanelCallback.RAPID_MEETING.value
    return view


def answers(day: str):
    return schedule_answers(
        **{
            PanelBlock.DATE.value: day,
            PanelBlock.MEMBERS.value: [POLICE, HEALTH, ADMIN, HEALTH_DP],
            PanelBlock.CHAIR.value: LA,
            PanelBlock.VIDEO.value: None,
        }
    )


def rapid_meetings(harness: Harness) -> list[PanelMeeting]:
    return [m for m in meetings(harness) if m.purpose == "rapid_review"]


def invitations(inbox: Inbox) -> dict[str, EmailMessage]:
    """The e-mails to the people invited, by address (the latest of each)."""
    return {to[0]: message for to, message in inbox.received if to[0] in ADDRESSES}


def calendar_of(message: EmailMessage):
    _, calendar, attachment = parts(message)
    content = calendar.get_content()
    ics = content.encode() if isinstance(content, str) else content
    return ics, attachment.get_filename()


def only(calendar, method: str):
    assert calendar.method == method
    [event] = calendar.events
    return event


def said_to(harness: Harness) -> str:
    """What the bot answered the commands with (on their response_url)."""
    return " ".join(str(p.payload) for p in harness.standin.hook_posts)


@pytest.mark.postgres
def test_the_business_unit_schedules_moves_and_cancels_the_rapid_review_meeting(
    rapid, inbox, relay
) -> None:
    harness = rapid
    case = notified(harness, date(2026, 12, 16))
    reference = case.reference
    card = card_text(harness, case.id)
    assert "Hold the rapid review meeting" in card and "not scheduled yet" in card
    inbox.received.clear()

    view = rapid_modal(harness, ADMIN, "rapid meeting schedule", case)
    shown = str(view.blocks)
    assert "rapid review meeting" in shown.lower()
    for user in INVITED:
        assert user in shown, f"{user} is not invited by default"
    assert submit_panel(harness, ADMIN, answers("2026-12-22"), view.id) == {}

    [meeting] = rapid_meetings(harness)
    assert (meeting.status, meeting.sequence, meeting.chair) == ("scheduled", 0, LA)
    sent = invitations(inbox)
    assert set(sent) == ADDRESSES
    filename = f"{reference.lower()}-rapid-review-meeting.ics"
    for message in sent.values():
        assert message["Subject"] == f"Invitation: {reference} Rapid review meeting"
        ics, attached = calendar_of(message)
        assert attached == filename
        event = only(parse_ical(ics), "REQUEST")
        assert event.summary == f"{reference}: Rapid review meeting"
        assert "Child Safeguarding Practice Review" in (event.description or "")
        assert event.uid == meeting.uid and event.sequence == 0
        text = ics.decode() + str(message)
        for value in IDENTIFYING:
            assert value not in text
    for user in INVITED:
        assert any("Rapid review meeting" in m.text for m in harness.standin.dms_to(user))
    assert "meeting booked for Tue 22 Dec 10:00" in card_text(harness, case.id)
    [scheduled] = audits(harness, "rapid_review.meeting_scheduled", case.id)
    assert scheduled.actor == ADMIN

    inbox.received.clear()
    view = rapid_modal(harness, POLICE, "rapid meeting move", case)
    assert submit_panel(harness, POLICE, answers("2026-12-23"), view.id) == {}
    sent = invitations(inbox)
    assert set(sent) == ADDRESSES
    for message in sent.values():
        assert message["Subject"] == f"Updated invitation: {reference} Rapid review meeting"
        event = only(parse_ical(calendar_of(message)[0]), "REQUEST")
        assert (event.uid, event.sequence) == (meeting.uid, 1)
    assert "meeting booked for Wed 23 Dec 10:00" in card_text(harness, case.id)

    inbox.received.clear()
    harness.driver.slash_command(ADMIN, "rapid meeting cancel", channel_id=case.channel_id)
    harness.wait()
    [prompt] = [m for m in harness.standin.ephemerals_for(ADMIN) if "cancel the" in m.text]
    assert "cancel the rapid review meeting on" in prompt.text
    harness.driver.block_action(
        ADMIN, PanelAction.CANCEL.value, channel_id=prompt.channel, message_ts=prompt.ts
    )
    harness.wait()
    [meeting] = rapid_meetings(harness)
    assert meeting.status == "cancelled"
    sent = invitations(inbox)
    assert set(sent) == ADDRESSES
    for message in sent.values():
        assert message["Subject"] == f"Cancelled: {reference} Rapid review meeting"
        event = only(parse_ical(calendar_of(message)[0]), "CANCEL")
        assert (event.uid, event.sequence) == (meeting.uid, 2)
    for user in INVITED:
        assert any(
            "the rapid review meeting on Wed 23 Dec 10:00 is cancelled" in m.text
            for m in harness.standin.dms_to(user)
        )
    card = card_text(harness, case.id)
    assert "not scheduled yet" in card and "meeting booked" not in card
    assert task(harness, case.id, MEETING_TASK).status == "open"


@pytest.mark.postgres
def test_someone_neither_in_the_business_unit_nor_a_partners_lead_is_refused(
    rapid, inbox, relay
) -> None:
    harness = rapid
    case = notified(harness, date(2026, 12, 16))

    for verb in ("schedule", "held"):
        harness.driver.slash_command(HEALTH_DP, f"rapid meeting {verb}", channel_id=case.channel_id)
        harness.wait()
    assert harness.standin.open_view_for(HEALTH_DP) is None
    refused = said_to(harness)
    assert refused.count("Only the business unit or the safeguarding partners' leads") == 2
    assert rapid_meetings(harness) == []
    assert task(harness, case.id, MEETING_TASK).status == "open"

    view = rapid_modal(harness, HEALTH, "rapid meeting schedule", case)
    response = harness.driver.submit_view(HEALTH_DP, answers("2026-12-22"), view_id=view.id)
    harness.wait()
    assert "Only the business unit or the safeguarding partners' leads" in str(body_json(response))
    assert rapid_meetings(harness) == []


@pytest.mark.postgres
def test_holding_the_meeting_is_due_ten_working_days_after_the_notification_across_christmas(
    rapid, inbox, relay
) -> None:
    # Notified on Wed 16 Dec 2026: Christmas Day, the Boxing Day holiday (Mon 28 Dec, for
    # Saturday's) and New Year's Day are not working days.
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= set(ENGLAND)
    harness = rapid
    case = notified(harness, date(2026, 12, 16))
    held = task(harness, case.id, MEETING_TASK)
    assert due_day(held) == date(2027, 1, 4) == working_days_after(date(2026, 12, 16), 10)
    assert (held.owner_role, held.status) == ("admins", "open")
    planned = [r for r in reminders(harness, held.id) if r.status == "planned"]
    assert planned, "no reminders are planned for holding the meeting"
    assert all(r.at <= london(2027, 1, 4, 18) for r in planned[:1])
    assert "Mon 4 Jan 2027" in card_text(harness, case.id)

    view = rapid_modal(harness, ADMIN, "rapid meeting schedule", case)
    assert submit_panel(harness, ADMIN, answers("2026-12-30"), view.id) == {}
    harness.driver.slash_command(ADMIN, "rapid meeting held", channel_id=case.channel_id)
    harness.wait()
    assert "The rapid review meeting has not met yet." in said_to(harness)
    assert task(harness, case.id, MEETING_TASK).status == "open"

    harness.clock.set(london(2026, 12, 30, 15))
    harness.driver.slash_command(ADMIN, "rapid meeting held", channel_id=case.channel_id)
    harness.wait()
    [meeting] = rapid_meetings(harness)
    assert meeting.status == "held"
    done = task(harness, case.id, MEETING_TASK)
    assert (done.status, done.completed_by) == ("done", ADMIN)
    assert not [r for r in reminders(harness, done.id) if r.status == "planned"]
    assert "Hold the rapid review meeting" not in card_text(harness, case.id)
    assert stored_case(harness, case.id).stage == "rapid_review"
    [audited] = audits(harness, "rapid_review.meeting_held", case.id)
    assert audited.actor == ADMIN


def test_help_lists_the_rapid_meeting_among_the_leads_and_the_business_units_commands(
    rapid,
) -> None:
    for user in (POLICE, ADMIN):
        own, _ = _help(rapid, user)
        assert "/scr rapid meeting schedule|move|cancel|held" in own, user
    own, others = _help(rapid, HEALTH_DP)
    assert "/scr rapid meeting schedule|move|cancel|held" not in own
    assert any(
        line.startswith("• `/scr rapid meeting schedule|move|cancel|held` (for ")
        and "the safeguarding partners" in line
        for line in others
    )
