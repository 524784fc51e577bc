"""Nobody with previous direct involvement sits on the panel: it cannot be marked held until
every member has confirmed none, and the CPU can let someone sit all the same by recording an
exception with its reason (stored encrypted, screened for the child's details)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.ids import PanelAction, PanelBlock, PanelCallback
from storage.models import AuditEvent, PanelMember
from tests.flow_helpers import all_calls_text
from tests.panel.helpers import (
    CHAIR,
    ORGANISER,
    card_message,
    card_text,
    everyone_confirms_no_involvement,
    latest_dm,
    meetings,
    modals_opened,
    open_modal,
    referred_case,
    schedule_panel,
    submit,
    values,
)
from tests.sealed import read_text

LONDON = ZoneInfo("Europe/London")
REASON = "Only Probation officer able to attend; contact was a single routine report in 2024."
AFTER_THE_MEETING = datetime(2026, 12, 15, 12, 30, tzinfo=LONDON)


def refusals(harness) -> str:
    return " ".join(str(p.payload) for p in harness.standin.hook_posts)


def member(harness, user: str) -> PanelMember:
    with harness.runtime.db.session() as session:
        found = session.scalar(select(PanelMember).where(PanelMember.slack_user_id == user))
        assert found is not None
        return found


def declare(harness, user: str, text: str) -> None:
    dm = latest_dm(harness, user, PanelAction.OPEN_DECLARE.value)
    harness.driver.block_action(
        user, PanelAction.OPEN_DECLARE.value, channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()
    view = harness.standin.open_view_for(user)
    submit(harness, user, values(**{PanelBlock.DECLARATION.value: text}), view.id)


def exception_answers(user: str, reason: str) -> dict:
    return values(
        **{PanelBlock.EXCEPTION_MEMBER.value: user, PanelBlock.EXCEPTION_REASON.value: reason}
    )


def open_exception_from_card(harness, case, user: str) -> str:
    card = card_message(harness, case)
    harness.driver.block_action(
        user, PanelAction.OPEN_EXCEPTION.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None
    return view.id


def test_the_panel_is_not_marked_held_until_everyone_confirms(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    everyone_confirms_no_involvement(harness, ("U0RLH", "U0DPP", "U0DPR", CHAIR))
    harness.clock.set(AFTER_THE_MEETING)

    harness.driver.slash_command(ORGANISER, "panel held", channel_id=case.channel_id)
    harness.wait()

    assert modals_opened(harness, PanelCallback.HELD.value) == []
    said = refusals(harness)
    assert "Not everyone on the panel has confirmed no previous involvement: <@U0DPC>" in said
    assert "/scr panel exception" in said
    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"
    assert PanelAction.OPEN_EXCEPTION.value in card_text(harness, case)

    everyone_confirms_no_involvement(harness, ("U0DPC",))
    view_id = open_modal(harness, ORGANISER, "panel held", case.channel_id)
    assert (
        submit(harness, ORGANISER, values(**{PanelBlock.ATTENDANCE.value: [CHAIR]}), view_id) == {}
    )
    [meeting] = meetings(harness)
    assert meeting.status == "held"


@pytest.mark.postgres
def test_the_cpu_records_an_exception_for_a_member_who_declared_involvement(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    everyone_confirms_no_involvement(harness, ("U0RLH", "U0DPP", "U0DPC", CHAIR))
    declare(harness, "U0DPR", "I supervised the officer who wrote a report on the family.")
    harness.clock.set(AFTER_THE_MEETING)
    harness.driver.slash_command(ORGANISER, "panel held", channel_id=case.channel_id)
    harness.wait()
    assert "<@U0DPR>" in refusals(harness)

    view_id = open_exception_from_card(harness, case, "U0CPU2")
    [opened] = modals_opened(harness, PanelCallback.EXCEPTION.value)
    assert "<@U0DPR>" in str(opened.args["view"]["blocks"])
    answer = submit(harness, "U0CPU2", exception_answers("U0DPR", REASON), view_id)

    assert answer == {}
    stored = member(harness, "U0DPR")
    assert (stored.involvement, stored.excepted_by) == ("excepted", "U0CPU2")
    assert stored.exception_reason is not None
    assert read_text(harness.runtime, case.id, stored.exception_reason) == REASON
    assert REASON not in all_calls_text(harness)
    with harness.runtime.db.session() as session:
        [row] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "panel.involvement_excepted")
        )
    assert (row.actor, row.detail["member"]) == ("U0CPU2", "U0DPR")
    text = card_text(harness, case)
    assert "Exception recorded by the CPU (with its reason) for: <@U0DPR>" in text
    assert "Declared previous involvement" not in text
    assert PanelAction.OPEN_EXCEPTION.value not in text

    view_id = open_modal(harness, ORGANISER, "panel held", case.channel_id)
    submit(harness, ORGANISER, values(**{PanelBlock.ATTENDANCE.value: ["U0DPR"]}), view_id)
    [meeting] = meetings(harness)
    assert meeting.status == "held"


def test_only_the_cpu_records_an_exception(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command("U0ADMIN", "panel exception", channel_id=case.channel_id)
    harness.wait()
    assert "Only the CPU can record an exception" in refusals(harness)
    assert modals_opened(harness, PanelCallback.EXCEPTION.value) == []

    view_id = open_modal(harness, ORGANISER, "panel exception", case.channel_id)
    answer = harness.driver.submit_view(
        "U0ADMIN", exception_answers("U0DPR", REASON), view_id=view_id
    )
    harness.wait()
    assert member(harness, "U0DPR").involvement == "unconfirmed"
    assert answer.status == 200


def test_an_exception_needs_a_reason_that_does_not_name_the_child(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    everyone_confirms_no_involvement(harness, ("U0DPP",))
    view_id = open_modal(harness, ORGANISER, "panel exception", case.channel_id)

    empty = submit(harness, ORGANISER, exception_answers("U0DPR", "  "), view_id)
    naming = submit(harness, ORGANISER, exception_answers("U0DPR", "Knew Jamie at school"), view_id)
    confirmed = submit(harness, ORGANISER, exception_answers("U0DPP", REASON), view_id)
    outsider = submit(harness, ORGANISER, exception_answers("U0DPE", REASON), view_id)

    reason_block = PanelBlock.EXCEPTION_REASON.value
    member_block = PanelBlock.EXCEPTION_MEMBER.value
    assert empty["response_action"] == "errors" and reason_block in empty["errors"]
    assert "name the child" in naming["errors"][reason_block]
    assert "confirmed no previous involvement already" in confirmed["errors"][member_block]
    assert "not on this panel" in outsider["errors"][member_block]
    assert member(harness, "U0DPR").involvement == "unconfirmed"
    assert "Jamie" not in all_calls_text(harness)
