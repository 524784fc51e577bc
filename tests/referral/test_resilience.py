"""Nothing lost, nothing doubled: Slack failing mid-set-up, duplicates, concurrent referrals."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.gateway import SIDE_BY_SIDE
from bot.ids import Job
from bot.jobs.outbox import drain
from bot.testing.harness import make_settings, start_harness
from tests.flow_helpers import (
    agency_id,
    body_json,
    cases,
    open_referral_modal,
    refer,
    set_up_dms,
)
from tests.referral.data import referral_values
from tests.socket_mode.conditions import until

SETUP_STEPS = ["conversations.create", "conversations.invite", "chat.postMessage", "pins.add"]


@pytest.mark.postgres
@pytest.mark.parametrize("method", SETUP_STEPS)
def test_slack_failing_at_a_step_then_recovering_loses_and_doubles_nothing(harness, method) -> None:
    standin = harness.standin
    standin.fail(method, status=500, times=100)

    response = refer(harness)

    assert body_json(response)["response_action"] == "update"
    [case] = cases(harness)
    assert case.setup_status == "pending"
    assert case.setup_last_error is not None
    # a channel made is on record with the postponement: the retry need not look for it
    assert (case.channel_id is None) == (method == "conversations.create")
    if method != "chat.postMessage":
        [notice] = standin.dms_to("U0DPH")
        assert "SCR-2026-001 is recorded" in notice.text

    standin.clear_faults()
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 0
    harness.clock.advance(timedelta(minutes=2))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"

    created = [c for c in standin.calls_to("conversations.create") if c.ok]
    assert len(created) == 1
    assert standin.calls_to("users.conversations") == []
    channel = standin.channel_by_name("scr-2026-001")
    assert channel is not None
    cards = [m for m in standin.messages_in(channel.id) if m.user == standin.bot_user_id]
    assert len(cards) == 1
    assert standin.pins[channel.id] == [case.card_ts]
    for cpu in ("U0CPU1", "U0CPU2"):
        assert len(standin.dms_to(cpu)) == 1
    assert {"U0DPH", "U0CPU1", "U0CPU2", "U0ADMIN"} <= channel.members


def test_a_rate_limit_is_waited_out_as_slack_asks(harness) -> None:
    harness.standin.fail("conversations.create", status=429, retry_after=1, times=1)
    refer(harness)
    attempts = harness.standin.calls_to("conversations.create")
    assert [c.ok for c in attempts] == [False, True]
    assert attempts[1].at - attempts[0].at >= 1.0
    [case] = cases(harness)
    assert case.setup_status == "complete"


def test_a_taken_channel_name_moves_to_the_next_free_one(harness) -> None:
    harness.standin.add_channel("scr-2026-001", is_private=True)
    refer(harness)
    [case] = cases(harness)
    assert case.channel_name == "scr-2026-001-2"


@pytest.mark.postgres
def test_two_referrals_at_once_get_distinct_references(harness) -> None:
    health = agency_id(harness, "Health")
    views = [open_referral_modal(harness, "U0DPH"), open_referral_modal(harness, "U0CPU1")]
    users = ["U0DPH", "U0CPU1"]
    barrier = threading.Barrier(2)
    responses = []

    def submit(i: int) -> None:
        barrier.wait()
        responses.append(
            harness.driver.submit_view(users[i], referral_values(health), view_id=views[i])
        )

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    harness.wait()
    assert sorted(c.reference for c in cases(harness)) == ["SCR-2026-001", "SCR-2026-002"]
    assert all(body_json(r)["response_action"] == "update" for r in responses)
    names = sorted(c.args["name"] for c in harness.standin.calls_to("conversations.create"))
    assert names == ["scr-2026-001", "scr-2026-002"]


def test_the_same_submission_twice_at_once_opens_one_case(harness) -> None:
    health = agency_id(harness, "Health")
    view = open_referral_modal(harness)
    barrier = threading.Barrier(2)

    def submit() -> None:
        barrier.wait()
        harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    harness.wait()
    assert len(cases(harness)) == 1
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_ack_comes_well_within_three_seconds_when_slack_is_slow(harness) -> None:
    harness.standin.slow("*", 2.0)
    started = time.monotonic()
    response = harness.driver.slash_command("U0DPH", "refer")
    slash_ack = time.monotonic() - started
    assert response.status == 200
    harness.wait()
    view = harness.standin.open_view_for("U0DPH")
    assert view is not None, "views.open must still use the trigger within its 3 seconds"

    started = time.monotonic()
    response = harness.driver.submit_view(
        "U0DPH", referral_values(agency_id(harness, "Health")), view_id=view.id
    )
    submit_ack = time.monotonic() - started
    assert body_json(response)["response_action"] == "update"
    assert slash_ack < 1.0
    assert submit_ack < 1.0
    harness.wait(timeout=60)
    [case] = cases(harness)
    assert case.setup_status == "complete"


def test_a_create_that_timed_out_after_slack_acted_is_adopted_not_repeated(
    standin, database, clock
) -> None:
    """The worst case of "times out": Slack made the channel but the answer never came."""
    settings = make_settings(
        standin, database.engine.url.render_as_string(hide_password=False), SCR_SLACK_TIMEOUT=1
    )
    harness = start_harness(standin, database, clock, settings=settings)
    try:
        standin.slow("conversations.create", 1.5)
        refer(harness)
        [case] = cases(harness)
        assert case.setup_status == "pending"
        finished = time.monotonic() + 5
        while standin.channel_by_name("scr-2026-001") is None and time.monotonic() < finished:
            time.sleep(0.05)  # the stand-in finishes the call the bot stopped waiting for
        assert standin.channel_by_name("scr-2026-001") is not None

        standin.clear_faults()
        clock.advance(timedelta(minutes=2))
        assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1
        [case] = cases(harness)
        assert case.channel_name == "scr-2026-001"
        assert case.channel_id == standin.channel_by_name("scr-2026-001").id
        assert [c.name for c in standin.channels.values() if c.name.startswith("scr-")] == [
            "scr-2026-001"
        ]
        assert len(standin.pins[case.channel_id]) == 1
    finally:
        harness.close()


def _card_posted_pin_refused(harness) -> None:
    """A referral whose set-up posted its card and was put off as Slack refused the pin."""
    harness.standin.fail("pins.add", status=500, times=100)
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "pending" and case.card_ts is not None
    harness.standin.clear_faults()
    harness.clock.advance(timedelta(minutes=2))


def _set_up_dms(harness) -> Counter[str]:
    """Who has the set-up's DMs, each counted."""
    return Counter(person for _, person, _ in set_up_dms(harness.standin))


def test_a_set_ups_dms_go_side_by_side_after_its_card(harness) -> None:
    """Against Slack's round trips, the CPU, the agencies and the referrer are told in one
    post's time, not one post each; each is told once."""
    _card_posted_pin_refused(harness)
    standin = harness.standin
    standin.hold("chat.postMessage")
    done: list[int] = []
    draining = threading.Thread(
        target=lambda: done.append(drain(harness.runtime).completed(Job.CASE_SETUP))
    )
    draining.start()
    until(lambda: standin.held("chat.postMessage") == SIDE_BY_SIDE, what="four DMs in flight")
    assert standin.pins[cases(harness)[0].channel_id or ""] == [cases(harness)[0].card_ts]
    standin.release("chat.postMessage")
    draining.join(timeout=30)

    assert done == [1]
    told = _set_up_dms(harness)
    assert len(told) == SIDE_BY_SIDE and set(told.values()) == {1}
    assert set(told) == {"U0CPU1", "U0CPU2", "U0DPH", "U0RLH"}  # CPU, and Health's briefings


def test_a_dm_slack_fails_among_those_side_by_side_goes_at_the_retry_alone(harness) -> None:
    """The DMs that went while another failed are on record: the retry sends the one that
    failed, and nobody is told twice."""
    _card_posted_pin_refused(harness)
    standin = harness.standin
    standin.fail("chat.postMessage", status=503, channel="U0CPU2", times=3)  # and its retries

    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 0
    told = _set_up_dms(harness)
    assert "U0CPU2" not in told and "U0CPU1" in told
    assert set(told.values()) == {1}
    posted = len([c for c in standin.calls_to("chat.postMessage") if c.ok])

    harness.clock.advance(timedelta(minutes=5))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    assert [c.args["channel"] for c in standin.calls_to("chat.postMessage") if c.ok][posted:] == [
        "U0CPU2"
    ]
    assert _set_up_dms(harness) == Counter({**told, "U0CPU2": 1})
    [case] = cases(harness)
    assert case.setup_status == "complete"
