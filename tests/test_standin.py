"""The Slack stand-in, driven by a real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.testing.standin import SlackStandIn
from bot.testing.standin.models import BOT_ID

ANN, BEN, CAT = "U0ANN", "U0BEN", "U0CAT"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """A fresh workspace; unlike the shared fixture, violations are the point here."""
    with SlackStandIn() as standin:
        standin.add_user(ANN, "Ann Archer", "ann@health.example")
        standin.add_user(BEN, "Ben Bright", "ben@police.example")
        standin.add_user(CAT, "Cat Cole")
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(base_url=slack.api_url, token=slack.bot_token)


def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def code_of(call: Any) -> str:
    return str(error_of(call).response["error"])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(
    title: str = "Refer a case", blocks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "referral",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks if blocks is not None else [section("hello")],
    }


def new_channel(client: WebClient, name: str = "scr-2026-003") -> str:
    return str(client.conversations_create(name=name, is_private=True)["channel"]["id"])


# the reference: arguments, tokens, methods ---------------------------------------------


def test_calls_are_recorded_in_order_without_the_token(slack, client):
    client.auth_test()
    channel = new_channel(client)
    client.chat_postMessage(channel=channel, text="Case card", blocks=[section("Stage")])

    assert [c.method for c in slack.calls] == [
        "auth.test",
        "conversations.create",
        "chat.postMessage",
    ]
    posted = slack.calls_to("chat.postMessage")[0]
    assert posted.ok and posted.error is None and posted.at <= time.time()
    assert posted.args["blocks"] == [section("Stage")]
    assert all("token" not in c.args for c in slack.calls)
    assert slack.violations == []


def test_form_encoded_json_strings_are_decoded(slack, client):
    client.api_call(
        "chat.postMessage",
        params={"channel": ANN, "text": "hi", "blocks": '[{"type": "divider"}]'},
    )
    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]


def test_unknown_argument_is_a_violation(slack, client):
    err = error_of(lambda: client.chat_postMessage(channel=ANN, text="hi", colour="red"))
    assert err.response["error"] == "invalid_arguments"
    assert slack.violations == ["chat.postMessage: unknown argument(s) colour"]


@pytest.mark.parametrize(
    ("method", "args", "code"),
    [
        ("conversations.invite", {"channel": "C1"}, "no_user"),
        ("chat.postMessage", {"text": "hi"}, "channel_not_found"),
        ("conversations.create", {}, "invalid_name_required"),
        ("users.info", {}, "user_not_found"),
        ("views.publish", {"view": '{"type": "home", "blocks": []}'}, "invalid_arguments"),
    ],
)
def test_missing_required_argument(slack, client, method, args, code):
    err = error_of(lambda: client.api_call(method, params=args))
    assert err.response["error"] == code
    assert len(slack.violations) == 1 and "missing required argument" in slack.violations[0]


def test_tokens_are_checked(slack):
    wrong = WebClient(base_url=slack.api_url, token="xoxb-wrong")
    assert error_of(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=slack.api_url)
    assert error_of(anonymous.auth_test).response["error"] == "not_authed"
    assert len(slack.violations) == 2


def test_token_may_come_as_an_argument(slack):
    anonymous = WebClient(base_url=slack.api_url)
    assert anonymous.api_call("auth.test", params={"token": slack.bot_token})["user_id"] == "U0BOT"


def test_unknown_method_and_json_body_for_a_form_method(slack, client):
    assert code_of(lambda: client.api_call("chat.meMessage")) == "unknown_method"
    err = error_of(lambda: client.api_call("users.info", json={"user": ANN}))
    assert err.response["error"] == "invalid_arguments"
    assert len(slack.violations) == 2


# channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("SCR-2026-003", "invalid_name_specials"),
        ("scr 2026", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("--__", "invalid_name_punctuation"),
    ],
)
def test_channel_name_rules(slack, client, name, code):
    assert code_of(lambda: client.conversations_create(name=name)) == code
    assert len(slack.violations) == 1


def test_created_channel_and_name_taken(slack, client):
    channel_id = client.conversations_create(name="scr-2026_003", is_private=True)["channel"]["id"]
    channel = slack.channels[channel_id]
    assert slack.channel_by_name("scr-2026_003") is channel
    assert channel.is_private and channel.members == {"U0BOT"} and channel.created_by == "U0BOT"
    err = error_of(lambda: client.conversations_create(name="scr-2026_003"))
    assert err.response["error"] == "name_taken"
    assert slack.violations == []


def test_private_channel_needs_bot_membership(slack, client):
    hidden = slack.add_channel("cpu-managers", is_private=True, members=[ANN])
    public = slack.add_channel("general", is_private=False, members=[ANN])
    assert code_of(lambda: client.chat_postMessage(channel=hidden, text="x")) == "channel_not_found"
    assert code_of(lambda: client.conversations_info(channel=hidden)) == "channel_not_found"
    assert code_of(lambda: client.chat_postMessage(channel=public, text="x")) == "not_in_channel"


def test_archived_channel_refuses_posts_and_invites(slack, client):
    channel = new_channel(client)
    client.conversations_archive(channel=channel)
    assert code_of(lambda: client.chat_postMessage(channel=channel, text="x")) == "is_archived"
    assert code_of(lambda: client.conversations_invite(channel=channel, users=ANN)) == "is_archived"
    assert code_of(lambda: client.conversations_archive(channel=channel)) == "already_archived"
    client.conversations_unarchive(channel=channel)
    assert not slack.channels[channel].archived


def test_invite_limits_and_errors(slack, client):
    channel = new_channel(client)
    many = [f"U{i:04d}" for i in range(101)]
    for user in many:
        slack.add_user(user, f"Person {user}")
    err = error_of(lambda: client.conversations_invite(channel=channel, users=many))
    assert err.response["error"] == "invalid_arguments"
    assert slack.violations == [
        "conversations.invite: conversations.invite with 101 users (max 100)"
    ]
    client.conversations_invite(channel=channel, users=many[:100])
    assert len(slack.channels[channel].members) == 101

    slack.deactivate_user(CAT)
    for users, code in [
        (["U9NOBODY"], "user_not_found"),
        (["U0BOT"], "cant_invite_self"),
        ([many[0]], "already_in_channel"),
        ([CAT], "cant_invite"),
    ]:
        err = error_of(
            lambda users=users: client.conversations_invite(channel=channel, users=users)
        )
        assert err.response["error"] == code
        assert err.response["errors"][0]["user"] == users[0]

    forced = client.conversations_invite(channel=channel, users=[ANN, "U9NOBODY"], force=True)
    assert forced["errors"] == [{"user": "U9NOBODY", "ok": False, "error": "user_not_found"}]
    assert ANN in slack.channels[channel].members


def test_invite_needs_the_bot_in_the_channel(slack, client):
    public = slack.add_channel("general", is_private=False, members=[ANN])
    err = error_of(lambda: client.conversations_invite(channel=public, users=BEN))
    assert err.response["error"] == "not_in_channel"


def test_kick_topic_purpose_rename(slack, client):
    channel = new_channel(client)
    client.conversations_invite(channel=channel, users=[ANN, BEN])
    client.conversations_kick(channel=channel, user=BEN)
    assert (
        code_of(lambda: client.conversations_kick(channel=channel, user="U0BOT"))
        == "cant_kick_self"
    )
    client.conversations_setTopic(channel=channel, topic="SCR-2026-003 · initial panel")
    client.conversations_setPurpose(channel=channel, purpose="Serious Case Review")
    assert (
        code_of(lambda: client.conversations_setTopic(channel=channel, topic="x" * 251))
        == "too_long"
    )
    renamed = client.conversations_rename(channel=channel, name="scr-2026-003-closed")
    assert renamed["channel"]["previous_names"] == ["scr-2026-003"]
    stored = slack.channels[channel]
    assert stored.members == {"U0BOT", ANN}
    assert (stored.topic, stored.purpose) == ("SCR-2026-003 · initial panel", "Serious Case Review")
    members = client.conversations_members(channel=channel, limit=1)
    assert len(members["members"]) == 1
    cursor = members["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel=channel, limit=1, cursor=cursor)
    assert {*members["members"], *rest["members"]} == {"U0BOT", ANN}


# messages ---------------------------------------------------------------------------------


def test_direct_message_by_user_id_opens_the_im(slack, client):
    posted = client.chat_postMessage(channel=ANN, text="Records due Tue 1 Dec")
    opened = client.conversations_open(users=ANN)
    assert posted["channel"] == opened["channel"]["id"] and opened["already_open"]
    assert [m.text for m in slack.dms_to(ANN)] == ["Records due Tue 1 Dec"]
    assert slack.dms_to(BEN) == []


def test_update_delete_and_threads(slack, client):
    channel = new_channel(client)
    card = client.chat_postMessage(channel=channel, text="v1", blocks=[section("v1")])
    client.chat_postMessage(channel=channel, text="reply", thread_ts=card["ts"])
    client.chat_update(channel=channel, ts=card["ts"], text="v2", blocks=[section("v2")])
    message = slack.messages_in(channel)[0]
    assert (message.text, message.blocks) == ("v2", [section("v2")])
    assert message.history[0]["text"] == "v1"

    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["v2"] and history[0]["reply_count"] == 1
    thread = client.conversations_replies(channel=channel, ts=card["ts"])["messages"]
    assert [m["text"] for m in thread] == ["v2", "reply"]

    assert (
        code_of(lambda: client.chat_update(channel=channel, ts="1.000001", text="x"))
        == "message_not_found"
    )
    theirs = slack.post_as_user(ANN, channel, "a person wrote this")
    err = error_of(lambda: client.chat_update(channel=channel, ts=theirs.ts, text="x"))
    assert err.response["error"] == "cant_update_message"
    client.chat_delete(channel=channel, ts=card["ts"])
    assert [m.text for m in slack.messages_in(channel)] == ["reply", "a person wrote this"]


def test_pins_reactions_permalink_bookmarks(slack, client):
    channel = new_channel(client)
    card = client.chat_postMessage(channel=channel, text="card")["ts"]
    client.pins_add(channel=channel, timestamp=card)
    assert slack.pins[channel] == [card]
    assert code_of(lambda: client.pins_add(channel=channel, timestamp=card)) == "already_pinned"
    assert code_of(lambda: client.pins_add(channel=channel, timestamp="1.5")) == "message_not_found"
    client.reactions_add(channel=channel, timestamp=card, name="white_check_mark")
    link = client.chat_getPermalink(channel=channel, message_ts=card)["permalink"]
    assert link.endswith(card.replace(".", ""))
    mark = client.bookmarks_add(
        channel_id=channel, title="Terms", type="link", link="https://x.org"
    )
    client.bookmarks_edit(channel_id=channel, bookmark_id=mark["bookmark"]["id"], title="ToR")
    assert slack.bookmarks[channel][mark["bookmark"]["id"]]["title"] == "ToR"
    client.pins_remove(channel=channel, timestamp=card)
    assert slack.pins[channel] == [] and slack.violations == []


def test_ephemeral_needs_the_user_in_the_channel(slack, client):
    channel = new_channel(client)
    client.conversations_invite(channel=channel, users=ANN)
    client.chat_postEphemeral(channel=channel, user=ANN, text="only you")
    assert [m.text for m in slack.ephemerals_for(ANN)] == ["only you"]
    err = error_of(lambda: client.chat_postEphemeral(channel=channel, user=BEN, text="x"))
    assert err.response["error"] == "user_not_in_channel"


def test_scheduled_messages(slack, client):
    channel = new_channel(client)
    err = error_of(lambda: client.chat_scheduleMessage(channel=channel, text="x", post_at=100))
    assert err.response["error"] == "time_in_past"
    later = int(time.time()) + 3600
    scheduled = client.chat_scheduleMessage(channel=channel, text="Panel tomorrow", post_at=later)
    assert scheduled["scheduled_message_id"] in slack.scheduled
    assert slack.deliver_scheduled(now=later - 1) == []
    assert [m.text for m in slack.deliver_scheduled(now=later)] == ["Panel tomorrow"]


def test_message_metadata_is_kept_and_read_back_only_when_asked(slack, client):
    channel = new_channel(client)
    metadata = {"event_type": "scr_bot_post", "event_payload": {"key": "case:1:card"}}
    ts = client.chat_postMessage(channel=channel, text="card", metadata=metadata)["ts"]
    [plain] = client.conversations_history(channel=channel)["messages"]
    assert "metadata" not in plain
    [read] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert (read["ts"], read["metadata"], read["bot_id"]) == (ts, metadata, BOT_ID)
    assert (
        code_of(
            lambda: client.chat_postMessage(channel=channel, text="x", metadata={"event_type": "e"})
        )
        == "invalid_metadata_schema"
    )


def test_an_answer_can_come_after_the_caller_stopped_waiting(slack):
    impatient = WebClient(base_url=slack.api_url, token=slack.bot_token, timeout=1)
    channel = new_channel(impatient)
    slack.slow("chat.postMessage", 1.5, after_acting=True)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=channel, text="sent, but no answer")
    assert [m.text for m in slack.messages_in(channel)] == ["sent, but no answer"]


def test_wall_clock_can_follow_the_bots_clock(slack, client):
    frozen = 1_795_000_000.0
    slack.set_wall_clock(lambda: frozen)
    channel = new_channel(client)
    client.chat_scheduleMessage(channel=channel, text="x", post_at=int(frozen) + 60)
    first = client.chat_postMessage(channel=channel, text="a")["ts"]
    second = client.chat_postMessage(channel=channel, text="b")["ts"]
    assert float(frozen) <= float(first) < float(second) < frozen + 1
    assert slack.calls[-1].at == frozen
    assert [m.text for m in slack.deliver_scheduled()] == []


# Block Kit limits -------------------------------------------------------------------------


def button(label: str) -> dict[str, Any]:
    return {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": label}}


@pytest.mark.parametrize(
    "blocks",
    [
        [section("x")] * 51,
        [section("x" * 3001)],
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        [{"type": "actions", "elements": [button("b" * 76)]}],
        [{"type": "no_such_block"}],
        [{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}],
    ],
)
def test_message_block_limits(slack, client, blocks):
    err = error_of(lambda: client.chat_postMessage(channel=ANN, text="x", blocks=blocks))
    assert err.response["error"] == "invalid_blocks"
    assert len(slack.violations) == 1


def test_blocks_at_the_limits_are_accepted(slack, client):
    client.chat_postMessage(channel=ANN, text="x", blocks=[section("x" * 3000)] * 50)
    client.views_publish(user_id=ANN, view={"type": "home", "blocks": [section("x")] * 100})
    assert slack.violations == []


@pytest.mark.parametrize(
    "view", [modal(title="t" * 25), modal(blocks=[section("x")] * 101), {"type": "home"}]
)
def test_modal_limits(slack, client, view):
    trigger = slack.issue_trigger_id(ANN)
    err = error_of(lambda: client.views_open(trigger_id=trigger, view=view))
    assert err.response["error"] == "invalid_arguments"
    assert len(slack.violations) == 1


# views and triggers -----------------------------------------------------------------------


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_trigger_ids_expire_and_are_single_use(slack, client):
    clock = FakeMonotonic()
    slack.set_clock(clock)
    fresh = slack.issue_trigger_id(ANN)
    clock.now += 2.9
    opened = client.views_open(trigger_id=fresh, view=modal())["view"]
    assert slack.open_view_for(ANN).id == opened["id"] and opened["hash"]

    reused = error_of(lambda: client.views_open(trigger_id=fresh, view=modal()))
    stale = slack.issue_trigger_id(ANN)
    clock.now += 3.1
    expired = error_of(lambda: client.views_open(trigger_id=stale, view=modal()))
    invented = error_of(lambda: client.views_open(trigger_id="1.2.abc", view=modal()))
    assert [e.response["error"] for e in (reused, expired, invented)] == [
        "exchanged_trigger_id",
        "expired_trigger_id",
        "invalid_trigger_id",
    ]
    assert len(slack.violations) == 3


def test_views_update_push_and_hash(slack, client):
    opened = client.views_open(trigger_id=slack.issue_trigger_id(ANN), view=modal())["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 2"))
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    err = error_of(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    )
    assert err.response["error"] == "hash_conflict"
    assert code_of(lambda: client.views_update(view_id="V404", view=modal())) == "not_found"
    pushed = client.views_push(trigger_id=slack.issue_trigger_id(ANN), view=modal("Confirm"))
    top = slack.open_view_for(ANN)
    assert top.id == pushed["view"]["id"] and top.previous_view_id == opened["id"]
    assert slack.views[opened["id"]].payload["title"]["text"] == "Step 2"


def test_home_tab(slack, client):
    client.views_publish(user_id=ANN, view={"type": "home", "blocks": [section("My tasks")]})
    client.views_publish(user_id=ANN, view={"type": "home", "blocks": [section("None left")]})
    home = slack.home_view(ANN)
    assert home is not None and home["blocks"] == [section("None left")]
    assert slack.home_view(BEN) is None


# faults -----------------------------------------------------------------------------------


def test_rate_limit_surfaces_retry_after(slack, client):
    slack.fail("chat.postMessage", status=429, retry_after=7)
    err = error_of(lambda: client.chat_postMessage(channel=ANN, text="x"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    client.chat_postMessage(channel=ANN, text="x")
    assert [c.http_status for c in slack.calls_to("chat.postMessage")] == [429, 200]


def test_a_failure_for_one_conversation_leaves_the_others_alone(slack, client):
    slack.fail("chat.postMessage", status=503, channel=BEN, times=1)
    client.chat_postMessage(channel=ANN, text="x")
    err = error_of(lambda: client.chat_postMessage(channel=BEN, text="x"))
    assert err.response.status_code == 503
    client.chat_postMessage(channel=BEN, text="x")
    assert [(c.args["channel"], c.http_status) for c in slack.calls_to("chat.postMessage")] == [
        (ANN, 200),
        (BEN, 503),
        (BEN, 200),
    ]


def test_rate_limits_once_asked_for_per_conversation_and_per_workspace(slack, client):
    """Off by default; then about one message a second to a conversation and, here, three a
    second across the workspace, each refusal a 429 with the whole seconds to wait."""
    now = [1000.0]
    for _ in range(3):
        client.chat_postMessage(channel=ANN, text="x")  # no limit yet
    slack.rate_limit(
        "chat.postMessage",
        per_conversation=1,
        per_workspace=3,
        workspace_burst=3,
        clock=lambda: now[0],
    )
    client.chat_postMessage(channel=ANN, text="x")
    err = error_of(lambda: client.chat_postMessage(channel=ANN, text="again"))
    assert err.response.status_code == 429 and err.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel=BEN, text="x")
    client.chat_postMessage(channel=CAT, text="x")
    err = error_of(lambda: client.chat_postMessage(channel=BEN, text="y"))
    assert err.response["error"] == "ratelimited"
    now[0] += 1
    client.chat_postMessage(channel=ANN, text="again")
    assert slack.rate_limited == 2
    assert [m.text for m in slack.dms_to(ANN)][-2:] == ["x", "again"]
    assert [m.text for m in slack.dms_to(BEN)] == ["x"], "a refused message changes nothing"


def test_rate_limit_retried_by_slack_sdk_handler(slack):
    client = WebClient(
        base_url=slack.api_url,
        token=slack.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail("users.info", status=429, retry_after=0)
    assert client.users_info(user=ANN)["user"]["id"] == ANN
    assert [c.ok for c in slack.calls_to("users.info")] == [False, True]


def test_server_errors_and_slack_errors(slack, client):
    slack.fail("conversations.create", times=2)
    for _ in range(2):
        assert error_of(lambda: client.conversations_create(name="a")).response.status_code == 500
    slack.fail("*", status=503)
    assert error_of(client.auth_test).response.status_code == 503
    slack.fail("conversations.invite", error="user_is_restricted")
    err = error_of(lambda: client.conversations_invite(channel="C1", users=ANN))
    assert (err.response.status_code, err.response["error"]) == (200, "user_is_restricted")
    assert client.conversations_create(name="a")["ok"]
    assert slack.violations == []


def test_only_documented_failures_can_be_injected(slack):
    with pytest.raises(ValueError):
        slack.fail("conversations.invite", error="user_is_deactivated")
    with pytest.raises(ValueError):
        slack.fail("chat.postMesage")
    with pytest.raises(ValueError):
        slack.fail("chat.postMessage", status=404)
    slack.fail("chat.postMessage", error="fatal_error")
    slack.fail("chat.postMessage", error="channel_not_found")


def test_slowness_and_clearing(slack, client):
    slack.slow("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    slack.slow("*", 0.2)
    started = time.monotonic()
    client.users_info(user=ANN)
    assert time.monotonic() - started >= 0.2
    slack.fail("users.info")
    slack.clear_faults()
    started = time.monotonic()
    client.users_info(user=ANN)
    assert time.monotonic() - started < 0.2


def _held_auth_test(slack: SlackStandIn, client: WebClient) -> tuple[threading.Thread, list[Any]]:
    """auth.test held, and a caller waiting on it: its thread, and where its answer goes."""
    slack.hold("auth.test")
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(client.auth_test()["ok"]))
    caller.start()
    deadline = time.monotonic() + 10
    while slack.held("auth.test") != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert slack.held("auth.test") == 1
    return caller, answers


def test_a_held_method_waits_unanswered_until_released(slack, client):
    caller, answers = _held_auth_test(slack, client)
    assert client.users_info(user=ANN)["ok"]  # other methods are answered meanwhile
    assert answers == []
    slack.release("auth.test")
    caller.join(10)
    assert answers == [True]
    assert slack.held("auth.test") == 0


# files and people -------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(slack, client):
    channel = new_channel(client)
    content = b"date,agency,event\n27.11.26,Health,Referral\n"
    uploaded = client.files_upload_v2(
        channel=channel,
        content=content,
        filename="scr-2026-003-chronology.csv",
        title="Chronology",
        initial_comment="Merged chronology",
    )
    file_id = uploaded["file"]["id"]
    stored = slack.files[file_id]
    assert stored.content == content and stored.title == "Chronology"
    assert stored.channels == [channel] and stored.filetype == "csv"
    shared = slack.messages_in(channel)[-1]
    assert shared.text == "Merged chronology" and shared.files == [file_id]
    info = client.files_info(file=file_id)["file"]
    assert info["size"] == len(content) and info["groups"] == [channel]
    assert [c.method for c in slack.calls] == [
        "conversations.create",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.info",
    ]
    assert slack.calls[1].args == {
        "filename": "scr-2026-003-chronology.csv",
        "length": str(len(content)),
    }
    assert slack.violations == []


def download(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


def test_user_file_download_needs_the_bot_token(slack, client):
    channel = new_channel(client)
    file_id = slack.add_user_file(ANN, channel, "health-chronology.csv", b"a,b\n1,2\n")
    url = client.files_info(file=file_id)["file"]["url_private_download"]
    assert download(url, slack.bot_token) == (200, b"a,b\n1,2\n")
    assert download(url, None)[0] == 403
    assert download(url, "xoxb-someone-else")[0] == 403
    assert slack.messages_in(channel)[-1].files == [file_id]


def test_users_info_and_lookup(slack, client):
    assert client.users_info(user=ANN)["user"]["profile"]["email"] == "ann@health.example"
    assert "email" not in client.users_info(user=CAT)["user"]["profile"]
    assert code_of(lambda: client.users_info(user="U404")) == "user_not_found"
    assert client.users_lookupByEmail(email="BEN@police.example")["user"]["id"] == BEN
    err = error_of(lambda: client.users_lookupByEmail(email="nobody@x.example"))
    assert err.response["error"] == "users_not_found"
    slack.deactivate_user(BEN)
    assert client.users_info(user=BEN)["user"]["deleted"] is True
    assert slack.violations == []


def test_team_and_usergroups(slack, client):
    group = slack.add_usergroup("cpu", "Child Protection Unit", [ANN, BEN])
    assert client.team_info()["team"]["id"] == "T0SCR"
    listed = client.usergroups_list(include_users=True)["usergroups"]
    assert listed[0]["handle"] == "cpu" and listed[0]["users"] == [ANN, BEN]
    assert client.usergroups_users_list(usergroup=group)["users"] == [ANN, BEN]
    err = error_of(lambda: client.usergroups_users_list(usergroup="S404"))
    assert err.response["error"] == "no_such_subteam"


def test_every_element_is_held_to_slacks_documented_limits() -> None:
    from bot.testing.standin.blockkit import LIMITS, view_problem

    def modal(element: dict) -> dict:
        return {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "b",
                    "label": {"type": "plain_text", "text": "Event"},
                    "element": element,
                }
            ],
        }

    too_long = {"type": "plain_text_input", "action_id": "a", "max_length": 4000}
    assert "max_length is 4000" in (view_problem(modal(too_long)) or "")
    fine = {"type": "plain_text_input", "action_id": "a", "max_length": 3000}
    assert view_problem(modal(fine)) is None
    options = [
        {"text": {"type": "plain_text", "text": f"o{i}"}, "value": str(i)} for i in range(11)
    ]
    radios = {"type": "radio_buttons", "action_id": "a", "options": options}
    assert "options.len is 11" in (view_problem(modal(radios)) or "")
    long_value = [{"text": {"type": "plain_text", "text": "o"}, "value": "v" * 151}]
    select = {"type": "static_select", "action_id": "a", "options": long_value}
    assert "option value is 151" in (view_problem(modal(select)) or "")
    assert all(limit.source.startswith("https://api.slack.com/") for limit in LIMITS)


def test_stopping_answers_the_calls_still_held() -> None:
    slack = SlackStandIn().start()
    caller, answers = _held_auth_test(
        slack, WebClient(token=slack.bot_token, base_url=slack.api_url)
    )
    slack.stop()
    caller.join(10)
    assert not caller.is_alive()
    assert answers == [True]
