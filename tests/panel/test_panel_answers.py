"""Answers on the invitation DM: coming or not (RSVP), and no previous involvement, or a
declared one that the organiser hears about and the card shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import PanelAction, PanelBlock, PanelCallback
from storage.models import AuditEvent, PanelMember
from tests.flow_helpers import all_calls_text
from tests.panel.helpers import (
    CHAIR,
    ORGANISER,
    card_text,
    latest_dm,
    meetings,
    modals_opened,
    referred_case,
    schedule_panel,
    submit,
    values,
)
from tests.sealed import read_text

DECLARATION = "I was the social worker for the family's older child in 2024"


def click_dm(harness, user: str, action: PanelAction, *, value: str | None = None):
    dm = latest_dm(harness, user, action.value)
    harness.driver.block_action(user, action.value, value, channel_id=dm.channel, message_ts=dm.ts)
    harness.wait()
    return dm


def member(harness, user: str) -> PanelMember:
    with harness.runtime.db.session() as session:
        found = session.scalar(select(PanelMember).where(PanelMember.slack_user_id == user))
        assert found is not None
        return found


def refusals(harness) -> str:
    return " ".join(str(p.payload) for p in harness.standin.hook_posts)


def test_answers_to_the_invitation_show_on_the_card_and_the_dm(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    dm = click_dm(harness, "U0DPP", PanelAction.ACCEPT)
    click_dm(harness, "U0DPR", PanelAction.TENTATIVE)
    click_dm(harness, "U0DPC", PanelAction.DECLINE)

    assert member(harness, "U0DPP").partstat == "ACCEPTED"
    assert member(harness, "U0DPR").partstat == "TENTATIVE"
    assert member(harness, "U0DPC").partstat == "DECLINED"
    text = card_text(harness, case)
    assert "Coming: <@U0DPP> · maybe: <@U0DPR> · not coming: <@U0DPC>" in text
    assert "no answer yet: <@U0CPU2>, <@U0RLH>" in text
    redrawn = harness.standin.find_message(dm.channel, dm.ts)
    assert "*Your answer:* coming" in str(redrawn.blocks)


def test_a_repeated_click_has_one_effect(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    click_dm(harness, "U0DPP", PanelAction.ACCEPT)

    harness.driver.redeliver()
    harness.wait()

    with harness.runtime.db.session() as session:
        rsvps = session.scalars(select(AuditEvent).where(AuditEvent.action == "panel.rsvp")).all()
    assert len(rsvps) == 1


def test_a_forged_answer_for_someone_not_on_the_panel_changes_nothing(harness) -> None:
    """A signed click on another person's invitation, which Slack's client would not send."""
    case = referred_case(harness)
    schedule_panel(harness, case)
    [meeting] = meetings(harness)

    dm = latest_dm(harness, "U0DPP", PanelAction.ACCEPT.value)
    harness.driver.block_action(
        "U0DPE",
        PanelAction.ACCEPT.value,
        f"{meeting.id}:{meeting.sequence}",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()

    assert "not on this panel" in refusals(harness)
    [again] = meetings(harness)
    assert {m.partstat for m in again.members} == {"NEEDS-ACTION"}


def test_members_confirm_no_previous_involvement(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    for user in ("U0RLH", "U0DPP", "U0DPR", "U0DPC"):
        click_dm(harness, user, PanelAction.NO_INVOLVEMENT)

    assert member(harness, "U0DPP").involvement == "none"
    text = card_text(harness, case)
    assert "No previous involvement not yet confirmed by: <@U0CPU2>" in text
    assert "<@U0DPP>" not in text.split("not yet confirmed by:")[1]

    click_dm(harness, CHAIR, PanelAction.NO_INVOLVEMENT)
    assert "Everyone on the panel has confirmed no previous involvement." in card_text(
        harness, case
    )


@pytest.mark.postgres
def test_a_declared_involvement_is_kept_encrypted_and_surfaces_on_the_card(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    dm = click_dm(harness, "U0DPC", PanelAction.OPEN_DECLARE)
    assert len(modals_opened(harness, PanelCallback.DECLARE.value)) == 1
    view = harness.standin.open_view_for("U0DPC")
    answer = submit(
        harness, "U0DPC", values(**{PanelBlock.DECLARATION.value: DECLARATION}), view.id
    )

    assert answer == {}
    stored = member(harness, "U0DPC")
    assert stored.involvement == "declared"
    assert stored.declaration is not None
    assert read_text(harness.runtime, case.id, stored.declaration) == DECLARATION
    text = card_text(harness, case)
    assert "⚠ Declared previous involvement: <@U0DPC>" in text
    told = latest_dm(harness, ORGANISER, "declared previous involvement")
    assert "<@U0DPC>" in told.text
    assert PanelAction.OPEN_CHANGE.value in str(told.blocks)
    redrawn = harness.standin.find_message(dm.channel, dm.ts)
    assert "You declared a previous involvement" in str(redrawn.blocks)
    assert DECLARATION not in all_calls_text(harness)
    with harness.runtime.db.session() as session:
        details = str(
            [e.detail for e in session.scalars(select(AuditEvent)) if e.action.startswith("panel")]
        )
    assert DECLARATION not in details


def test_an_empty_declaration_is_refused_inline(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    click_dm(harness, "U0DPC", PanelAction.OPEN_DECLARE)
    view = harness.standin.open_view_for("U0DPC")

    answer = submit(harness, "U0DPC", values(**{PanelBlock.DECLARATION.value: "   "}), view.id)

    assert answer["response_action"] == "errors"
    assert PanelBlock.DECLARATION.value in answer["errors"]
    assert member(harness, "U0DPC").involvement == "unconfirmed"


def test_the_organiser_replaces_a_member_who_declared_involvement(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    click_dm(harness, "U0DPC", PanelAction.OPEN_DECLARE)
    view = harness.standin.open_view_for("U0DPC")
    submit(harness, "U0DPC", values(**{PanelBlock.DECLARATION.value: DECLARATION}), view.id)

    click_dm(harness, ORGANISER, PanelAction.OPEN_CHANGE)
    view = harness.standin.open_view_for(ORGANISER)
    answer = submit(
        harness,
        ORGANISER,
        values(**{PanelBlock.MEMBERS.value: ["U0RLH", "U0DPP", "U0DPR", "U0RLC"]}),
        view.id,
    )

    assert answer == {}
    text = card_text(harness, case)
    assert "Declared previous involvement" not in text
    assert "<@U0RLC>" in text
    latest_dm(harness, "U0RLC", PanelAction.ACCEPT.value)
    latest_dm(harness, "U0DPC", "no longer on the Initial Panel")
