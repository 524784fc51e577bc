"""Guarded case channels: someone added who is not on the case is removed and the business
unit told who added whom; a renamed channel gets its name back; a deactivated member is
taken out of their case channels, and so is someone the partnership file no longer names.
All audited, none of it naming the child."""

from __future__ import annotations

import json

import pytest

from bot.jobs.worker import tick
from bot.partnership_config import parse_partnership
from bot.services.cases.access import sync_partnership
from bot.services.cases.audit import events_for
from bot.testing.seed import SEED_TOML
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import open_case


def actions(harness, case_id):
    with harness.runtime.db.session() as session:
        return [(e.action, e.actor, e.detail) for e in events_for(session, case_id)]


@pytest.mark.postgres
def test_someone_added_who_is_not_on_the_case_is_removed_and_the_business_unit_told(harness):
    case = open_case(harness)
    channel = case.channel_id
    assert "U0DPH" in harness.standin.channels[channel].members
    before = len(harness.standin.dms_to("U0ADMIN"))
    other = harness.standin.add_channel("coffee", members=["U0DPH"])
    harness.driver.member_added("U0DPH", "U0CPU1", channel)  # on the case: stays
    harness.driver.member_added("U0DPH", "U0OUTSIDER", other)  # not a case channel
    harness.driver.event(  # the bot itself
        {"type": "member_joined_channel", "user": harness.standin.bot_user_id, "channel": channel}
    )
    harness.wait()
    assert harness.standin.calls_to("conversations.kick") == []
    assert len(harness.standin.dms_to("U0ADMIN")) == before
    assert "U0OUTSIDER" in harness.standin.channels[other].members

    harness.driver.member_added("U0DPH", "U0OUTSIDER", channel)
    harness.wait()

    assert "U0OUTSIDER" not in harness.standin.channels[channel].members
    [kick] = harness.standin.calls_to("conversations.kick")
    assert (kick.args["channel"], kick.args["user"]) == (channel, "U0OUTSIDER")
    [told] = harness.standin.dms_to("U0ADMIN")[before:]
    assert told.text == (
        f"SCR-2026-001: <@U0DPH> added <@U0OUTSIDER> to <#{channel}>, but they are not on the "
        "case, so the bot removed them. People join a case through the bot (agencies, panel, "
        "review)."
    )
    said = told.text + json.dumps(told.blocks)
    assert not [value for value in IDENTIFYING if value in said]
    removed = [a for a in actions(harness, case.id) if a[0] == "case.channel_intruder_removed"]
    assert removed == [
        (
            "case.channel_intruder_removed",
            "U0DPH",
            {"channel": channel, "user": "U0OUTSIDER", "inviter": "U0DPH"},
        )
    ]


@pytest.mark.postgres
def test_a_renamed_case_channel_is_renamed_back(harness):
    case = open_case(harness)
    channel = case.channel_id

    harness.driver.channel_renamed("U0DPH", channel, "jamie-quillfeather")
    harness.wait()

    assert harness.standin.channels[channel].name == "scr-2026-001"
    [renamed] = harness.standin.calls_to("conversations.rename")
    assert renamed.args["name"] == "scr-2026-001"
    audited = [a for a in actions(harness, case.id) if a[0] == "case.channel_renamed_back"]
    assert audited == [("case.channel_renamed_back", "slack", {"channel": channel})]
    assert "quillfeather" not in json.dumps([a[2] for a in actions(harness, case.id)]).lower()

    harness.driver.event(  # Slack's event for the bot's own rename back: nothing to do
        {"type": "group_rename", "channel": {"id": channel, "name": "scr-2026-001", "created": 1}}
    )
    harness.wait()
    assert len(harness.standin.calls_to("conversations.rename")) == 1


@pytest.mark.postgres
def test_a_deactivated_member_is_taken_out_of_their_open_case_channels(harness):
    case = open_case(harness)
    channel = case.channel_id
    assert "U0CPU1" in harness.standin.channels[channel].members

    harness.standin.deactivate_user("U0CPU1")
    harness.driver.event(
        {"type": "user_change", "user": {"id": "U0CPU1", "deleted": True, "is_bot": False}}
    )
    harness.wait()

    assert "U0CPU1" not in harness.standin.channels[channel].members
    [kick] = harness.standin.calls_to("conversations.kick")
    assert (kick.args["channel"], kick.args["user"]) == (channel, "U0CPU1")


@pytest.mark.postgres
def test_someone_taken_out_of_the_partnership_file_leaves_their_case_channels(harness):
    case = open_case(harness)
    channel = case.channel_id
    assert {"U0CPU1", "U0CPU2"} <= harness.standin.channels[channel].members
    without_cpu1 = SEED_TOML.replace('cpu = ["U0CPU1", "U0CPU2"]', 'cpu = ["U0CPU2"]')
    with harness.runtime.db.session() as session:  # what a restart with the new file does
        sync_partnership(session, parse_partnership(without_cpu1))

    report = tick(harness.runtime)
    tick(harness.runtime)

    assert report.partnership_leavers == 1
    members = harness.standin.channels[channel].members
    assert "U0CPU1" not in members and "U0CPU2" in members
    [kick] = harness.standin.calls_to("conversations.kick")
    assert (kick.args["channel"], kick.args["user"]) == (channel, "U0CPU1")
    left = [a for a in actions(harness, case.id) if a[0] == "case.member_left_partnership"]
    assert left == [
        ("case.member_left_partnership", "partnership", {"channel": channel, "user": "U0CPU1"})
    ]

    harness.driver.member_added("U0DPH", "U0CPU1", channel)  # no longer on the case
    harness.wait()
    assert "U0CPU1" not in harness.standin.channels[channel].members
