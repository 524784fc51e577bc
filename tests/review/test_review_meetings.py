"""Later meetings of the review panel, arranged by the CPU or the review panel's chair with
the Initial Panel's invitation machinery: the named review panel is invited by DM and by
e-mail (an `.ics` REQUEST with a stable UID), a move raises the SEQUENCE, a cancellation is
a CANCEL; anyone else is refused."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from bot.ids import PanelAction, PanelBlock, PanelCallback, ReviewAction
from bot.testing.seed import PEOPLE
from storage.models import PanelMeeting
from tests.decision.helpers import submit
from tests.flow_helpers import body_json
from tests.panel import test_panel_mail as mail
from tests.panel.helpers import ORGANISER, meetings, parse_ical, schedule_answers
from tests.panel.helpers import submit as submit_panel
from tests.panel.test_panel_mail import Inbox, parts
from tests.referral.data import IDENTIFYING
from tests.review.test_review_panel import approve, click_dm, held_with_review_panel
from tests.review.test_terms import open_terms, terms_values

smtp_port, inbox, mail_harness, relay = mail.smtp_port, mail.inbox, mail.mail_harness, mail.relay
EMAILS = {p.user_id: p.email for p in PEOPLE}
REVIEW_CHAIR = "U0RLP"
REVIEW_MEMBERS = ("U0RLH", "U0DPE")
REVIEW_PANEL = {EMAILS[u] for u in (REVIEW_CHAIR, *REVIEW_MEMBERS)}
ICS_NAME = "scr-2026-001-review-panel-meeting-1.ics"


def review_started(harness):
    """The Initial Panel named the review panel (chaired by someone outside the CPU), the
    Board Chair decided on a review, everyone confirmed no previous involvement, and the
    chair set the terms of reference."""
    case, _, answer = held_with_review_panel(
        harness,
        **{
            PanelBlock.REVIEW_CHAIR.value: REVIEW_CHAIR,
            PanelBlock.REVIEW_MEMBERS.value: list(REVIEW_MEMBERS),
        },
    )
    assert answer == {}
    approve(harness, case)
    click_dm(harness, "U0DPE", ReviewAction.PANEL_NO_INVOLVEMENT)
    click_dm(harness, REVIEW_CHAIR, ReviewAction.CHAIR_NO_INVOLVEMENT)
    view = open_terms(harness, case, REVIEW_CHAIR)
    assert body_json(submit(harness, REVIEW_CHAIR, terms_values(harness), view.id)) == {}
    return case


def answers(day: str):
    return schedule_answers(
        **{
            PanelBlock.DATE.value: day,
            PanelBlock.MEMBERS.value: list(REVIEW_MEMBERS),
            PanelBlock.CHAIR.value: REVIEW_CHAIR,
            PanelBlock.VIDEO.value: None,
        }
    )


def review_modal(harness, user: str, text: str, channel: str):
    harness.driver.slash_command(user, text, channel_id=channel)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None and view.callback_id == PanelCallback.REVIEW_MEETING.value
    return view


def review_meetings(harness) -> list[PanelMeeting]:
    return [m for m in meetings(harness) if m.purpose == "review"]


def invitations(inbox: Inbox) -> dict[str, EmailMessage]:
    """The e-mails to the review panel, by address (the latest of each)."""
    return {to[0]: message for to, message in inbox.received if to[0] in REVIEW_PANEL}


def calendar_of(message: EmailMessage):
    _, calendar, attachment = parts(message)
    content = calendar.get_content()
    ics = content.encode() if isinstance(content, str) else content
    return ics, attachment.get_filename()


def refusals(harness, user: str) -> str:
    texts = [m.text for m in harness.standin.ephemerals_for(user)]
    texts += [str(p.payload) for p in harness.standin.hook_posts]
    return " ".join(texts)


@pytest.mark.postgres
def test_the_review_chair_schedules_moves_and_cancels_a_review_meeting(
    mail_harness, inbox, relay
) -> None:
    harness = mail_harness
    case = review_started(harness)
    [initial] = meetings(harness)
    inbox.received.clear()

    view = review_modal(harness, REVIEW_CHAIR, "review meeting schedule", case.channel_id)
    assert "review panel meeting" in str(view.blocks).lower()
    assert submit_panel(harness, REVIEW_CHAIR, answers("2027-01-12"), view.id) == {}

    [meeting] = review_meetings(harness)
    assert (meeting.status, meeting.sequence, meeting.chair) == ("scheduled", 0, REVIEW_CHAIR)
    sent = invitations(inbox)
    assert set(sent) == REVIEW_PANEL
    for message in sent.values():
        assert message["Subject"] == "Invitation: SCR-2026-001 Review panel meeting 1"
        ics, filename = calendar_of(message)
        assert filename == ICS_NAME
        event = only(parse_ical(ics), "REQUEST")
        assert event.summary == "SCR-2026-001: Review panel meeting 1"
        assert event.uid == meeting.uid and event.sequence == 0
        text = ics.decode() + str(message)
        for value in IDENTIFYING:
            assert value not in text
    for user in (REVIEW_CHAIR, *REVIEW_MEMBERS):
        assert any("Review panel meeting 1" in m.text for m in harness.standin.dms_to(user))
    [still] = [m for m in meetings(harness) if m.purpose == "initial"]
    assert (still.id, still.status, still.sequence) == (initial.id, "held", initial.sequence)

    inbox.received.clear()
    view = review_modal(harness, REVIEW_CHAIR, "review meeting move", case.channel_id)
    assert submit_panel(harness, REVIEW_CHAIR, answers("2027-01-14"), view.id) == {}
    sent = invitations(inbox)
    assert set(sent) == REVIEW_PANEL
    for message in sent.values():
        assert message["Subject"] == "Updated invitation: SCR-2026-001 Review panel meeting 1"
        event = only(parse_ical(calendar_of(message)[0]), "REQUEST")
        assert (event.uid, event.sequence) == (meeting.uid, 1)

    inbox.received.clear()
    harness.driver.slash_command(REVIEW_CHAIR, "review meeting cancel", channel_id=case.channel_id)
    harness.wait()
    [prompt] = [m for m in harness.standin.ephemerals_for(REVIEW_CHAIR) if "cancel the" in m.text]
    harness.driver.block_action(
        REVIEW_CHAIR, PanelAction.CANCEL.value, channel_id=prompt.channel, message_ts=prompt.ts
    )
    harness.wait()
    [meeting] = review_meetings(harness)
    assert meeting.status == "cancelled"
    sent = invitations(inbox)
    assert set(sent) == REVIEW_PANEL
    for message in sent.values():
        assert message["Subject"] == "Cancelled: SCR-2026-001 Review panel meeting 1"
        event = only(parse_ical(calendar_of(message)[0]), "CANCEL")
        assert (event.uid, event.sequence) == (meeting.uid, 2)
    for user in (REVIEW_CHAIR, *REVIEW_MEMBERS):
        assert any(
            "the review panel meeting 1 on Thu 14 Jan 10:00 is cancelled" in m.text
            for m in harness.standin.dms_to(user)
        )


@pytest.mark.postgres
def test_someone_neither_in_the_cpu_nor_chairing_the_review_is_refused(
    mail_harness, inbox, relay
) -> None:
    harness = mail_harness
    case = review_started(harness)

    harness.driver.slash_command("U0DPE", "review meeting schedule", channel_id=case.channel_id)
    harness.wait()

    assert "Only the CPU or the review panel's chair" in refusals(harness, "U0DPE")
    assert review_meetings(harness) == []
    view = review_modal(harness, ORGANISER, "review meeting schedule", case.channel_id)
    assert view.callback_id == PanelCallback.REVIEW_MEETING.value


def only(calendar, method: str):
    assert calendar.method == method
    [event] = calendar.events
    return event
