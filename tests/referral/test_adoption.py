"""A post whose answer was lost after Slack posted it is adopted, never posted twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.flows.cases import refresh_card
from bot.gateway import POST_ONCE_EVENT, OnePost, SlackError, SlackGateway
from bot.ids import Job
from bot.jobs.outbox import drain
from bot.testing.harness import Harness, make_settings, start_harness
from bot.views.messages import Message
from storage.models import PostAttempt, SentMessage
from tests.flow_helpers import cases, refer, set_up_dms

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
    # the DMs went side by side: Slack posted each, the bot heard of none
    in_doubt = _set_up_dms(standin)
    assert {standin.im_with("U0CPU1"), standin.im_with("U0CPU2")} <= set(in_doubt.values())

    resume(harness)

    [case] = cases(harness)
    assert case.setup_status == "complete"
    [dm] = standin.dms_to("U0CPU1")
    assert dm.metadata is not None
    assert dm.metadata["event_payload"] == {"key": f"case:{case.id}:referral-dm:U0CPU1"}
    assert _set_up_dms(standin) == in_doubt, "each adopted, none posted again"
    lookups = [c.args["channel"] for c in standin.calls_to("conversations.history")]
    assert sorted(lookups) == sorted(in_doubt.values()), "each looked for once, in its DM"


def _set_up_dms(standin) -> dict[str, str]:
    """The set-up's DMs in Slack by their keys: the DM each is in. Each key is in Slack once."""
    posted = set_up_dms(standin)
    keys = [key for key, _, _ in posted]
    assert len(keys) == len(set(keys)), "a DM posted twice"
    return {key: channel for key, _, channel in posted}


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


def test_of_several_posts_one_slack_refuses_the_rest_go_and_each_goes_once(harness) -> None:
    standin, runtime = harness.standin, harness.runtime
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    posts = [OnePost(f"test:{user}", user, Message(text="Hello", blocks=[])) for user in PEOPLE]
    refused: list[tuple[str, str]] = []
    standin.fail("chat.postMessage", error="channel_not_found", times=1)

    first = slack.post_each_once(
        posts, refused=lambda post, exc: refused.append((post.key, exc.code))
    )

    assert refused == [("test:U0CPU1", "channel_not_found")]
    assert sorted(first) == ["test:U0CPU2", "test:U0DPH"]
    assert standin.dms_to("U0CPU1") == []
    with runtime.db.reading() as session:
        assert sorted(session.scalars(select(SentMessage.key))) == sorted(first)
        assert session.scalars(select(PostAttempt)).all() == []

    again = slack.post_each_once([*posts, posts[0]])  # the refused one again, once; the rest stay

    assert again["test:U0CPU2"] == first["test:U0CPU2"]
    for user in PEOPLE:
        assert len(standin.dms_to(user)) == 1
    with pytest.raises(SlackError):
        standin.fail("chat.postMessage", error="channel_not_found", times=1)
        slack.post_each_once([OnePost("test:other", "U0CPU1", Message(text="Hi", blocks=[]))])
    assert standin.calls_to("conversations.history") == []


PEOPLE = ("U0CPU1", "U0CPU2", "U0DPH")


def test_a_briefing_slack_refuses_for_good_does_not_hold_up_the_set_up(harness, caplog) -> None:
    """The set-up's DMs and the agencies' briefings go in one batch: a briefing Slack will
    never deliver (a deactivated account) is logged and the rest still go; the set-up ends."""
    standin = harness.standin
    standin.deactivate_user("U0RLH")
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert standin.dms_to("U0RLH") == []
    assert [len(standin.dms_to(user)) for user in ("U0CPU1", "U0CPU2")] == [1, 1]
    assert len(standin.dms_to("U0DPH")) == 1  # the briefing, which leads into the channel
    assert f"DM case:{case.id}:briefing:" in caplog.text
    assert "(channel_not_found)" in caplog.text


def test_a_cpu_account_slack_will_not_reach_does_not_stall_the_set_up(harness, caplog) -> None:
    """One of the CPU's two accounts deactivated in Slack but still in the partnership file:
    its DM is refused for good, logged and skipped; the other CPU, the referrer and the
    agencies are told, and the set-up ends at its first attempt instead of being retried
    until it is given up."""
    standin = harness.standin
    standin.deactivate_user("U0CPU2")
    refer(harness)
    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert case.setup_attempts == 0 and case.setup_last_error is None
    assert standin.dms_to("U0CPU2") == []
    [arrived] = standin.dms_to("U0CPU1")
    assert "SCR-2026-001" in arrived.text
    assert any("is involved" in m.text for m in standin.dms_to("U0DPH"))
    assert standin.dms_to("U0RLH"), "the agencies are still briefed"
    assert f"DM case:{case.id}:referral-dm:U0CPU2 not sent (channel_not_found)" in caplog.text


def test_the_set_up_s_briefings_lead_members_into_the_channel_made_after_they_were_read(
    harness,
) -> None:
    """The briefings are read with the card, before the channel exists: a case member's
    (the designated person's) still offers the new channel; a review lead's, who is not in
    the channel, does not."""
    refer(harness)
    channel = harness.standin.channel_by_name("scr-2026-001")
    assert channel is not None
    link = f"app_redirect?channel={channel.id}"
    [member] = [m for m in harness.standin.dms_to("U0DPH") if "is involved" in m.text]
    assert link in str(member.blocks)
    [outsider] = [m for m in harness.standin.dms_to("U0RLH") if "is involved" in m.text]
    assert "app_redirect" not in str(outsider.blocks)


def test_the_referrer_gets_one_dm_at_set_up_whoever_they_are(harness) -> None:
    """A designated person who refers is led into the channel by their briefing, a CPU by
    the CPU's DM: neither gets a second "is set up" DM. A referrer nothing else reaches (the
    business unit, referring for Police) gets that one."""
    refer(harness, "U0DPH")
    refer(harness, "U0CPU1")
    refer(harness, "U0ADMIN", agency="Police")

    def about(user: str, reference: str) -> list[str]:
        return [m.text for m in harness.standin.dms_to(user) if reference in m.text]

    [briefing] = about("U0DPH", "SCR-2026-001")
    assert "Health is involved" in briefing
    [arrived] = about("U0CPU1", "SCR-2026-002")
    assert "a new referral from Health has arrived" in arrived
    [ready] = about("U0ADMIN", "SCR-2026-003")
    assert ready.startswith("SCR-2026-003 is set up")
