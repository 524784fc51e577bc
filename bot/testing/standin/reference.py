"""Slack's documented methods, arguments and error codes, loaded from package data.

The MIT snapshot in ``slack_api_ref`` is authoritative; ``extra_methods`` may only add
methods the snapshot lacks, never redefine one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

_PACKAGE = "bot.testing.standin"

GENERIC_ERRORS = frozenset(
    {
        "access_denied",
        "accesslimited",
        "account_inactive",
        "deprecated_endpoint",
        "ekm_access_denied",
        "enterprise_is_restricted",
        "fatal_error",
        "internal_error",
        "invalid_arg_name",
        "invalid_arguments",
        "invalid_array_arg",
        "invalid_auth",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "method_deprecated",
        "missing_post_type",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "not_authed",
        "org_login_required",
        "ratelimited",
        "request_timeout",
        "service_unavailable",
        "team_access_not_granted",
        "team_added_to_org",
        "token_expired",
        "token_revoked",
        "two_factor_setup_required",
        "unknown_method",
    }
)
"""Errors Slack documents as possible from any Web API method."""


@dataclass(frozen=True)
class MethodSpec:
    name: str
    http_method: str
    required: frozenset[str]
    args: frozenset[str]
    errors: frozenset[str]
    json_input: bool
    rate_tier: str | None
    source: str
    bot_scopes: frozenset[str] = frozenset()
    """The bot-token scopes Slack documents for the method, any one of which may do."""
    no_scope_required: bool = False

    def documents(self, error: str) -> bool:
        """True when Slack may return ``error`` from this method."""
        return error in self.errors or error in GENERIC_ERRORS


def _spec(name: str, data: dict[str, Any], source: str) -> MethodSpec:
    args = data.get("args", {})
    properties: dict[str, Any] = args.get("properties", {})
    return MethodSpec(
        name=name,
        http_method=str(data.get("http_method", "POST")),
        required=frozenset(args.get("required", [])),
        args=frozenset(properties),
        errors=frozenset(data.get("errors", {})),
        json_input=bool(data.get("json_input_supported", False)),
        rate_tier=data.get("rate_limits"),
        source=source,
        bot_scopes=frozenset((data.get("scope") or {}).get("bot", [])),
        no_scope_required=bool(data.get("no_scope_required", False)),
    )


def _json_files(folder: Traversable) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


@cache
def method_specs() -> dict[str, MethodSpec]:
    snapshot = resources.files(f"{_PACKAGE}.slack_api_ref.methods")
    specs = {
        f.name.removesuffix(".json"): _spec(
            f.name.removesuffix(".json"), json.loads(f.read_text("utf-8")), "slack-api-ref"
        )
        for f in _json_files(snapshot)
    }
    for f in _json_files(resources.files(f"{_PACKAGE}.extra_methods")):
        name = f.name.removesuffix(".json")
        if name in specs:
            raise RuntimeError(f"extra_methods/{f.name} redefines a method of the snapshot")
        specs[name] = _spec(name, json.loads(f.read_text("utf-8")), "extra")
    return specs


@cache
def event_types() -> frozenset[str]:
    """Event types delivered over the Events API (not RTM-only ones)."""
    data = resources.files(f"{_PACKAGE}.slack_api_ref.events").joinpath("events.json")
    events: list[dict[str, Any]] = json.loads(data.read_text("utf-8"))
    return frozenset(e["name"] for e in events if "Events" in e.get("APIs", []))


@cache
def event_scopes() -> dict[str, frozenset[str]]:
    """Each Events API event type and the scopes Slack documents for it (any one may do)."""
    data = resources.files(f"{_PACKAGE}.slack_api_ref.events").joinpath("events.json")
    events: list[dict[str, Any]] = json.loads(data.read_text("utf-8"))
    return {
        e["name"]: frozenset(e.get("scopes", [])) for e in events if "Events" in e.get("APIs", [])
    }
