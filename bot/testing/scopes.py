"""Least privilege: the bot-token scope each Web API method needs as this bot uses it, and
the scopes the app must ask for given the methods its code calls and the events it
subscribes to.

The bot works in private channels (``groups:*``) and DMs (``im:*``), never in public
channels or group DMs, so where Slack documents several scopes for a method the table
names the one for those conversations. Every entry is held to Slack's reference in
``bot/testing/standin/slack_api_ref`` by ``undocumented_choices``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from bot.testing.standin.reference import event_scopes, method_specs

COMMANDS_SCOPE = "commands"
"""Slash commands (``/scr``) need this scope; no Web API method does."""

METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "bookmarks.add": frozenset({"bookmarks:write"}),
    "bookmarks.edit": frozenset({"bookmarks:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.deleteScheduledMessage": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "chat.postEphemeral": frozenset({"chat:write"}),
    # A user id as the channel posts in the bot's DM with that user: chat:write suffices.
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.scheduleMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "conversations.archive": frozenset({"groups:write"}),
    "conversations.create": frozenset({"groups:write"}),
    # Adopting a post left in doubt reads a case channel's history, or a DM's.
    "conversations.history": frozenset({"groups:history", "im:history"}),
    "conversations.info": frozenset({"groups:read"}),
    "conversations.invite": frozenset({"groups:write"}),
    "conversations.kick": frozenset({"groups:write"}),
    "conversations.members": frozenset({"groups:read"}),
    "conversations.open": frozenset({"im:write"}),
    "conversations.rename": frozenset({"groups:write"}),
    "conversations.replies": frozenset({"groups:history"}),
    "conversations.setPurpose": frozenset({"groups:write"}),
    "conversations.setTopic": frozenset({"groups:write"}),
    "conversations.unarchive": frozenset({"groups:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.info": frozenset({"files:read"}),
    "pins.add": frozenset({"pins:write"}),
    "pins.remove": frozenset({"pins:write"}),
    "reactions.add": frozenset({"reactions:write"}),
    "team.info": frozenset({"team:read"}),
    "usergroups.list": frozenset({"usergroups:read"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    # Asked with types=private_channel only (a lost create's channel, found by name).
    "users.conversations": frozenset({"groups:read"}),
    "users.info": frozenset({"users:read"}),
    "users.list": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "views.push": frozenset(),
    "views.update": frozenset(),
}
"""Each Web API method (bot token) and the scopes it needs here."""

APP_TOKEN_METHODS: dict[str, str] = {"apps.connections.open": "connections:write"}
"""Methods called with the app-level token (Socket Mode); their scope is granted to that
token when it is made, not asked for in the manifest's bot scopes."""

SIGN_IN_METHODS: dict[str, frozenset[str]] = {
    "openid.connect.token": frozenset(),
    "openid.connect.userInfo": frozenset({"openid"}),
}
"""Sign in with Slack (the web case room): called with the app's client credentials and the
signed-in person's own token; their user scopes (openid, profile, email) are asked for on
Slack's authorize page, not in the manifest's bot scopes."""

SDK_HELPERS: dict[str, tuple[str, ...]] = {
    "files.upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}
"""slack_sdk helpers the code calls by name, and the Web API methods each one calls."""

_CALL = re.compile(r"""(?:\.call|call_api)\(\s*(?:[\w.]+,\s*)?["']([A-Za-z0-9_.]+)["']""")


def methods_called_by(root: Path) -> frozenset[str]:
    """The Web API methods the code under ``root`` can call: every ``.call("method")`` and
    ``call_api(client, "method")`` outside ``testing/``, sdk helpers expanded."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        if "testing" in path.relative_to(root).parts:
            continue
        for name in _CALL.findall(path.read_text("utf-8")):
            found.update(SDK_HELPERS.get(name, (name,)))
    return frozenset(found)


def scopes_needed(methods: Iterable[str], events: Iterable[str]) -> frozenset[str]:
    """The bot scopes for ``methods`` and subscribed ``events``, plus ``commands``.
    A method missing from the table raises KeyError: decide its scope first."""
    needed = {COMMANDS_SCOPE}
    for method in methods:
        if method not in APP_TOKEN_METHODS and method not in SIGN_IN_METHODS:
            needed |= METHOD_SCOPES[method]
    documented = event_scopes()
    for event in events:
        needed |= _event_scope(event, documented[event])
    return frozenset(needed)


def _event_scope(event: str, documented: frozenset[str]) -> frozenset[str]:
    """The one documented scope for private channels or DMs, else all of them."""
    if len(documented) <= 1:
        return documented
    ours = {s for s in documented if s.startswith(("groups:", "im:"))}
    if len(ours) != 1:
        raise ValueError(f"{event}: choose one of {sorted(documented)}")
    return frozenset(ours)


def undocumented_choices() -> list[str]:
    """Entries of the table that Slack's reference does not bear out (empty when all do)."""
    specs = method_specs()
    problems = []
    for method, scopes in sorted(METHOD_SCOPES.items()):
        spec = specs.get(method)
        if spec is None:
            problems.append(f"{method}: not in Slack's method reference")
        elif not scopes and not spec.no_scope_required:
            problems.append(f"{method}: Slack documents scopes {sorted(spec.bot_scopes)}")
        elif not scopes <= spec.bot_scopes:
            problems.append(f"{method}: {sorted(scopes - spec.bot_scopes)} not documented")
        elif any(not s.startswith(("groups:", "im:")) for s in scopes) and len(spec.bot_scopes) > 1:
            problems.append(f"{method}: a conversation method needs groups:/im: scopes")
    return problems
