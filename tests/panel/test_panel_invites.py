"""Every `.ics` the bot shares, read back with a second, independent parser (`ical`) and
held to RFC 5546's required properties for REQUEST and CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical.calendar import Calendar as IcalCalendar

from bot.ids import PanelAction
from bot.testing.seed import PEOPLE
from tests.flow_helpers import cases, refer
from tests.panel.helpers import (
    CHAIR,
    ICS_NAME,
    MEMBERS,
    ORGANISER,
    card_message,
    files_in,
    ics_files,
    latest_dm,
    meetings,
    open_modal,
    parse_ical,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)
from tests.referral.data import IDENTIFYING

LONDON = ZoneInfo("Europe/London")
EMAILS = {p.user_id: p.email for p in PEOPLE}


def only_event(calendar: IcalCalendar):
    [event] = calendar.events
    return event


def assert_request(content: bytes) -> None:
    """RFC 5546 3.2.2: METHOD:REQUEST with ATTENDEE, DTSTAMP, DTSTART, ORGANIZER, SEQUENCE,
    SUMMARY and UID; a TZID refers to a VTIMEZONE in the same object (RFC 5545 3.2.19)."""
    text = content.decode()
    calendar = parse_ical(content)
    assert calendar.method == "REQUEST"
    assert calendar.prodid and calendar.version == "2.0"
    event = only_event(calendar)
    assert event.uid and event.dtstamp and event.dtstart and event.dtend
    assert event.organizer is not None and event.organizer.uri.startswith("mailto:")
    assert event.attendees
    assert event.sequence is not None
    assert event.summary
    assert event.status == "CONFIRMED"
    assert "DTSTART;TZID=Europe/London:" in text
    assert "DTEND;TZID=Europe/London:" in text
    assert [tz.tz_id for tz in calendar.timezones] == ["Europe/London"]
    for attendee in event.attendees:
        assert attendee.rsvp is True
        assert attendee.role in ("CHAIR", "REQ-PARTICIPANT")


def assert_cancel(content: bytes, *, whole_panel: bool = True) -> None:
    """RFC 5546 3.2.5: METHOD:CANCEL with ATTENDEE, DTSTAMP, ORGANIZER, SEQUENCE and UID;
    STATUS:CANCELLED when the panel is cancelled, and no STATUS when some attendees are
    taken off a panel that still meets."""
    calendar = parse_ical(content)
    assert calendar.method == "CANCEL"
    event = only_event(calendar)
    assert event.uid and event.dtstamp
    assert event.organizer is not None
    assert event.attendees
    assert event.sequence is not None and event.sequence > 0
    assert event.status == ("CANCELLED" if whole_panel else None)


def change_panel(harness, case, *, non_working_ok=False, **overrides):
    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    answer = submit(harness, ORGANISER, schedule_answers(**overrides), view_id)
    if non_working_ok:  # a weekend date is asked about first, booked when submitted again
        assert answer["response_action"] == "update"
        answer = submit(harness, ORGANISER, schedule_answers(**overrides), view_id)
    return answer


def test_the_invitation_is_a_valid_request_naming_the_case_reference_only(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    files = ics_files(harness)
    assert len(files) == 1 + len(MEMBERS) + 1  # the channel, each member, the chair
    [meeting] = meetings(harness)
    for file in files:
        assert file.name == ICS_NAME
        assert_request(file.content)
        event = only_event(parse_ical(file.content))
        assert event.uid == meeting.uid
        assert event.sequence == 0
        assert event.summary == "SCR-2026-001: Initial SCR Panel"
        assert "SCR-2026-001" in (event.description or "")
        assert event.location == "Committee Room 2, Town Hall"
        assert event.url == "https://meet.example.org/scr-panel"
        text = file.content.decode()
        for value in IDENTIFYING:
            assert value not in text


def test_attendees_come_from_slack_profiles_with_roles_and_needs_action(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    [file] = files_in(harness, case.channel_id)
    event = only_event(parse_ical(file.content))
    attendees = {a.uri: a for a in event.attendees}
    assert set(attendees) == {f"mailto:{EMAILS[u]}" for u in (*MEMBERS, CHAIR)}
    assert attendees[f"mailto:{EMAILS[CHAIR]}"].role == "CHAIR"
    assert attendees[f"mailto:{EMAILS['U0DPP']}"].common_name == "DS Rao (Police DP)"
    assert {a.status for a in event.attendees} == {"NEEDS-ACTION"}
    assert event.organizer is not None
    assert event.organizer.uri == f"mailto:{EMAILS[ORGANISER]}"


@pytest.mark.postgres
def test_a_reschedule_keeps_the_uid_and_raises_the_sequence(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    [first] = files_in(harness, case.channel_id)

    answer = change_panel(
        harness, case, panel_date="2026-12-16", panel_start="14:00", panel_end="16:00"
    )

    assert answer == {}
    first_event = only_event(parse_ical(first.content))
    updates = [f for f in files_in(harness, case.channel_id) if f.id != first.id]
    [update] = updates
    assert_request(update.content)
    moved = only_event(parse_ical(update.content))
    assert moved.uid == first_event.uid
    assert (first_event.sequence, moved.sequence) == (0, 1)
    assert moved.dtstart.astimezone(UTC) == datetime(2026, 12, 16, 14, tzinfo=UTC)
    for user in (*MEMBERS, CHAIR):
        dm_files = files_in(harness, harness.standin.im_with(user))
        assert [only_event(parse_ical(f.content)).sequence for f in dm_files] == [0, 1]


def test_a_cancellation_is_a_valid_cancel_for_everyone(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    [meeting] = meetings(harness)
    card = card_message(harness, case)

    harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()

    cancels = [f for f in ics_files(harness) if parse_ical(f.content).method == "CANCEL"]
    assert len(cancels) == 1 + len(MEMBERS) + 1
    for file in cancels:
        assert file.name == ICS_NAME
        assert_cancel(file.content)
        event = only_event(parse_ical(file.content))
        assert event.uid == meeting.uid
        assert event.sequence == 1
        assert {a.uri for a in event.attendees} == {
            f"mailto:{EMAILS[u]}" for u in (*MEMBERS, CHAIR)
        }


def test_someone_taken_off_the_panel_gets_a_cancel_naming_only_them(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    change_panel(harness, case, panel_members=[u for u in MEMBERS if u != "U0DPR"])

    dm_files = files_in(harness, harness.standin.im_with("U0DPR"))
    methods = [parse_ical(f.content).method for f in dm_files]
    assert methods == ["REQUEST", "CANCEL"]
    cancel = dm_files[-1]
    assert_cancel(cancel.content, whole_panel=False)
    event = only_event(parse_ical(cancel.content))
    assert [a.uri for a in event.attendees] == [f"mailto:{EMAILS['U0DPR']}"]
    assert event.sequence == 1
    latest_dm(harness, "U0DPR", "no longer on the Initial Panel")
    [update] = [
        f
        for f in files_in(harness, case.channel_id)
        if only_event(parse_ical(f.content)).sequence == 1
    ]
    remaining = {a.uri for a in only_event(parse_ical(update.content)).attendees}
    assert f"mailto:{EMAILS['U0DPR']}" not in remaining


def test_times_are_right_across_the_clock_change(harness) -> None:
    """A panel on Sunday 25 October 2026, the day British Summer Time ends."""
    harness.clock.set(datetime(2026, 10, 1, 10, tzinfo=LONDON))
    refer(harness, referral_date="2026-10-01", incident_date="2026-09-28")
    [case] = cases(harness)
    schedule_panel(
        harness,
        case,
        non_working_ok=True,
        panel_date="2026-10-25",
        panel_start="10:00",
        panel_end="12:00",
    )

    [gmt] = files_in(harness, case.channel_id)
    assert_request(gmt.content)
    assert "DTSTART;TZID=Europe/London:20261025T100000" in gmt.content.decode()
    event = only_event(parse_ical(gmt.content))
    assert event.dtstart.astimezone(UTC) == datetime(2026, 10, 25, 10, tzinfo=UTC)
    assert event.dtend.astimezone(UTC) == datetime(2026, 10, 25, 12, tzinfo=UTC)
    [meeting] = meetings(harness)
    assert meeting.start_at == datetime(2026, 10, 25, 10, tzinfo=UTC)
    dm = latest_dm(harness, "U0DPP", PanelAction.ACCEPT.value)
    assert "Sun 25 Oct 2026, 10:00–12:00" in dm.text

    change_panel(
        harness,
        case,
        non_working_ok=True,
        panel_date="2026-10-24",
        panel_start="10:00",
        panel_end="12:00",
    )
    [bst] = [f for f in files_in(harness, case.channel_id) if f.id != gmt.id]
    moved = only_event(parse_ical(bst.content))
    assert moved.dtstart.astimezone(UTC) == datetime(2026, 10, 24, 9, tzinfo=UTC)
    assert moved.dtstart.astimezone(UTC) - event.dtstart.astimezone(UTC) == timedelta(hours=-25)
