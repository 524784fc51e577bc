"""The Slack-side driver: signed requests that a real Bolt app accepts and understands."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, request
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from bot.testing import driver as driver_module
from bot.testing.driver import DriverResponse, SlackDriver, http_transport, wsgi_transport
from bot.testing.standin import SlackStandIn

SECRET = "driver-test-secret"
ANN, BEN = "U0ANN", "U0BEN"


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def field_block(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(block_id),
        "optional": optional,
        "element": {"action_id": "value", **element},
    }


def options(*values: str) -> list[dict[str, Any]]:
    return [{"text": plain(v.title()), "value": v} for v in values]


REFERRAL_MODAL = {
    "type": "modal",
    "callback_id": "referral",
    "private_metadata": "case:7",
    "notify_on_close": True,
    "title": plain("Refer a case"),
    "submit": plain("Refer"),
    "blocks": [
        field_block("summary", {"type": "plain_text_input", "max_length": 50}),
        field_block("date", {"type": "datepicker"}),
        field_block("time", {"type": "timepicker"}, optional=True),
        field_block("agency", {"type": "static_select", "options": options("health", "police")}),
        field_block("criteria", {"type": "checkboxes", "options": options("death", "harm")}),
        field_block("plan", {"type": "radio_buttons", "options": options("yes", "no")}),
        field_block("tags", {"type": "multi_static_select", "options": options("a", "b")}, True),
        field_block("author", {"type": "users_select"}),
        field_block("panel", {"type": "multi_users_select"}, optional=True),
        field_block("children", {"type": "number_input", "is_decimal_allowed": False}, True),
        field_block("note", {"type": "plain_text_input", "initial_value": "none"}, optional=True),
    ],
}

RECORDS_BUTTON = {
    "type": "button",
    "action_id": "records_secured",
    "text": plain("Records secured"),
    "value": "task:41",
}
CARD_BLOCKS = [
    {"type": "section", "block_id": "card", "text": {"type": "mrkdwn", "text": "SCR-2026-003"}},
    {
        "type": "actions",
        "block_id": "card_actions",
        "elements": [
            RECORDS_BUTTON,
            {
                "type": "static_select",
                "action_id": "pick_agency",
                "placeholder": plain("Agency"),
                "options": options("health", "police"),
            },
        ],
    },
]


@dataclass
class World:
    standin: SlackStandIn
    driver: SlackDriver
    client: WebClient
    flask: Flask
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[dict[str, Any] | None] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        return [body for k, body in self.seen if k == kind]


def build_app(world: World, app: App) -> None:
    @app.command("/scr")
    def command(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        world.seen.append(("command", body))
        if body["text"] == "refer":
            client.views_open(trigger_id=body["trigger_id"], view=REFERRAL_MODAL)
        else:
            respond(text=f"You said {body['text']}")

    @app.action("records_secured")
    @app.action("pick_agency")
    def action(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        world.seen.append(("action", body))

    @app.action("confirm")
    def confirm(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if body["container"]["is_ephemeral"]:
            respond(delete_original=True)
        else:
            respond(replace_original=True, text="Records secured")

    @app.view("referral")
    def submission(ack: Ack, body: dict[str, Any]) -> None:
        world.seen.append(("submission", body))
        answer = world.answers.pop(0) if world.answers else None
        ack(**answer) if answer else ack()

    @app.view_closed("referral")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        world.seen.append(("closed", body))

    @app.event("app_home_opened")
    def home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        world.seen.append(("event", body))
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "My tasks"}}]
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    @app.event("file_shared")
    def file_shared(body: dict[str, Any], event: dict[str, Any], req: BoltRequest) -> None:
        world.seen.append(("event", body))
        world.headers.append(dict(req.headers))


@pytest.fixture
def world() -> Iterator[World]:
    with SlackStandIn() as standin:
        standin.add_user(ANN, "Ann Archer", "ann@health.example")
        standin.add_user(BEN, "Ben Bright")
        client = WebClient(base_url=standin.api_url, token=standin.bot_token)
        app = App(
            token=standin.bot_token,
            signing_secret=SECRET,
            client=client,
            token_verification_enabled=False,
            process_before_response=True,
        )
        flask = Flask(__name__)
        handler = SlackRequestHandler(app)
        flask.add_url_rule(
            "/slack/events", "events", lambda: handler.handle(request), methods=["POST"]
        )
        driver = SlackDriver(wsgi_transport(flask), SECRET, standin)
        world = World(standin, driver, client, flask)
        build_app(world, app)
        yield world
        assert standin.violations == []


# signing -----------------------------------------------------------------------------------


@dataclass
class Capture:
    sent: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, path: str, body: bytes, headers: dict[str, str]) -> DriverResponse:
        self.sent.append((path, body, headers))
        return DriverResponse(200, b"", {})


def test_every_request_is_signed_as_slack_signs(world):
    capture = Capture()
    driver = SlackDriver(capture, SECRET, world.standin)
    world.client.chat_postMessage(channel=ANN, text="card", blocks=CARD_BLOCKS)
    driver.slash_command(ANN, "status")
    driver.block_action(ANN, "records_secured")
    driver.app_home_opened(ANN)
    verifier = SignatureVerifier(SECRET)
    for path, body, headers in capture.sent:
        assert path == "/slack/events"
        assert verifier.is_valid_request(body, headers)
        assert headers["X-Slack-Signature"] == driver.sign(
            body, int(headers["X-Slack-Request-Timestamp"])
        )
    assert not SignatureVerifier("another-secret").is_valid_request(*capture.sent[0][1:])


def test_forged_and_stale_requests_are_refused(world):
    body = b"token=x&command=%2Fscr&text=status&user_id=U0ANN&team_id=T0SCR"
    now = int(time.time())
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    stale = {
        "X-Slack-Request-Timestamp": str(now - 600),
        "X-Slack-Signature": world.driver.sign(body, now - 600),
    }
    for headers in (forged, stale):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        assert world.driver.raw(body, headers).status == 401
    assert world.seen == []


def test_redelivery_is_byte_for_byte_with_retry_headers(world):
    capture = Capture()
    driver = SlackDriver(capture, SECRET, world.standin)
    driver.file_shared(ANN, "F1", "C1")
    driver.redeliver()
    driver.redeliver(reason="http_error")
    (_, first, headers), (_, again, retry1), (_, last, retry2) = capture.sent
    assert first == again == last
    assert "X-Slack-Retry-Num" not in headers
    assert (retry1["X-Slack-Retry-Num"], retry1["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert (retry2["X-Slack-Retry-Num"], retry2["X-Slack-Retry-Reason"]) == ("2", "http_error")
    assert retry1["X-Slack-Signature"] == headers["X-Slack-Signature"]


def test_redelivered_event_reaches_bolt_with_retry_headers(world):
    channel = world.client.conversations_create(name="scr-1", is_private=True)["channel"]["id"]
    file_id = world.standin.add_user_file(ANN, channel, "health.csv", b"a,b\n")
    world.driver.file_shared(ANN, file_id, channel)
    world.driver.redeliver()
    first, second = world.bodies("event")
    assert first == second and first["event"]["file_id"] == file_id
    assert world.headers[1]["x-slack-retry-num"] == ["1"]


# slash commands and modals --------------------------------------------------------------


def test_slash_command_opens_a_modal_with_its_fresh_trigger(world):
    response = world.driver.slash_command(ANN, "refer")
    assert response.status == 200
    (body,) = world.bodies("command")
    assert body["command"] == "/scr" and body["user_id"] == ANN
    assert body["channel_id"] == world.standin.im_with(ANN)
    assert body["team_id"] == "T0SCR" and body["response_url"].startswith("http://127.0.0.1")
    view = world.standin.open_view_for(ANN)
    assert view is not None and view.callback_id == "referral"


def test_slash_command_respond_reaches_the_response_url(world):
    world.driver.slash_command(ANN, "status")
    (post,) = world.standin.hook_posts
    assert post.user == ANN and post.payload["text"] == "You said status"
    assert [m.text for m in world.standin.ephemerals_for(ANN)] == ["You said status"]


def answers(**overrides: Any) -> dict[str, dict[str, Any]]:
    values: dict[str, Any] = {
        "summary": "Unexplained injury",
        "date": "2026-11-27",
        "agency": "health",
        "criteria": ["death", "harm"],
        "plan": "no",
        "author": BEN,
        "panel": [ANN, BEN],
        "time": "09:30",
        "children": "2",
    }
    values.update(overrides)
    return {block: {"value": value} for block, value in values.items() if value is not None}


def test_submission_state_has_slack_element_shapes(world):
    world.driver.slash_command(ANN, "refer")
    view_id = world.standin.open_view_for(ANN).id
    assert world.driver.submit_view(ANN, answers()).status == 200
    (body,) = world.bodies("submission")
    view = body["view"]
    assert (view["id"], view["callback_id"], view["private_metadata"]) == (
        view_id,
        "referral",
        "case:7",
    )
    state = {block: entry["value"] for block, entry in view["state"]["values"].items()}
    assert state["summary"] == {"type": "plain_text_input", "value": "Unexplained injury"}
    assert state["date"] == {"type": "datepicker", "selected_date": "2026-11-27"}
    assert state["time"] == {"type": "timepicker", "selected_time": "09:30"}
    assert state["agency"]["selected_option"]["value"] == "health"
    assert [o["value"] for o in state["criteria"]["selected_options"]] == ["death", "harm"]
    assert state["plan"]["selected_option"] == {"text": plain("No"), "value": "no"}
    assert state["tags"] == {"type": "multi_static_select", "selected_options": []}
    assert state["author"] == {"type": "users_select", "selected_user": BEN}
    assert state["panel"] == {"type": "multi_users_select", "selected_users": [ANN, BEN]}
    assert state["children"] == {"type": "number_input", "value": "2"}
    assert state["note"] == {"type": "plain_text_input", "value": "none"}
    assert world.standin.open_view_for(ANN) is None


def test_slack_refuses_what_a_person_could_not_submit(world):
    world.driver.slash_command(ANN, "refer")
    for bad in (
        answers(summary=None),
        answers(agency="education"),
        answers(date="27/11/2026"),
        answers(summary="x" * 51),
        answers(children="2.5"),
        {**answers(), "nowhere": {"value": "x"}},
    ):
        with pytest.raises(ValueError):
            world.driver.submit_view(ANN, bad)
    assert world.bodies("submission") == []


def test_response_actions_change_the_modal_stack(world):
    world.driver.slash_command(ANN, "refer")
    first = world.standin.open_view_for(ANN)
    world.answers.append({"response_action": "errors", "errors": {"date": "In the future"}})
    world.driver.submit_view(ANN, answers())
    assert world.standin.open_view_for(ANN) is first

    confirm = {**REFERRAL_MODAL, "title": plain("Confirm"), "blocks": CARD_BLOCKS[:1]}
    world.answers.append({"response_action": "push", "view": confirm})
    world.driver.submit_view(ANN, answers())
    pushed = world.standin.open_view_for(ANN)
    assert pushed.previous_view_id == first.id

    world.answers.append({"response_action": "update", "view": {**confirm, "title": plain("Done")}})
    world.driver.submit_view(ANN, {})
    assert world.standin.open_view_for(ANN).payload["title"]["text"] == "Done"

    world.answers.append({"response_action": "clear"})
    world.driver.submit_view(ANN, {})
    assert world.standin.open_view_for(ANN) is None


def test_errors_for_a_block_that_is_not_an_input_are_a_violation(world):
    world.driver.slash_command(ANN, "refer")
    world.answers.append({"response_action": "errors", "errors": {"nope": "Wrong"}})
    world.driver.submit_view(ANN, answers())
    assert world.standin.violations == ["response_action errors for non-input blocks ['nope']"]
    world.standin.violations.clear()


def test_closing_a_modal_notifies_only_when_asked(world):
    world.driver.slash_command(ANN, "refer")
    response = world.driver.close_view(ANN)
    assert response.sent and response.status == 200
    (body,) = world.bodies("closed")
    assert body["type"] == "view_closed" and body["view"]["callback_id"] == "referral"
    assert world.standin.open_view_for(ANN) is None

    quiet = {**REFERRAL_MODAL, "notify_on_close": False}
    world.client.views_open(trigger_id=world.standin.issue_trigger_id(ANN), view=quiet)
    assert not world.driver.close_view(ANN).sent
    assert len(world.bodies("closed")) == 1 and world.standin.open_view_for(ANN) is None


# block actions and events -------------------------------------------------------------------


def test_button_click_carries_the_message_and_the_button_value(world):
    posted = world.client.chat_postMessage(channel=ANN, text="card", blocks=CARD_BLOCKS)
    world.driver.block_action(ANN, "records_secured")
    (body,) = world.bodies("action")
    (action,) = body["actions"]
    assert (action["type"], action["value"], action["block_id"]) == (
        "button",
        "task:41",
        "card_actions",
    )
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == posted["ts"] and body["user"]["id"] == ANN
    assert body["trigger_id"] and body["response_url"]


def test_select_and_forged_value(world):
    posted = world.client.chat_postMessage(channel=ANN, text="card", blocks=CARD_BLOCKS)
    world.driver.block_action(
        ANN,
        "pick_agency",
        selected_option="police",
        channel_id=posted["channel"],
        message_ts=posted["ts"],
    )
    world.driver.block_action(ANN, "records_secured", "task:999")
    select, button = (b["actions"][0] for b in world.bodies("action"))
    assert select["selected_option"]["value"] == "police"
    assert button["value"] == "task:999"


def test_response_url_replaces_or_deletes_the_original(world):
    confirm = [{"type": "actions", "elements": [{**RECORDS_BUTTON, "action_id": "confirm"}]}]
    posted = world.client.chat_postMessage(channel=ANN, text="Confirm?", blocks=confirm)
    world.driver.block_action(ANN, "confirm")
    (message,) = world.standin.dms_to(ANN)
    assert (message.ts, message.text, message.blocks) == (posted["ts"], "Records secured", [])
    assert message.history[0]["text"] == "Confirm?"

    channel = world.client.conversations_create(name="scr-3", is_private=True)["channel"]["id"]
    world.client.conversations_invite(channel=channel, users=ANN)
    world.client.chat_postEphemeral(channel=channel, user=ANN, text="Sure?", blocks=confirm)
    world.driver.block_action(ANN, "confirm")
    assert world.standin.ephemerals_for(ANN) == []


def test_only_visible_actions_can_be_clicked(world):
    with pytest.raises(ValueError):
        world.driver.block_action(ANN, "records_secured")
    world.client.chat_postMessage(channel=BEN, text="card", blocks=CARD_BLOCKS)
    with pytest.raises(ValueError):
        world.driver.block_action(ANN, "records_secured")


def test_app_home_opened_and_published_home(world):
    world.driver.app_home_opened(ANN)
    (body,) = world.bodies("event")
    assert body["type"] == "event_callback" and body["event"]["tab"] == "home"
    assert body["authorizations"][0]["user_id"] == "U0BOT"
    assert world.standin.home_view(ANN)["blocks"][0]["text"]["text"] == "My tasks"
    world.driver.app_home_opened(ANN)
    assert world.bodies("event")[1]["event"]["view"]["type"] == "home"


def test_unknown_event_types_are_refused(world):
    with pytest.raises(ValueError):
        world.driver.event({"type": "case_referred"})


def test_unhandled_or_slow_requests_are_violations(world, monkeypatch):
    world.client.chat_postMessage(
        channel=ANN,
        text="x",
        blocks=[{"type": "actions", "elements": [{**RECORDS_BUTTON, "action_id": "x"}]}],
    )
    assert world.driver.block_action(ANN, "x").status == 404
    assert world.standin.violations[0].startswith("block_actions x answered HTTP 404")
    monkeypatch.setattr(driver_module, "ACK_DEADLINE", 0.0)
    world.driver.slash_command(ANN, "status")
    assert "acknowledged after" in world.standin.violations[1]
    world.standin.violations.clear()


def test_http_transport_against_a_real_server(world):
    server = make_server("127.0.0.1", 0, world.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        driver = SlackDriver(
            http_transport(f"http://127.0.0.1:{server.port}"), SECRET, world.standin
        )
        assert driver.slash_command(ANN, "status").status == 200
        forged = driver.raw(b"a=b", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"})
        assert forged.status == 401
    finally:
        server.shutdown()
        thread.join()
    assert world.bodies("command")[0]["text"] == "status"


def test_user_file_is_downloadable_by_the_bot(world):
    channel = world.client.conversations_create(name="scr-2", is_private=True)["channel"]["id"]
    file_id = world.standin.add_user_file(ANN, channel, "police.csv", b"x,y\n")
    url = world.client.files_info(file=file_id)["file"]["url_private_download"]
    req = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {world.standin.bot_token}"}
    )
    with urllib.request.urlopen(req) as response:
        assert response.read() == b"x,y\n"
