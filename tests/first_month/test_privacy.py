"""The whole first month, with the child's name typed into every free-text answer: every
answer is refused (screened before it is stored), it never comes back in a Slack call or a
file name, and nothing typed is in the database."""

from __future__ import annotations

from bot.ids import FirstMonthAction
from bot.ids import FirstMonthBlock as B
from bot.services.first_month.schema import entry_block_id
from tests import dbutil
from tests.first_month.helpers import (
    briefing,
    card,
    channel_of,
    csv_bytes,
    entries,
    replies_to,
    share_file,
    task,
    values,
)
from tests.flow_helpers import all_calls_text, refer
from tests.referral.data import CHILD_NAME, IDENTIFYING

TYPED = f"Saw {CHILD_NAME} with mother"


def _form_from_dm(harness, user: str, kind: str, answers: dict) -> None:
    dm = briefing(harness, user)
    harness.driver.block_action(
        user,
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_{kind}",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    harness.driver.submit_view(user, values(answers))
    harness.wait()


def _from_card(harness, user: str, action: FirstMonthAction, answers: dict) -> None:
    message = card(harness)
    harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()
    harness.driver.submit_view(user, values(answers))
    harness.wait()


def test_nothing_typed_about_the_child_reaches_slack_or_the_database_file(
    harness, database
) -> None:
    refer(harness, user="U0RLH")  # so that the designated person confirms the notification
    channel = channel_of(harness)
    harness.driver.slash_command("U0CPU1", "agency add Police", channel_id=channel)
    harness.wait()
    harness.driver.slash_command("U0CPU1", f"agency remove Police {TYPED}", channel_id=channel)
    harness.wait()
    _form_from_dm(
        harness, "U0DPH", "dp_notified", {B.WHEN_DATE.value: "2026-11-27", B.BY_WHOM.value: TYPED}
    )
    _form_from_dm(
        harness,
        "U0DPH",
        "records_secured",
        {B.WHEN_DATE.value: "2026-11-27", B.SYSTEMS.value: TYPED, B.NOTE.value: TYPED},
    )
    _from_card(
        harness,
        "U0CPU1",
        FirstMonthAction.CP_PLAN,
        {B.CP_PLAN.value: "yes", B.NOTE.value: TYPED},
    )
    _from_card(harness, "U0DPH", FirstMonthAction.OTHER_CHILDREN, {B.OTHER_CHILDREN.value: TYPED})
    _from_card(
        harness, "U0CPU1", FirstMonthAction.ORGANISATIONS, {B.OTHER_ORGANISATIONS.value: TYPED}
    )
    _from_card(harness, "U0DPH", FirstMonthAction.SYNOPSIS, {B.SYNOPSIS.value: TYPED})
    _from_card(
        harness,
        "U0DPH",
        FirstMonthAction.CHRONOLOGY_ADD,
        {
            entry_block_id("entry_date", 1): "2026-11-20",
            entry_block_id("worker", 1): "Nurse Rao",
            entry_block_id("event", 1): TYPED,
        },
    )
    share_file(
        harness,
        "U0DPH",
        csv_bytes([("19.11.26", "Health", "Dr Okafor", TYPED, "yes", "")]),
        filename=f"{CHILD_NAME} chronology.csv",
    )
    share_file(
        harness,
        "U0DPH",
        csv_bytes([("19.11.28", "Health", CHILD_NAME, TYPED, "maybe", "")]),
    )
    harness.driver.slash_command("U0DPH", "chronology export", channel_id=channel)
    harness.wait()

    for kind in ("dp_notified", "records_secured", "synopsis_submitted"):
        assert task(harness, kind, "Health").status == "open"
    for kind in ("cpu_cp_plan_checked", "cpu_other_children_considered"):
        assert task(harness, kind).status == "open"
    assert entries(harness, "Health") == []
    assert any("was not added" in r for r in replies_to(harness, "U0DPH"))

    sent = all_calls_text(harness)
    for value in (*IDENTIFYING, TYPED):
        assert value not in sent
    for stored in harness.standin.files.values():
        if stored.user == harness.standin.bot_user_id:
            assert stored.name.startswith("scr-2026-001-")

    raw = dbutil.sqlite_file_bytes(database)
    assert b"SCR-2026-001" in raw
    for value in (*IDENTIFYING, TYPED, "Nurse Rao", "Dr Okafor"):
        assert value.encode() not in raw
