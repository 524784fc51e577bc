"""Referrals made together are set up together, and every set-up DMs the same CPU members:
Slack takes about one message a second in a conversation. Once it refuses one, the posts to
that conversation take turns instead of failing, so no set-up is put off and no referrer is
told theirs is delayed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.gateway import SlackError
from bot.ids import Job
from bot.jobs import outbox as jobs
from bot.pacing import LONGEST_TURN, QUIET, TURN, TURN_REFUSALS, ConversationTurns
from tests.conftest import START
from tests.flow_helpers import cases, waits_of
from tests.outbox.test_concurrent_drain import _Idle
from tests.outbox.test_outbox import _refer_queued
from tests.reminders.reminder_helpers import without_sdk_retries

REFERRALS = 4
CPU = ("U0CPU1", "U0CPU2")
"""The seeded partnership's CPU members: every set-up DMs both."""


def test_set_ups_made_together_take_turns_to_dm_the_same_people(harness) -> None:
    referred = [_refer_queued(harness) for _ in range(REFERRALS)]
    standin, clock = harness.standin, harness.clock
    standin.rate_limit(
        "chat.postMessage", per_conversation=1, clock=lambda: clock.now().timestamp()
    )
    reports: list[jobs.DrainReport] = []

    def drainer() -> None:
        client = without_sdk_retries(harness)  # every 429 reaches the bot
        reports.append(jobs.drain(harness.runtime, client, concurrency=4, processor=_Idle()))

    waits = waits_of(clock, drainer)  # each second Slack asked for passes

    [report] = reports
    assert report.completed(Job.CASE_SETUP) == REFERRALS and report.postponed == 0
    assert standin.rate_limited > 0, "Slack refused some of the DMs made at once"
    assert waits and all(w <= TURN for w in waits), "each waited a second at most"
    every = cases(harness)
    assert sorted(c.id for c in every) == sorted(referred)
    assert all(c.setup_status == "complete" and c.setup_attempts == 0 for c in every)
    went = Counter(
        (str(c.args["channel"]), c.args["text"].split(":")[0])
        for c in standin.calls_to("chat.postMessage")
        if c.ok and str(c.args["channel"]) in CPU
    )
    assert set(went) == {(person, c.reference) for person in CPU for c in every}
    assert set(went.values()) == {1}, "each CPU member told of each referral once"
    pending = [c for c in standin.calls_to("chat.postMessage") if "not answering" in str(c.args)]
    assert pending == [], "no referrer told Slack is not answering"


def test_a_conversation_never_refused_is_posted_to_at_once_and_a_refused_one_takes_turns():
    clock, turns = FrozenClock(START), ConversationTurns()

    def take(channel: str) -> list[timedelta]:
        return waits_of(clock, lambda: turns.take(channel, clock))

    assert take("U0CPU1") == []
    turns.refused("U0CPU1", 2, clock)
    assert take("U0CPU1") == [timedelta(seconds=2)], "Retry-After first"
    assert take("U0CPU1") == [TURN], "then a second after the one before"
    assert take("U0CPU2") == [], "another conversation goes at once"
    clock.advance(QUIET + TURN)
    assert take("U0CPU1") == [], "quiet a minute: at once again"


def test_a_turn_further_off_than_the_longest_wait_fails_as_rate_limited_at_once():
    clock, turns = FrozenClock(START), ConversationTurns()
    turns.refused("U0CPU1", LONGEST_TURN.total_seconds() + 1, clock)
    with pytest.raises(SlackError) as refused:
        turns.take("U0CPU1", clock)
    assert refused.value.code == "ratelimited" and refused.value.retryable
    assert refused.value.retry_after == LONGEST_TURN.total_seconds() + 1


def test_a_post_refused_is_sent_again_in_its_turn_until_its_last_refusal():
    clock, turns = FrozenClock(START), ConversationTurns()
    tries: list[datetime] = []

    def refused_twice() -> str:
        tries.append(clock.now())
        if len(tries) < 3:
            raise SlackError("chat.postMessage", "ratelimited", retryable=True, retry_after=1)
        return "posted"

    def refused_always() -> str:
        raise SlackError("chat.postMessage", "ratelimited", retryable=True, retry_after=1)

    results: list[object] = []

    def post(send: Callable[[], str]) -> None:
        try:
            results.append(turns.post("U0CPU1", send, clock))
        except SlackError as exc:
            results.append(exc.code)

    assert waits_of(clock, lambda: post(refused_twice)) == [TURN, TURN]
    # a turn behind the one posted, then after each refusal but the last
    assert waits_of(clock, lambda: post(refused_always)) == [TURN] * TURN_REFUSALS
    assert results == ["posted", "ratelimited"]
    assert tries == [START, START + TURN, START + 2 * TURN]
