"""Chronology entries, the agency's "complete" and its synopsis, by modal: the agency's own
people only, inline errors, each submission once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import ChronologyFlag, FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.services.first_month.schema import entry_block_id
from storage.models import AgencySynopsis
from tests.first_month.helpers import (
    audit_actions,
    briefing,
    card,
    card_text,
    channel_of,
    entries,
    open_case,
    task,
    values,
)
from tests.flow_helpers import all_calls_text, body_json, tampered_submission
from tests.sealed import read_text

SYNOPSIS = "Health visiting from birth; two missed appointments in 2026; GP saw bruising."


def click(harness, user: str, action: FirstMonthAction, *, on_card: bool = False):
    message = card(harness) if on_card else briefing(harness, user)
    harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()


def entry(slot: int, day: str, worker: str, event: str, flags: list[str] | None = None) -> dict:
    answers = {
        entry_block_id("entry_date", slot): day,
        entry_block_id("worker", slot): worker,
        entry_block_id("event", slot): event,
    }
    if flags is not None:
        answers[entry_block_id("flags", slot)] = flags
    return answers


@pytest.mark.postgres
def test_entries_by_modal_are_stored_once_and_counted_on_the_card(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    view = harness.standin.open_view_for("U0DPH")
    assert view is not None and view.callback_id == FirstMonthCallback.CHRONOLOGY_ENTRIES.value

    answers = {
        **entry(
            1, "2026-03-02", "Nurse Aditi Rao", "Home visit", [ChronologyFlag.CHILD_SEEN.value]
        ),
        **entry(2, "2025-12-01", "Dr K Okafor", "GP appointment"),
    }
    response = harness.driver.submit_view("U0DPH", values(answers))
    harness.wait()
    assert response.status == 200

    stored = entries(harness, "Health")
    assert [(e.entry_date.isoformat(), e.child_seen, e.wishes_sought) for e in stored] == [
        ("2026-03-02", True, False),
        ("2025-12-01", False, False),
    ]
    assert read_text(harness.runtime, stored[0].case_id, stored[0].worker) == "Nurse Aditi Rao"
    said = [m.text for m in harness.standin.messages_in(channel_of(harness))]
    assert any("2 entries added to Health's chronology by <@U0DPH> (2 in all)." in t for t in said)
    assert "2 entries · due Thu 24 Dec (deadline Sun 27 Dec)" in card_text(harness)

    harness.driver.redeliver()
    harness.wait()
    assert len(entries(harness)) == 2
    assert audit_actions(harness).count("chronology.accepted") == 1


def test_bad_entries_come_back_on_their_inputs_and_nothing_is_stored(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    answers = {
        **entry(1, "2026-03-02", "Nurse Rao", "Home visit"),
        **entry(2, "2026-11-28", "Dr Okafor", "GP appointment"),
        **entry(3, "2026-01-05", "", "Phone call"),
    }
    answer = body_json(harness.driver.submit_view("U0DPH", values(answers)))
    harness.wait()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        entry_block_id("entry_date", 2): "In the future.",
        entry_block_id("worker", 3): "Required.",
    }
    assert entries(harness) == []


def test_someone_acting_for_no_involved_agency_cannot_add_entries(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    view = harness.standin.open_view_for("U0DPH")
    for outsider in ("U0DPP", "U0CPU1", "U0OUTSIDER"):
        forged = tampered_submission(
            harness, outsider, view.id, values(entry(1, "2026-03-02", "Nurse Rao", "Visit"))
        )
        assert "submitted by the involved agencies" in str(body_json(forged)["errors"])
    assert entries(harness) == []

    click(harness, "U0CPU1", FirstMonthAction.CHRONOLOGY_ADD, on_card=True)
    replies = [p.payload.get("text", "") for p in harness.standin.hook_posts if p.user == "U0CPU1"]
    assert any("submitted by the involved agencies" in r for r in replies)


def test_the_chronology_is_marked_complete_once_it_has_entries(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_COMPLETE, on_card=True)
    answer = body_json(harness.driver.submit_view("U0DPH", {}))
    harness.wait()
    assert answer["response_action"] == "update"
    assert "no chronology entries yet" in str(answer["view"])
    assert task(harness, "chronology_submitted", "Health").status == "open"

    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    harness.driver.submit_view("U0DPH", values(entry(1, "2026-03-02", "Nurse Rao", "Visit")))
    harness.wait()
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_COMPLETE, on_card=True)
    view = harness.standin.open_view_for("U0DPH")
    assert "Health: 1 entry" in str(view.blocks)
    harness.driver.submit_view("U0DPH", {})
    harness.wait()
    done = task(harness, "chronology_submitted", "Health")
    assert (done.status, done.completed_by) == ("done", "U0DPH")
    said = [m.text for m in harness.standin.messages_in(channel_of(harness))]
    assert any("Health's chronology is complete (1 entry)" in t for t in said)


def test_the_synopsis_is_stored_encrypted_and_may_be_revised(harness) -> None:
    open_case(harness)
    click(harness, "U0RLH", FirstMonthAction.SYNOPSIS)
    harness.driver.submit_view("U0RLH", values({B.SYNOPSIS.value: SYNOPSIS}))
    harness.wait()
    done = task(harness, "synopsis_submitted", "Health")
    assert (done.status, done.completed_by) == ("done", "U0RLH")
    click(harness, "U0DPH", FirstMonthAction.SYNOPSIS)
    harness.driver.submit_view("U0DPH", values({B.SYNOPSIS.value: SYNOPSIS + " Revised."}))
    harness.wait()
    with harness.runtime.db.session() as session:
        row = session.scalars(select(AgencySynopsis)).one()
    assert row.revision == 2 and b"bruising" not in row.text
    assert read_text(harness.runtime, row.case_id, row.text).endswith("Revised.")
    assert "bruising" not in all_calls_text(harness)
    assert audit_actions(harness).count("synopsis.submitted") == 2
    # once for the synopsis; once for Health's notification of the CPU, which the referral was
    assert audit_actions(harness).count("task.done") == 2


def test_a_cpu_member_cannot_submit_a_synopsis(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.SYNOPSIS)
    view = harness.standin.open_view_for("U0DPH")
    forged = tampered_submission(harness, "U0CPU2", view.id, values({B.SYNOPSIS.value: SYNOPSIS}))
    assert "submitted by the involved agencies" in body_json(forged)["errors"][B.SYNOPSIS.value]
    assert task(harness, "synopsis_submitted", "Health").status == "open"
