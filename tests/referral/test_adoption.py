"""A post whose answer was lost after Slack posted it is adopted, never posted twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.flows.cases import refresh_card
from bot.gateway import POST_ONCE_EVENT
from bot.ids import Job
from bot.jobs.outbox import drain
from bot.testing.harness import Harness, make_settings, start_harness
from tests.flow_helpers import cases, refer

TIMEOUT = 1
LATE = 1.5
"""The stand-in answers this long after acting: past the bot's timeout."""


@pytest.fixture
def slow_harness(standin, database, clock) -> Iterator[Harness]:
    settings = make_settings(
        standin,
        database.engine.url.render_as_string(hide_password=False),
        SCR_SLACK_TIMEOUT=TIMEOUT,
    )
    standin.set_wall_clock(lambda: clock.now().timestamp())
    harness = start_harness(standin, database, clock, settings=settings)
    try:
        yield harness
    finally:
        harness.close()


def resume(harness: Harness) -> None:
    """Slack answers in time again, and the worker's next try comes round."""
    harness.standin.clear_faults()
    harness.clock.advance(timedelta(hours=1))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1


def test_a_card_post_that_timed_out_after_slack_posted_is_adopted_pinned_and_updated(
    slow_harness,
) -> None:
    harness, standin = slow_harness, slow_harness.standin
    standin.slow("chat.postMessage", LATE, after_acting=True)
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "pending"
    assert case.card_ts is None
    channel = standin.channel_by_name("scr-2026-001")
    assert channel is not None
    [card] = [m for m in standin.messages_in(channel.id) if m.user == standin.bot_user_id]
    assert card.metadata == {
        "event_type": POST_ONCE_EVENT,
        "event_payload": {"key": f"case:{case.id}:card"},
    }
    [pending] = standin.dms_to("U0DPH")  # "set-up pending", itself late
    assert "is recorded" in pending.text

    resume(harness)

    [case] = cases(harness)
    assert case.setup_status == "complete"
    [only] = [m for m in standin.messages_in(channel.id) if m.user == standin.bot_user_id]
    assert only.ts == card.ts == case.card_ts
    assert standin.pins[channel.id] == [card.ts]
    lookups = standin.calls_to("conversations.history")
    assert lookups and all(c.args.get("include_all_metadata") for c in lookups)
    referrer = [m.metadata["event_payload"]["key"] for m in standin.dms_to("U0DPH") if m.metadata]
    assert sorted(referrer) == sorted(set(referrer))
    assert f"case:{case.id}:setup-pending" in referrer
    for cpu in ("U0CPU1", "U0CPU2"):
        assert len(standin.dms_to(cpu)) == 1

    assert refresh_card(harness.runtime, harness.runtime.web_client(), case.id)
    assert len(only.history) == 1  # the adopted card is the one kept up to date


def test_a_dm_that_timed_out_after_slack_posted_is_adopted_not_repeated(slow_harness) -> None:
    harness, standin = slow_harness, slow_harness.standin
    standin.fail("pins.add", status=500, times=100)
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "pending"

    standin.clear_faults()
    standin.slow("chat.postMessage", LATE, after_acting=True)
    harness.clock.advance(timedelta(minutes=2))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 0
    [case] = cases(harness)
    assert case.setup_status == "pending"
    assert case.card_pinned
    assert len(standin.dms_to("U0CPU1")) == 1  # Slack posted; the bot never heard

    resume(harness)

    [case] = cases(harness)
    assert case.setup_status == "complete"
    [dm] = standin.dms_to("U0CPU1")
    assert dm.metadata is not None
    assert dm.metadata["event_payload"] == {"key": f"case:{case.id}:referral-dm:U0CPU1"}
    assert len(standin.dms_to("U0CPU2")) == 1
    [lookup] = standin.calls_to("conversations.history")
    assert lookup.args["channel"] == dm.channel


def test_a_post_refused_outright_is_not_looked_for_again(harness) -> None:
    standin = harness.standin
    standin.fail("chat.postMessage", error="not_in_channel", times=1)
    refer(harness)
    standin.clear_faults()
    harness.clock.advance(timedelta(minutes=2))
    assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert standin.calls_to("conversations.history") == []
