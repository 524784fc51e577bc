"""Set-up goes ahead when Slack will not add some people: guests and deactivated accounts
are left out, and the business unit is told who and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.ids import Job
from bot.jobs.outbox import drain
from bot.partnership_config import parse_partnership
from bot.testing.harness import Harness, start_harness
from bot.testing.seed import SEED_TOML
from tests.flow_helpers import body_json, cases, refer

GUEST, GONE = "U0GUEST", "U0GONE"


@pytest.fixture
def harness(standin, database, clock) -> Iterator[Harness]:
    toml = SEED_TOML.replace(
        'designated_persons = ["U0DPH"]', f'designated_persons = ["U0DPH", "{GUEST}", "{GONE}"]'
    )
    standin.add_user(GUEST, "Gail Guest (Health)", "gail@health.example")
    standin.make_guest(GUEST)
    standin.add_user(GONE, "Gus Gone (Health)", "gus@health.example")
    standin.deactivate_user(GONE)
    h = start_harness(standin, database, clock, partnership=parse_partnership(toml))
    yield h
    h.close()


def _business_unit_dms(harness: Harness) -> list[str]:
    return [m.text for m in harness.standin.dms_to("U0ADMIN") if "could not be added" in m.text]


def test_a_guest_and_a_deactivated_designated_person_do_not_stop_the_set_up(harness) -> None:
    standin = harness.standin

    answer = body_json(refer(harness))

    assert answer["response_action"] == "update"
    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert case.setup_attempts == 0 and case.setup_last_error is None
    channel = standin.channel_by_name("scr-2026-001")
    assert channel is not None
    assert {"U0DPH", "U0CPU1", "U0CPU2", "U0ADMIN"} <= channel.members
    assert not {GUEST, GONE} & channel.members
    assert standin.pins[channel.id] == [case.card_ts]
    for cpu in ("U0CPU1", "U0CPU2"):
        [dm] = standin.dms_to(cpu)
        assert "SCR-2026-001" in dm.text
    [briefing] = standin.dms_to("U0DPH")  # the referrer's briefing leads into the channel
    assert "SCR-2026-001: Health is involved" in briefing.text
    assert f"app_redirect?channel={channel.id}" in str(briefing.blocks)

    [told] = _business_unit_dms(harness)
    assert "SCR-2026-001" in told
    assert f"<@{GUEST}>: a guest account" in told
    assert f"<@{GONE}>: a deactivated account" in told
    assert "<@U0DPH>" not in told
    assert "Quillfeather" not in told and "Jamie" not in told


def test_a_single_channel_guest_and_someone_not_in_the_workspace_are_named_as_such(
    standin, database, clock
) -> None:
    toml = SEED_TOML.replace(
        'designated_persons = ["U0DPH"]', 'designated_persons = ["U0DPH", "U0SCG", "U0NOBODY"]'
    )
    standin.add_user("U0SCG", "Sid Single (Health)")
    standin.make_guest("U0SCG", single_channel=True)
    harness = start_harness(standin, database, clock, partnership=parse_partnership(toml))
    try:
        refer(harness)
        [case] = cases(harness)
        assert case.setup_status == "complete"
        [told] = _business_unit_dms(harness)
        assert "<@U0SCG>: a restricted account" in told
        assert "<@U0NOBODY>: not found in this workspace" in told
    finally:
        harness.close()


def test_a_retried_set_up_does_not_tell_the_business_unit_again(harness) -> None:
    harness.standin.fail("pins.add", status=500, times=100)
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "pending"
    assert len(_business_unit_dms(harness)) == 1

    invites_before = len(harness.standin.calls_to("conversations.invite"))

    harness.standin.clear_faults()
    harness.clock.advance(timedelta(minutes=2))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1

    retried = harness.standin.calls_to("conversations.invite")[invites_before:]
    assert retried and all(not call.ok for call in retried)  # the two are refused again
    assert len(_business_unit_dms(harness)) == 1
