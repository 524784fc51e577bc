"""Property-based fuzzing of the running app: Slack-shaped but random or mutated slash commands,
block actions, view submissions and events, for every listener the app registers, signed and
sent through the HTTP door. Whatever arrives: no HTTP 5xx, no traceback or ERROR in the log,
and nothing stored from a request that was refused (at the door, or as malformed by the
listener adapter).

Run with ``-s`` to see the figures (requests fuzzed, 5xx, tracebacks)."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App
from sqlalchemy import func, select

from bot import ids
from bot.clock import FrozenClock
from bot.handlers.commands import CommandRouter
from bot.testing.harness import Harness, start_harness
from bot.testing.seed import PEOPLE
from bot.testing.standin import SlackStandIn
from storage.db import Database
from storage.models import Base, Case
from tests.flow_helpers import refer

FORM = "application/x-www-form-urlencoded"
PEOPLE_IDS = [p.user_id for p in PEOPLE]
FIGURES: Counter[str] = Counter()

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The app as registered --------------------------------------------------------------------


@dataclass
class Registered:
    """What create_app really registered: action ids, callback ids, events, /scr subcommands."""

    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    subcommands: set[str] = field(default_factory=set)


@dataclass
class World:
    harness: Harness
    registered: Registered
    case_id: int
    channel_id: str
    caplog: pytest.LogCaptureFixture

    def send(self, body: bytes, content_type: str = FORM, timestamp: str | None = None) -> int:
        return _send(self, body, content_type, timestamp)


def _recording(monkeypatch: pytest.MonkeyPatch, cls: type, name: str, into: set[str]) -> None:
    original = getattr(cls, name)

    def record(self: Any, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(constraints, str):
            into.add(str(constraints))
        return original(self, constraints, *args, **kwargs)

    monkeypatch.setattr(cls, name, record)


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    print(
        f"\nfuzz figures: {FIGURES['requests']} requests fuzzed "
        f"({FIGURES['refused']} refused at the door, {FIGURES['malformed']} refused as "
        f"malformed by a listener, {FIGURES['reached a listener']} acted on), "
        f"{FIGURES['5xx']} answered 5xx, "
        f"{FIGURES['tracebacks']} left a traceback or ERROR in the log"
    )


@pytest.fixture
def world(
    standin: SlackStandIn,
    database: Database,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[World]:
    registered = Registered()
    _recording(monkeypatch, App, "action", registered.actions)
    _recording(monkeypatch, App, "view", registered.views)
    _recording(monkeypatch, App, "event", registered.events)
    original_add = CommandRouter.add

    def add(self: CommandRouter, name: str, *args: Any) -> None:
        registered.subcommands.add(name)
        original_add(self, name, *args)

    monkeypatch.setattr(CommandRouter, "add", add)
    harness = start_harness(standin, database, clock)
    monkeypatch.undo()
    refer(harness)
    with harness.runtime.db.session() as session:
        case = session.scalars(select(Case)).one()
        case_id, channel_id = case.id, case.channel_id
    assert channel_id
    caplog.set_level(logging.DEBUG)
    yield World(harness, registered, case_id, channel_id, caplog)
    harness.close()
    # The fuzz sends what real Slack would not: the stand-in's complaints about the bot's
    # answers to it are not this test's subject.
    standin.violations.clear()


def test_the_fuzz_covers_every_registered_listener(world: World) -> None:
    """The strategies below draw from what the app registered, and that is everything in
    bot/ids.py that names a button or a form."""
    declared_actions = {
        member.value
        for enum in (
            ids.Action,
            ids.PanelAction,
            ids.FirstMonthAction,
            ids.MonitoringAction,
            ids.DecisionAction,
            ids.ReviewAction,
        )
        for member in enum
    }
    declared_views = {
        member.value
        for enum in (
            ids.Callback,
            ids.PanelCallback,
            ids.FirstMonthCallback,
            ids.MonitoringCallback,
            ids.DecisionCallback,
            ids.ReviewCallback,
        )
        for member in enum
    }
    actions = {str(a) for a in world.registered.actions}
    # An id may be the prefix of a family of buttons (one per audience, say).
    missing = {a for a in declared_actions if not any(r.startswith(a) for r in actions)}
    assert missing == set()
    assert declared_views <= {str(v) for v in world.registered.views}
    assert {"help", "refer"} <= world.registered.subcommands
    assert "app_home_opened" in world.registered.events


# Sending and judging ----------------------------------------------------------------------


def _row_counts(harness: Harness) -> dict[str, int]:
    with harness.runtime.db.session() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _send(world: World, body: bytes, content_type: str, timestamp: str | None) -> int:
    harness, caplog = world.harness, world.caplog
    caplog.clear()
    before = _row_counts(harness)
    now = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp if timestamp is not None else now,
        "X-Slack-Signature": harness.driver.sign(body, int(now)),
    }
    response = harness.driver.raw(body, headers)
    harness.wait()
    FIGURES["requests"] += 1
    broken = [
        r
        for r in caplog.records
        if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()
    ]
    refused_at_door = response.status in (400, 401, 413)
    malformed = any("refused a malformed" in r.getMessage() for r in caplog.records)
    FIGURES["5xx"] += response.status >= 500
    FIGURES["tracebacks"] += bool(broken)
    FIGURES["refused"] += refused_at_door
    FIGURES["malformed"] += malformed
    FIGURES["reached a listener"] += response.status < 300 and not malformed
    assert response.status < 500, f"HTTP {response.status} for {body[:300]!r}"
    assert not broken, f"{broken[0].getMessage()} for {body[:300]!r}:\n{caplog.text}"
    if refused_at_door or malformed:
        assert _row_counts(harness) == before, f"a refused request stored something: {body!r}"
    return response.status


def _payload(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


# Strategies -------------------------------------------------------------------------------

ODD = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1",
        "2",
        "3",
        "7",
        "2147483647",
        "2147483648",
        "99999999999",
        "9" * 400,
        "1:board",
        "1:ofsted",
        "1:2",
        "2:1",
        "close:1",
        "edit:1",
        "close:" + "9" * 400,
        ":",
        "x:y",
        "null",
        "{}",
        "[]",
        "💥",
        "a\x00b",
        "<@U0DPH>",
        "<@U0DPH|lee>",
        "<#C0000|x>",
        "2026-02-31",
        "2026-13-01",
        "0001-01-01",
        "9999-12-31",
        "25:99",
        "nan",
        "1e9",
        "true",
        "x" * 3100,
    ]
)
STRINGS = ODD | st.text(max_size=30) | st.sampled_from(PEOPLE_IDS)
SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([0, -1, 1, 2, 2**31, 2**63, 10**400])
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | STRINGS
)
ANYTHING = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _ids(world: World) -> st.SearchStrategy[str]:
    """Ids that exist (the case, early tasks, agencies, people) and ones that do not."""
    real = [str(world.case_id), *(str(n) for n in range(1, 40))]
    return st.sampled_from(real) | ODD


def _maybe(strategy: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any] = ANYTHING) -> Any:
    """Mostly a plausible value, sometimes a wrong one."""
    return st.sampled_from([True] * 7 + [False]).flatmap(lambda good: strategy if good else wrong)


def _user(world: World) -> st.SearchStrategy[Any]:
    good = st.builds(
        lambda uid: {"id": uid, "username": "u", "name": "u", "team_id": "T0SCR"},
        st.sampled_from(PEOPLE_IDS),
    )
    return _maybe(good, st.sampled_from([None, "U0DPH", {}, {"id": 1}, {"id": ""}, []]))


def _metadata(world: World) -> st.SearchStrategy[str]:
    number = _ids(world) | st.integers() | st.sampled_from([10**400, -5, 0, None, [1], {"a": 1}])
    fields = st.dictionaries(
        st.sampled_from(["case", "agency", "task", "meeting", "channel", "ts", "audience"]),
        number,
        max_size=4,
    )
    as_json = fields.map(json.dumps)
    return _maybe(
        st.builds(lambda c: json.dumps({"case": c}), st.just(world.case_id)) | as_json,
        ODD | ANYTHING.map(json.dumps),
    )


BLOCK_IDS = sorted(
    {
        member.value
        for enum in (
            ids.ReferralBlock,
            ids.PanelBlock,
            ids.FirstMonthBlock,
            ids.MonitoringBlock,
            ids.DecisionBlock,
            ids.ReviewBlock,
        )
        for member in enum
    }
    | {
        f"{prefix}_{n}"
        for prefix in ("chron_date", "chron_worker", "chron_event", "chron_flags")
        for n in (1, 2)
    }
    | {f"{prefix}_1" for prefix in ("rec_action", "rec_by_whom", "rec_by_when", "rec_outcome")}
)

DATES = st.sampled_from(
    [
        "2026-11-27",
        "2026-02-31",
        "2026-13-01",
        "0001-01-01",
        "1900-01-01",
        "9999-12-31",
        "",
        "today",
    ]
) | st.dates().map(str)
TIMES = st.sampled_from(["10:00", "25:99", "", "9", "23:59"])


def _option(world: World) -> st.SearchStrategy[Any]:
    good = st.builds(
        lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v},
        _ids(world) | st.sampled_from(["yes", "no", "on_track", "child_seen", "board"]),
    )
    return _maybe(good, st.sampled_from([None, "1", 1, {}, {"value": 1}, [], {"value": None}]))


def _element(world: World) -> st.SearchStrategy[dict[str, Any]]:
    text = _maybe(STRINGS)
    option = _option(world)
    options = _maybe(
        st.lists(option, max_size=3), st.sampled_from(["a", 1, {"value": "1"}, None, ["a", 1]])
    )
    users = _maybe(st.lists(st.sampled_from(PEOPLE_IDS), max_size=3), ANYTHING)
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": text}),
        st.fixed_dictionaries({"type": st.just("number_input"), "value": text}),
        st.fixed_dictionaries({"type": st.just("datepicker"), "selected_date": _maybe(DATES)}),
        st.fixed_dictionaries({"type": st.just("timepicker"), "selected_time": _maybe(TIMES)}),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["static_select", "radio_buttons", "external_select"]),
                "selected_option": option,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["checkboxes", "multi_static_select"]),
                "selected_options": options,
            }
        ),
        st.fixed_dictionaries(
            {"type": st.just("users_select"), "selected_user": _maybe(st.sampled_from(PEOPLE_IDS))}
        ),
        st.fixed_dictionaries({"type": st.just("multi_users_select"), "selected_users": users}),
        st.fixed_dictionaries(
            {
                "type": st.just("conversations_select"),
                "selected_conversation": _maybe(st.just(world.channel_id)),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("file_input"),
                "files": _maybe(st.lists(st.fixed_dictionaries({"id": STRINGS}), max_size=2)),
            }
        ),
        st.fixed_dictionaries({"type": STRINGS, "value": ANYTHING}),
    )


def _mutate(draw: st.DrawFn, thing: dict[str, Any], keys: list[str]) -> None:
    """Now and then: drop a key or give it a value of the wrong type."""
    if draw(st.sampled_from([False] * 7 + [True])):
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            thing.pop(key, None)
        else:
            thing[key] = draw(ANYTHING)


@st.composite
def block_actions(draw: st.DrawFn, world: World) -> dict[str, Any]:
    action_id = draw(st.sampled_from(sorted(world.registered.actions)))
    value = draw(_maybe(st.none() | _ids(world)))
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": draw(st.sampled_from(["b", *BLOCK_IDS[:5]])),
        "type": draw(st.sampled_from(["button", "static_select", "overflow", "users_select"])),
        "action_ts": "1700000000.000100",
    }
    if value is not None:
        action["value"] = value
    if draw(st.booleans()):
        action["selected_option"] = draw(_option(world))
    _mutate(draw, action, ["value", "block_id", "selected_option", "action_id"])
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0SCR", "domain": "scr"},
        "user": draw(_user(world)),
        "api_app_id": "A0SCRBOT",
        "trigger_id": draw(st.sampled_from(["", "13345224609.738474920.8088930838d88f008e0", "x"])),
        "actions": draw(st.sampled_from([*[[action]] * 12, [{}], [], [action, action], "x", None])),
    }
    where = draw(st.sampled_from(["case channel"] * 4 + ["dm", "view", "view", "nowhere", "odd"]))
    user = payload["user"].get("id") if isinstance(payload["user"], dict) else None
    user = user if isinstance(user, str) and user else "U0DPH"
    channel = world.channel_id if where == "case channel" else f"D{user}"
    if where in ("case channel", "dm"):
        payload["container"] = {"type": "message", "message_ts": "1.000001", "channel_id": channel}
        payload["channel"] = {"id": channel, "name": "x"}
        if draw(st.booleans()):
            payload["response_url"] = world.harness.standin.response_url_for(user, channel)
    elif where == "view":
        payload["container"] = {"type": "view", "view_id": "V0FUZZ"}
        payload["view"] = {
            "id": "V0FUZZ",
            "type": draw(st.sampled_from(["modal", "home"])),
            "callback_id": draw(st.sampled_from(sorted(world.registered.views))),
            "private_metadata": draw(_metadata(world)),
            "state": {"values": {}},
            "hash": "h",
        }
    elif where == "odd":
        payload["container"] = draw(ANYTHING)
        payload["channel"] = draw(ANYTHING)
        payload["view"] = draw(ANYTHING)
    _mutate(draw, payload, ["user", "container", "channel", "view", "trigger_id"])
    return payload


@st.composite
def view_submissions(draw: st.DrawFn, world: World) -> dict[str, Any]:
    blocks = draw(st.lists(st.sampled_from(BLOCK_IDS), max_size=8, unique=True))
    values: Any = {block: {ids.INPUT_ACTION: draw(_element(world))} for block in blocks}
    if draw(st.sampled_from([False] * 9 + [True])):
        values = draw(st.sampled_from([[], "x", None, {"b": "x"}, {"b": {"a": "x"}}, {"b": []}]))
    view: Any = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": draw(st.sampled_from(sorted(world.registered.views))),
        "private_metadata": draw(_metadata(world)),
        "hash": "h",
        "state": {"values": values},
    }
    _mutate(draw, view, ["private_metadata", "state", "hash", "id"])
    payload: dict[str, Any] = {
        "type": draw(st.sampled_from(["view_submission", "view_submission", "view_closed"])),
        "team": {"id": "T0SCR", "domain": "scr"},
        "user": draw(_user(world)),
        "api_app_id": "A0SCRBOT",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "view": view,
        "response_urls": [],
    }
    if draw(st.sampled_from([False] * 9 + [True])):
        payload["view"] = draw(st.sampled_from(["a string view", None, [], {}, 1]))
    _mutate(draw, payload, ["user", "view", "trigger_id"])
    return payload


@st.composite
def commands(draw: st.DrawFn, world: World) -> dict[str, str]:
    sub = draw(st.sampled_from(sorted(world.registered.subcommands)) | st.text(max_size=12))
    args = draw(
        st.lists(
            _ids(world) | STRINGS | st.sampled_from(PEOPLE_IDS).map(lambda u: f"<@{u}>"), max_size=4
        )
    )
    text = " ".join([sub, *args])[:3900]
    user = draw(st.sampled_from(PEOPLE_IDS) | st.sampled_from(["U0NOBODY", "x", "U" + "9" * 60]))
    channel = draw(st.sampled_from([world.channel_id, f"D{user}", "C0NOPE", ""]))
    form = {
        "token": "legacy",
        "team_id": "T0SCR",
        "channel_id": channel,
        "user_id": user,
        "command": "/scr",
        "text": text,
        "api_app_id": "A0SCRBOT",
        "trigger_id": draw(st.sampled_from(["13345224609.738474920.8088930838d88f008e0", ""])),
    }
    if draw(st.booleans()):
        form["response_url"] = world.harness.standin.response_url_for(user, channel or "D0")
    if draw(st.sampled_from([False] * 5 + [True])):
        form.pop(draw(st.sampled_from(["channel_id", "trigger_id", "text", "team_id"])))
    return form


@st.composite
def events(draw: st.DrawFn, world: World) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(world.registered.events)))
    event: Any = {
        "type": kind,
        "user": draw(_maybe(st.sampled_from(PEOPLE_IDS))),
        "channel": draw(_maybe(st.just(world.channel_id))),
        "tab": draw(_maybe(st.sampled_from(["home", "messages"]))),
        "event_ts": "1700000000.000100",
    }
    for key in draw(st.lists(st.sampled_from(["user", "channel", "tab"]), max_size=2)):
        event.pop(key, None)
    if draw(st.sampled_from([False] * 9 + [True])):
        event["view"] = draw(ANYTHING)
    return {
        "type": "event_callback",
        "team_id": "T0SCR",
        "api_app_id": "A0SCRBOT",
        "event": event,
        "event_id": f"Ev{draw(st.integers(1, 10**6)):08d}",
        "event_time": 1700000000,
    }


# The properties ---------------------------------------------------------------------------


def _fuzz(
    world: World, data: st.DataObject, strategy: Callable[[World], st.SearchStrategy[Any]]
) -> Any:
    return data.draw(strategy(world))


@FUZZ
@given(data=st.data())
def test_no_block_action_crashes_the_bot(world: World, data: st.DataObject) -> None:
    world.send(_payload(_fuzz(world, data, block_actions)))


@FUZZ
@given(data=st.data())
def test_no_view_submission_crashes_the_bot(world: World, data: st.DataObject) -> None:
    world.send(_payload(_fuzz(world, data, view_submissions)))


@FUZZ
@given(data=st.data())
def test_no_command_crashes_the_bot(world: World, data: st.DataObject) -> None:
    world.send(urlencode(_fuzz(world, data, commands)).encode())


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_no_event_crashes_the_bot(world: World, data: st.DataObject) -> None:
    world.send(json.dumps(_fuzz(world, data, events)).encode(), "application/json")
