"""Involved agencies: added and removed by the CPU or the Board business unit, from the
case channel or the case card; the added agency's people invited and told what to do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from storage.models import CaseAgency, CaseMember, Reminder, Task
from tests.first_month.helpers import (
    agency_on_card,
    audit_actions,
    briefing,
    card,
    card_text,
    channel_of,
    open_case,
    values,
)
from tests.flow_helpers import agency_id, body_json, cases, tampered_submission
from tests.sealed import read_text


def command(harness, user: str, text: str, channel: str | None = None) -> str:
    response = harness.driver.slash_command(
        user, text, channel_id=channel or channel_of(harness), channel_name="scr-2026-001"
    )
    harness.wait()
    assert response.status == 200
    return str(body_json(response).get("text", ""))


def agency_tasks(harness, name: str) -> dict[str, str]:
    with harness.runtime.db.session() as session:
        rows = session.scalars(
            select(Task).where(
                Task.case_id == cases(harness)[-1].id, Task.agency_id == agency_id(harness, name)
            )
        )
        return {t.kind: t.status for t in rows}


def involved(harness) -> set[int]:
    with harness.runtime.db.session() as session:
        return set(
            session.scalars(select(CaseAgency.agency_id).where(CaseAgency.removed_at.is_(None)))
        )


@pytest.mark.postgres
def test_the_cpu_adds_an_agency_whose_people_are_invited_and_briefed(harness) -> None:
    open_case(harness)
    channel = channel_of(harness)

    assert command(harness, "U0CPU1", "agency add Police") == "Police: added."

    assert agency_tasks(harness, "Police") == {
        "dp_notified": "open",
        "records_secured": "open",
        "chronology_submitted": "open",
        "synopsis_submitted": "open",
    }
    assert "U0DPP" in harness.standin.channels[channel].members
    with harness.runtime.db.session() as session:
        member = session.scalars(
            select(CaseMember).where(CaseMember.slack_user_id == "U0DPP")
        ).one()
    assert member.invited_at is not None
    for person in ("U0DPP", "U0RLP"):
        dm = briefing(harness, person)
        assert "SCR-2026-001: Police is involved" in dm.text
        assert "Secure all relevant records and case files now" in str(dm.blocks)
    said = [m.text for m in harness.standin.messages_in(channel)]
    assert any("Police is now involved (added by <@U0CPU1>)" in t for t in said)
    assert agency_on_card(harness, "Police")[:3] == [
        "*Police*",
        "notified: due Mon 30 Nov",
        "records secured: due Tue 1 Dec",
    ]
    assert "agency.added" in audit_actions(harness)


def test_a_multi_word_agency_in_any_case_and_a_repeat_changes_nothing(harness) -> None:
    open_case(harness)
    assert command(harness, "U0ADMIN", "agency add children's services") == (
        "Children's Services: added."
    )
    before = len(harness.standin.dms_to("U0DPC"))
    again = command(harness, "U0ADMIN", "agency add Children's Services")
    assert again == "Children's Services: already involved."
    assert len(harness.standin.dms_to("U0DPC")) == before == 1
    assert audit_actions(harness).count("agency.added") == 1


@pytest.mark.parametrize(
    ("user", "where", "refusal"),
    [
        ("U0DPH", "case", "Only the CPU or the Board business unit"),
        ("U0OUTSIDER", "dm", "Use this in the case channel"),
        ("U0CPU1", "dm", "Use this in the case channel"),
    ],
)
def test_others_cannot_change_the_agencies(harness, user, where, refusal) -> None:
    open_case(harness)
    channel = channel_of(harness) if where == "case" else harness.standin.im_with(user)
    before = involved(harness)
    assert refusal in command(harness, user, "agency add Police", channel)
    assert involved(harness) == before
    assert "U0DPP" not in harness.standin.channels[channel_of(harness)].members
    assert harness.standin.dms_to("U0DPP") == []


def test_an_unknown_agency_is_refused_with_the_partnerships_names(harness) -> None:
    open_case(harness)
    answer = command(harness, "U0CPU1", "agency add Fire Service")
    assert "I don't know that agency" in answer and "Probation" in answer


def test_an_admin_adds_an_agency_from_the_case_card(harness) -> None:
    open_case(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0ADMIN",
        FirstMonthAction.AGENCY_ADD.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view is not None and view.callback_id == FirstMonthCallback.AGENCY_ADD.value
    offered = str(view.blocks)
    assert "Probation" in offered and "'Health'" not in offered
    harness.driver.submit_view(
        "U0ADMIN", values({B.AGENCY.value: str(agency_id(harness, "Probation"))})
    )
    harness.wait()
    assert agency_id(harness, "Probation") in involved(harness)
    assert "U0DPR" in harness.standin.channels[channel_of(harness)].members


def test_a_forged_add_by_a_designated_person_is_refused_inline(harness) -> None:
    open_case(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0CPU1",
        FirstMonthAction.AGENCY_ADD.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0CPU1")
    forged = values({B.AGENCY.value: str(agency_id(harness, "Police"))})
    answer = body_json(tampered_submission(harness, "U0DPH", view.id, forged))
    assert "Only the CPU" in answer["errors"][B.AGENCY.value]
    assert agency_id(harness, "Police") not in involved(harness)


def test_removing_an_agency_closes_its_tasks_and_stops_its_reminders(harness) -> None:
    open_case(harness)
    command(harness, "U0CPU1", "agency add Police")
    police = agency_id(harness, "Police")

    answer = command(harness, "U0CPU2", "agency remove police no involvement with the family")
    assert answer == "Police: removed."

    assert set(agency_tasks(harness, "Police").values()) == {"waived"}
    with harness.runtime.db.session() as session:
        row = session.scalars(select(CaseAgency).where(CaseAgency.agency_id == police)).one()
        planned = session.scalars(
            select(Reminder)
            .join(Task, Task.id == Reminder.task_id)
            .where(Task.agency_id == police, Reminder.status == "planned")
        ).all()
    assert planned == []
    assert row.removal_reason is not None and b"family" not in row.removal_reason
    reason = read_text(harness.runtime, row.case_id, row.removal_reason)
    assert reason == "no involvement with the family"
    assert "Police ·" not in card_text(harness)
    assert "agency.removed" in audit_actions(harness)

    dm = briefing(harness, "U0DPP")
    harness.driver.block_action(
        "U0DPP",
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_records_secured",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    replies = [p.payload.get("text", "") for p in harness.standin.hook_posts if p.user == "U0DPP"]
    assert any("already recorded" in r or "belongs to someone else" in r for r in replies)


def test_removal_needs_a_reason_and_the_referring_agency_stays(harness) -> None:
    open_case(harness)
    command(harness, "U0CPU1", "agency add Police")
    assert "Please give a reason" in command(harness, "U0CPU1", "agency remove Police")
    assert "referred SCR-2026-001" in command(harness, "U0CPU1", "agency remove Health mistake")
    assert agency_tasks(harness, "Police")["records_secured"] == "open"
    assert agency_tasks(harness, "Health")["records_secured"] == "open"


def test_the_add_form_delivered_twice_adds_once(harness) -> None:
    open_case(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0CPU2",
        FirstMonthAction.AGENCY_ADD.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    harness.driver.submit_view(
        "U0CPU2", values({B.AGENCY.value: str(agency_id(harness, "Police"))})
    )
    harness.wait()
    harness.driver.redeliver()
    harness.wait()
    assert audit_actions(harness).count("agency.added") == 1
    assert len(briefing_dms(harness, "U0DPP")) == 1
    said = [m.text for m in harness.standin.messages_in(channel_of(harness))]
    assert len([t for t in said if "Police is now involved" in t]) == 1


def test_slack_failing_while_inviting_is_finished_by_repeating_the_command(harness) -> None:
    open_case(harness)
    channel = channel_of(harness)
    harness.standin.fail("conversations.invite", status=500, times=10)
    assert command(harness, "U0CPU1", "agency add Police") == "Police: added."
    assert agency_id(harness, "Police") in involved(harness)
    assert "U0DPP" not in harness.standin.channels[channel].members
    harness.standin.clear_faults()
    assert command(harness, "U0CPU1", "agency add Police") == "Police: already involved."
    assert "U0DPP" in harness.standin.channels[channel].members
    assert len(briefing_dms(harness, "U0DPP")) == 1


def briefing_dms(harness, user: str) -> list:
    return [m for m in harness.standin.dms_to(user) if "secure its records" in m.text]
