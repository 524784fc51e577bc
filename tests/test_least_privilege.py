"""Least privilege: the manifest asks for exactly the bot scopes of the Web API methods the
code calls and of the events it subscribes to, each scope held to Slack's reference; and
every method any stand-in served in this test session has a decided scope."""

from __future__ import annotations

from pathlib import Path

from bot.demo import run_demo
from bot.testing.scopes import (
    APP_TOKEN_METHODS,
    METHOD_SCOPES,
    SIGN_IN_METHODS,
    methods_called_by,
    scopes_needed,
    undocumented_choices,
)
from bot.testing.standin import methods_served
from bot.testing.standin.reference import event_scopes, method_specs

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "slack-app-manifest.yml"


def _yaml_list(text: str, *path: str) -> list[str]:
    """The list at ``path`` (nested keys) in a block-style YAML file such as the manifest."""
    depth, items = 0, []
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        indent = len(stripped) - len(stripped.lstrip())
        if depth < len(path):
            if stripped.strip() == f"{path[depth]}:" and indent == 2 * depth:
                depth += 1
            continue
        if stripped.lstrip().startswith("- ") and indent >= 2 * (depth - 1):
            items.append(stripped.lstrip()[2:].strip().strip("\"'"))
        elif items or indent < 2 * depth:
            break
    return items


def manifest_lists() -> tuple[set[str], set[str]]:
    text = MANIFEST.read_text("utf-8")
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        scopes = _yaml_list(text, "oauth_config", "scopes", "bot")
        events = _yaml_list(text, "settings", "event_subscriptions", "bot_events")
        return set(scopes), set(events)
    data = yaml.safe_load(text)
    return (
        set(data["oauth_config"]["scopes"]["bot"]),
        set(data["settings"]["event_subscriptions"]["bot_events"]),
    )


def test_each_scope_in_the_table_is_one_slack_documents_for_its_method() -> None:
    assert undocumented_choices() == []
    known = set(method_specs())
    assert known - set(APP_TOKEN_METHODS) - set(SIGN_IN_METHODS) == set(METHOD_SCOPES), (
        "every method the stand-in serves has a decided scope"
    )


def test_the_tiny_manifest_reader_finds_the_lists() -> None:
    text = "a:\n  b:\n    c:\n      - x\n      - 'y'\n    d:\n      - z\ne:\n  - w\n"
    assert _yaml_list(text, "a", "b", "c") == ["x", "y"]
    assert _yaml_list(text, "e") == ["w"]


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses(tmp_path: Path) -> None:
    before = methods_served()
    assert run_demo(str(tmp_path)) == 0
    demo = set(methods_served() - before)
    served = set(methods_served())

    called = methods_called_by(ROOT / "bot")
    assert {"chat.postMessage", "conversations.create", "conversations.history"} <= called
    assert served - set(METHOD_SCOPES) - set(APP_TOKEN_METHODS) - set(SIGN_IN_METHODS) == set(), (
        "a method was served that has no scope in the table"
    )
    assert demo - called == set(), "the demo's calls that the code scan did not find"
    assert called - set(METHOD_SCOPES) - set(SIGN_IN_METHODS) == set(), (
        "methods the code calls with no scope decided"
    )

    scopes, events = manifest_lists()
    assert events <= set(event_scopes())
    needed = scopes_needed(called, events)
    assert sorted(needed - scopes) == [], "scopes the code needs that the manifest lacks"
    assert sorted(scopes - needed) == [], "scopes the manifest asks for that no code uses"
