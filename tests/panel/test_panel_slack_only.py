"""People reached only in Slack (no e-mail address in their profile) get every `.ics` in
their DM, invitation, update and cancellation alike, and are named in every copy as an
ATTENDEE under a ``urn:uuid:`` address that cannot be mailed; messages promise a file only
when one follows."""

from __future__ import annotations

import json

from icalendar import Calendar

from bot.calendar.invites import no_mail_address
from bot.ids import PanelAction
from bot.testing.harness import Harness
from bot.testing.seed import PEOPLE
from tests.panel.helpers import (
    CHAIR,
    ICS_NAME,
    MEMBERS,
    ORGANISER,
    card_message,
    files_in,
    ics_files,
    latest_dm,
    open_modal,
    parse_ical,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)
from tests.panel.test_panel_find_time import propose

PANEL = (*MEMBERS, CHAIR)
NAMES = {p.user_id: p.name for p in PEOPLE}
EMAILS = {p.user_id: p.email for p in PEOPLE}
FOLLOWS = "The calendar invitation (.ics) follows."


def without_email(harness: Harness, *users: str) -> None:
    for user in users:
        harness.standin.add_user(user, NAMES[user], None)


def dm_files(harness: Harness, user: str) -> list:
    return files_in(harness, harness.standin.im_with(user))


def attendees(content: bytes) -> dict[str, dict[str, str]]:
    """Each ATTENDEE's address with its parameters, read by icalendar; the `ical` package
    reads the same addresses."""
    [event] = Calendar.from_ical(content).walk("VEVENT")
    found = event.get("ATTENDEE")
    listed = found if isinstance(found, list) else [found]
    by_icalendar = {str(a): {k: str(v) for k, v in a.params.items()} for a in listed}
    [by_ical] = parse_ical(content).events
    assert {a.uri for a in by_ical.attendees} == set(by_icalendar)
    return by_icalendar


def test_a_panel_with_no_email_addresses_gets_the_ics_in_every_dm(harness) -> None:
    without_email(harness, *PANEL)
    case = referred_case(harness)

    schedule_panel(harness, case)

    for user in PANEL:
        [file] = dm_files(harness, user)
        assert file.name == ICS_NAME
        assert parse_ical(file.content).method == "REQUEST"
        dm = latest_dm(harness, user, PanelAction.ACCEPT.value)
        assert FOLLOWS in json.dumps(dm.blocks)
    [shared] = files_in(harness, case.channel_id)
    listed = attendees(shared.content)
    assert set(listed) == {no_mail_address(u) for u in PANEL}
    for user in PANEL:
        params = listed[no_mail_address(user)]
        assert params["CN"] == NAMES[user]
        assert params["RSVP"] == "FALSE"
        assert params["PARTSTAT"] == "NEEDS-ACTION"
    assert listed[no_mail_address(CHAIR)]["ROLE"] == "CHAIR"
    [announcement] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "Initial Panel scheduled" in m.text
    ]
    assert "by DM; the calendar file follows" in json.dumps(announcement.blocks)


def test_a_slack_only_member_is_an_attendee_beside_those_with_email(harness) -> None:
    without_email(harness, "U0DPR")
    case = referred_case(harness)

    schedule_panel(harness, case)

    [file] = dm_files(harness, "U0DPR")
    listed = attendees(file.content)
    others = {f"mailto:{EMAILS[u]}" for u in PANEL if u != "U0DPR"}
    assert set(listed) == others | {no_mail_address("U0DPR")}
    for address in others:
        assert listed[address]["RSVP"] == "TRUE"
    assert listed[no_mail_address("U0DPR")]["RSVP"] == "FALSE"


def test_a_slack_answer_shows_in_the_next_revision_of_a_slack_only_member(harness) -> None:
    without_email(harness, "U0DPR")
    case = referred_case(harness)
    schedule_panel(harness, case)
    dm = latest_dm(harness, "U0DPR", PanelAction.ACCEPT.value)
    harness.driver.block_action(
        "U0DPR", PanelAction.ACCEPT.value, channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()

    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    submit(harness, ORGANISER, schedule_answers(panel_location="Room 5"), view_id)

    update = dm_files(harness, "U0DPR")[-1]
    assert parse_ical(update.content).events[0].sequence == 1
    assert attendees(update.content)[no_mail_address("U0DPR")]["PARTSTAT"] == "ACCEPTED"


def test_a_slack_only_member_taken_off_the_panel_gets_the_cancel_file(harness) -> None:
    without_email(harness, *PANEL)
    case = referred_case(harness)
    schedule_panel(harness, case)

    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    submit(
        harness,
        ORGANISER,
        schedule_answers(panel_members=[u for u in MEMBERS if u != "U0DPR"]),
        view_id,
    )

    files = dm_files(harness, "U0DPR")
    assert [parse_ical(f.content).method for f in files] == ["REQUEST", "CANCEL"]
    assert set(attendees(files[-1].content)) == {no_mail_address("U0DPR")}
    dm = latest_dm(harness, "U0DPR", "no longer on the Initial Panel")
    assert "cancellation (.ics) follows" in json.dumps(dm.blocks)
    for user in PANEL:
        if user != "U0DPR":
            update = dm_files(harness, user)[-1]
            assert parse_ical(update.content).method == "REQUEST"
            assert no_mail_address("U0DPR") not in attendees(update.content)


def test_a_cancelled_panel_sends_every_slack_only_member_the_cancel_file(harness) -> None:
    without_email(harness, *PANEL)
    case = referred_case(harness)
    schedule_panel(harness, case)
    card = card_message(harness, case)

    harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()

    for user in PANEL:
        files = dm_files(harness, user)
        assert [parse_ical(f.content).method for f in files] == ["REQUEST", "CANCEL"]
        dm = latest_dm(harness, user, "is cancelled")
        assert "cancellation (.ics) follows" in json.dumps(dm.blocks)


def test_cancelling_while_finding_a_time_promises_no_file(harness) -> None:
    case = referred_case(harness)
    propose(harness, case)
    card = card_message(harness, case)

    harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()

    assert ics_files(harness) == []
    for user in PANEL:
        dm = latest_dm(harness, user, "is cancelled")
        assert ".ics" not in json.dumps(dm.blocks)
        assert "follows" not in json.dumps(dm.blocks)
