"""Slack failing part-way through sending the invitations: the rest goes out on the
worker's next tick, and nobody gets anything twice."""

from __future__ import annotations

from datetime import timedelta

from bot.ids import PanelAction
from bot.jobs.worker import tick
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    files_in,
    meetings,
    referred_case,
    schedule_panel,
)


def invitations_to(harness, user: str) -> int:
    return sum(PanelAction.ACCEPT.value in str(m.blocks) for m in harness.standin.dms_to(user))


def test_a_failed_upload_is_finished_by_the_worker_once(harness) -> None:
    case = referred_case(harness)
    harness.standin.fail("files.completeUploadExternal", status=500, times=3)

    answer = schedule_panel(harness, case)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"
    assert meeting.distributed_seq is None
    assert files_in(harness, case.channel_id) == []
    assert all(invitations_to(harness, u) == 0 for u in (*MEMBERS, CHAIR))

    harness.clock.advance(timedelta(minutes=2))
    tick(harness.runtime)
    tick(harness.runtime)

    assert len(files_in(harness, case.channel_id)) == 1
    for user in (*MEMBERS, CHAIR):
        assert invitations_to(harness, user) == 1
        assert len(files_in(harness, harness.standin.im_with(user))) == 1
    announcements = [
        m for m in harness.standin.messages_in(case.channel_id) if "Panel scheduled" in m.text
    ]
    assert len(announcements) == 1
    [meeting] = meetings(harness)
    assert meeting.distributed_seq == 0
