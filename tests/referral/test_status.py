"""`/scr status`: where a case stands, for its members only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.jobs.outbox import drain
from bot.services.cases.access import NOT_SHOWN, WHERE
from bot.services.cases.audit import events_for
from bot.views.format import moment
from tests.flow_helpers import body_json, cases, refer, refer_unopened
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import london, open_case


@pytest.mark.postgres
def test_scr_status_in_the_case_channel_and_by_reference(harness) -> None:
    case = open_case(harness)
    harness.clock.set(london(2026, 12, 1, 12))

    in_channel = body_json(
        harness.driver.slash_command(
            "U0CPU1", "status", channel_id=case.channel_id, channel_name="scr-2026-001"
        )
    )
    by_reference = body_json(harness.driver.slash_command("U0CPU1", "status scr-2026-001"))

    assert in_channel == by_reference
    assert in_channel["response_type"] == "ephemeral"
    assert in_channel["text"] == "SCR-2026-001 · Initial Panel stage"
    sections = [b["text"]["text"] for b in in_channel["blocks"] if b["type"] == "section"]
    assert sections[0].splitlines() == [
        "*Next deadlines*",
        "• Check for a child protection plan · *overdue* (due Mon 30 Nov)",
        "• Consider other children at risk · Health · *overdue* (due Mon 30 Nov)",
        "• Confirm the CPU has been notified · Health · *overdue* (due Mon 30 Nov)",
        "• Inform the other organisations · due Tue 1 Dec",
        "• Inform the Board Chair · due Tue 1 Dec",
    ]
    groups = [s.splitlines()[0] for s in sections[2:]]
    assert groups == ["*Health*", "*CPU*"]
    assert "• Submit the chronology · due Thu 24 Dec (deadline Sun 27 Dec)" in sections[2]
    with harness.runtime.db.session() as session:
        seen = [e for e in events_for(session, case.id) if e.action == "case.status_viewed"]
    assert [e.actor for e in seen] == ["U0CPU1", "U0CPU1"]


@pytest.mark.postgres
def test_status_refuses_non_members_without_revealing_whether_the_case_exists(harness) -> None:
    refer(harness)  # by Health's designated person: Health's review lead owns tasks only

    answers = [
        body_json(harness.driver.slash_command(user, text))
        for user, text in [
            ("U0DPP", "status SCR-2026-001"),  # a real case, not theirs
            ("U0DPP", "status SCR-2026-999"),  # no such case
            ("U0OUTSIDER", "status SCR-2026-001"),
            ("U0RLH", "status SCR-2026-001"),  # owns tasks there, but is not a member
        ]
    ]

    assert [a["text"] for a in answers] == [NOT_SHOWN] * 4
    assert all("blocks" not in a for a in answers)
    elsewhere = body_json(harness.driver.slash_command("U0DPH", "status"))
    assert elsewhere["text"] == WHERE
    assert cases(harness)[-1].reference == "SCR-2026-001"


def test_status_shows_a_referrer_their_referral_while_its_case_is_being_opened(
    harness,
) -> None:
    """Before its case is opened a referral has no reference to ask about: the referrer is
    shown it is recorded (or late, and being retried), and no one else is shown anything."""
    received_at = harness.clock.now()
    refer_unopened(harness)

    waiting = body_json(harness.driver.slash_command("U0DPH", "status"))

    assert waiting["response_type"] == "ephemeral"
    assert waiting["text"] == (
        f"Your referral of {moment(received_at)} is recorded and its case is being opened: "
        "its reference and private channel follow in a moment."
    )
    for value in IDENTIFYING:
        assert value not in waiting["text"]
    assert body_json(harness.driver.slash_command("U0DPP", "status"))["text"] == WHERE
    by_reference = body_json(harness.driver.slash_command("U0DPH", "status SCR-2026-001"))
    assert by_reference["text"] == NOT_SHOWN

    harness.clock.advance(timedelta(minutes=20))
    late = body_json(harness.driver.slash_command("U0DPH", "status"))["text"]
    assert "could not be opened yet" in late and "need not refer it again" in late

    drain(harness.runtime)
    [case] = cases(harness)
    assert body_json(harness.driver.slash_command("U0DPH", "status"))["text"] == WHERE
    opened = body_json(harness.driver.slash_command("U0DPH", f"status {case.reference}"))
    assert opened["text"].startswith(case.reference)
