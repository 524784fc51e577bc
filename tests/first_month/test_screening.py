"""Free text typed in the first month is screened for the child's identifying details
before it is stored: refused inline, naming the field and the house style; a chronology CSV
is refused whole, by row number."""

from __future__ import annotations

import pytest

from bot.ids import FirstMonthAction
from bot.ids import FirstMonthBlock as B
from bot.services.first_month.schema import entry_block_id
from tests.first_month.helpers import (
    briefing,
    card,
    csv_bytes,
    entries,
    open_case,
    replies_to,
    share_file,
    task,
    values,
)
from tests.flow_helpers import all_calls_text, body_json

REGRESSION = "Jamie seen at 14 Larkspur Gardens, DOB 14.03.19"
HOUSE_STYLE = '"the child" or "Child A", "Mother"'


def click(harness, user: str, action: FirstMonthAction):
    message = briefing(harness, user)
    harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()


def entry(slot: int, event: str, worker: str = "Nurse Rao") -> dict:
    return {
        entry_block_id("entry_date", slot): "2026-03-02",
        entry_block_id("worker", slot): worker,
        entry_block_id("event", slot): event,
    }


@pytest.mark.postgres
@pytest.mark.parametrize(
    "event",
    [
        REGRESSION,
        "home visit; quillfeather family not in",
        "seen at Jamie's nursery",
        "born 14.03.19",
        "letter sent to OT49ZZ",
    ],
)
def test_a_chronology_entry_naming_the_child_is_refused_inline(harness, event) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    answers = {**entry(1, "Home visit"), **entry(2, event)}
    answer = body_json(harness.driver.submit_view("U0DPH", values(answers)))
    harness.wait()
    assert answer["response_action"] == "errors"
    [(block, message)] = answer["errors"].items()
    assert block == entry_block_id("event", 2)
    assert message.startswith("The event/action in entry 2 seems to name the child")
    assert HOUSE_STYLE in message
    assert entries(harness) == []


@pytest.mark.postgres
def test_ordinary_text_passes(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.CHRONOLOGY_ADD)
    answers = entry(1, "The panel may meet; the child and Mother seen by the health visitor")
    assert harness.driver.submit_view("U0DPH", values(answers)).status == 200
    harness.wait()
    assert len(entries(harness)) == 1


@pytest.mark.postgres
def test_a_chronology_csv_naming_the_child_is_refused_whole_with_its_rows(harness) -> None:
    open_case(harness)
    rows = [
        ("03.05.25", "Health", "Nurse Aditi Rao", "Home visit; growth checked", "yes", "no"),
        ("12/06/2025", "Health", "Dr K Okafor", "smallwood's partner present", "Y", ""),
        ("20.11.26", "Health", "Nurse Aditi Rao", "A&E attendance", "no", "n/a"),
        ("21.11.26", "Health", "Nurse Aditi Rao", REGRESSION, "no", "n/a"),
    ]
    share_file(harness, "U0DPH", csv_bytes(rows))
    assert entries(harness) == []
    [reply] = [r for r in replies_to(harness, "U0DPH") if "was not added" in r]
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    assert "Rows 3, 5 seem to name the child" in str(ephemeral.blocks)
    assert "Nothing from the file was stored" in str(ephemeral.blocks)
    assert "Larkspur" not in all_calls_text(harness)
    assert reply


@pytest.mark.postgres
def test_a_synopsis_naming_the_child_is_refused_inline(harness) -> None:
    open_case(harness)
    click(harness, "U0DPH", FirstMonthAction.SYNOPSIS)
    synopsis = "Health visiting from birth; Rowena's GP saw bruising."
    answer = body_json(harness.driver.submit_view("U0DPH", values({B.SYNOPSIS.value: synopsis})))
    harness.wait()
    assert answer["response_action"] == "errors"
    message = answer["errors"][B.SYNOPSIS.value]
    assert message.startswith("The synopsis seems to name the child") and HOUSE_STYLE in message
    assert task(harness, "synopsis_submitted", "Health").status == "open"


@pytest.mark.postgres
def test_a_first_month_note_naming_the_child_is_refused_inline(harness) -> None:
    open_case(harness)
    dm = briefing(harness, "U0DPH")
    harness.driver.block_action(
        "U0DPH",
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_records_secured",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    answers = {
        B.WHEN_DATE.value: "2026-11-27",
        B.SYSTEMS.value: "SystmOne record",
        B.NOTE.value: "the file is under the name QUILLFEATHER",
    }
    answer = body_json(harness.driver.submit_view("U0DPH", values(answers)))
    harness.wait()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [B.NOTE.value]
    assert HOUSE_STYLE in answer["errors"][B.NOTE.value]
    assert task(harness, "records_secured", "Health").status == "open"
    assert card(harness) is not None
