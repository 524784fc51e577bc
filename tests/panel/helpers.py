"""Helpers for the Initial Panel tests: open and fill the panel modals as a person would,
and read back what reached Slack (the case card, DMs, `.ics` files)."""

from __future__ import annotations

import json
from typing import Any

from ical.calendar import Calendar as IcalCalendar
from ical.calendar_stream import CalendarStream
from sqlalchemy import select

from bot.ids import INPUT_ACTION, PanelAction, PanelBlock
from bot.testing.harness import Harness
from bot.testing.standin.models import StoredFile
from storage.models import Case, PanelMeeting
from tests.flow_helpers import body_json, cases, refer

ICS_NAME = "scr-2026-001-initial-panel.ics"
ORGANISER = "U0CPU1"
CHAIR = "U0CPU2"
MEMBERS = ("U0RLH", "U0DPP", "U0DPR", "U0DPC")


def referred_case(harness: Harness) -> Case:
    refer(harness)
    [case] = cases(harness)
    assert case.channel_id is not None
    return case


def values(**chosen: Any) -> dict[str, dict[str, Any]]:
    return {block: {INPUT_ACTION: value} for block, value in chosen.items()}


def schedule_answers(**overrides: Any) -> dict[str, dict[str, Any]]:
    answers: dict[str, Any] = {
        PanelBlock.DATE: "2026-12-15",
        PanelBlock.START: "10:00",
        PanelBlock.END: "12:00",
        PanelBlock.LOCATION: "Committee Room 2, Town Hall",
        PanelBlock.VIDEO: "https://meet.example.org/scr-panel",
        PanelBlock.MEMBERS: list(MEMBERS),
        PanelBlock.CHAIR: CHAIR,
    }
    answers.update({PanelBlock(k): v for k, v in overrides.items()})
    return values(**{k.value: v for k, v in answers.items() if v is not None})


def open_modal(harness: Harness, user: str, text: str, channel: str) -> str:
    harness.driver.slash_command(user, text, channel_id=channel)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None, f"/scr {text} opened no modal for {user}"
    return view.id


def submit(harness: Harness, user: str, answers: dict[str, dict[str, Any]], view_id: str) -> dict:
    response = harness.driver.submit_view(user, answers, view_id=view_id)
    harness.wait()
    assert response.status == 200
    return body_json(response)


def schedule_panel(
    harness: Harness,
    case: Case,
    user: str = ORGANISER,
    *,
    non_working_ok: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """Fill in and submit the schedule modal; with ``non_working_ok``, a date on a weekend or
    bank holiday is submitted a second time, as the modal then asks."""
    assert case.channel_id is not None
    view_id = open_modal(harness, user, "panel schedule", case.channel_id)
    answers = schedule_answers(**overrides)
    answer = submit(harness, user, answers, view_id)
    if non_working_ok:
        assert answer.get("response_action") == "update", answer
        answer = submit(harness, user, answers, view_id)
    return answer


def meetings(harness: Harness) -> list[PanelMeeting]:
    with harness.runtime.db.session() as session:
        found = list(session.scalars(select(PanelMeeting).order_by(PanelMeeting.id)))
        for meeting in found:
            _ = meeting.members
        return found


def card_text(harness: Harness, case: Case) -> str:
    assert case.channel_id is not None
    with harness.runtime.db.session() as session:
        ts = session.get(Case, case.id).card_ts  # type: ignore[union-attr]
    [card] = [m for m in harness.standin.messages_in(case.channel_id) if m.ts == ts]
    return json.dumps(card.blocks, ensure_ascii=False)


def card_message(harness: Harness, case: Case) -> Any:
    assert case.channel_id is not None
    with harness.runtime.db.session() as session:
        ts = session.get(Case, case.id).card_ts  # type: ignore[union-attr]
    return next(m for m in harness.standin.messages_in(case.channel_id) if m.ts == ts)


def ics_files(harness: Harness) -> list[StoredFile]:
    return [f for f in harness.standin.files.values() if f.name.endswith(".ics")]


def files_in(harness: Harness, channel: str) -> list[StoredFile]:
    return [f for f in ics_files(harness) if channel in f.channels]


def parse_ical(content: bytes) -> IcalCalendar:
    stream = CalendarStream.from_ics(content.decode("utf-8"))
    assert len(stream.calendars) == 1
    calendar: IcalCalendar = stream.calendars[0]
    return calendar


def latest_dm(harness: Harness, user: str, containing: str) -> Any:
    found = [
        m
        for m in harness.standin.dms_to(user)
        if containing in json.dumps(m.blocks, ensure_ascii=False)
    ]
    assert found, f"no DM to {user} mentions {containing!r}"
    return found[-1]


def modals_opened(harness: Harness, callback: str) -> list[Any]:
    return [
        c
        for c in harness.standin.calls_to("views.open")
        if c.args["view"]["callback_id"] == callback
    ]


def everyone_confirms_no_involvement(harness: Harness, people: tuple[str, ...] = ()) -> None:
    """Each member (and the chair) clicks Confirm no previous involvement on their invitation:
    the panel cannot be marked held until they have."""
    for user in people or (*MEMBERS, CHAIR):
        dm = latest_dm(harness, user, PanelAction.NO_INVOLVEMENT.value)
        harness.driver.block_action(
            user, PanelAction.NO_INVOLVEMENT.value, channel_id=dm.channel, message_ts=dm.ts
        )
        harness.wait()
