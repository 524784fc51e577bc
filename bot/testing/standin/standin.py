"""``SlackStandIn``: a local Slack Web API for ``WebClient(base_url=standin.api_url)``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from .api.files import filetype_of
from .dispatch import Dispatcher
from .faults import Faults
from .message_queries import MessageQueries
from .models import (
    JSON,
    Channel,
    Message,
    RecordedCall,
    StoredFile,
    User,
)
from .rate_limits import RateLimits
from .server import StandInServer
from .view_controls import ViewControls
from .workspace import APP_TOKEN, Workspace

if TYPE_CHECKING:
    from .socket_mode import SocketModeServer


class SlackStandIn(MessageQueries, ViewControls):
    """A Slack workspace on 127.0.0.1 that holds the bot to Slack's documented rules.

    Anything the bot does that real Slack would reject, or that only works by luck
    (an expired trigger_id, an unknown argument), lands in ``violations``.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-standin",
        bot_user_id: str = "U0BOT",
        team_id: str = "T0SCR",
        app_token: str = APP_TOKEN,
    ) -> None:
        self._ws = Workspace(bot_token, bot_user_id, team_id, app_token)
        self._faults = Faults()
        self._limits = RateLimits()
        self._server: StandInServer | None = None
        self._socket_mode: SocketModeServer | None = None

    # lifecycle ------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is None:
            self._ws.socket_url = self._open_socket_url
            self._server = StandInServer(self._ws, Dispatcher(self._ws, self._faults, self._limits))
            self._ws.base_url = self._server.base_url
            self._server.start()
        return self

    def stop(self) -> None:
        self._faults.release()  # no call left waiting on `hold` past the server
        if self._server is not None:
            with self._ws.lock:
                self._ws.socket_url = None
                socket_mode, self._socket_mode = self._socket_mode, None
            if socket_mode is not None:
                socket_mode.stop()
            self._server.stop()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._ws.base_url

    @property
    def api_url(self) -> str:
        return f"{self._ws.base_url}/api/"

    @property
    def bot_token(self) -> str:
        return self._ws.bot_token

    @property
    def app_token(self) -> str:
        """The app-level token ``apps.connections.open`` takes (``xapp-...``)."""
        return self._ws.app_token

    @property
    def socket_mode(self) -> SocketModeServer:
        """The Socket Mode side: the WebSocket links handed out by ``apps.connections.open``."""
        # imported here: ``websockets`` is a development dependency, and the demo runs
        # the stand-in without it
        from .socket_mode import SocketModeServer

        with self._ws.lock:
            if self._socket_mode is None:
                self._socket_mode = SocketModeServer(self._ws)
            return self._socket_mode

    def _open_socket_url(self) -> str:
        return self.socket_mode.open_url()

    @property
    def oidc_client_id(self) -> str:
        """The Slack app's client id for Sign in with Slack (SLACK_CLIENT_ID)."""
        return self._ws.oidc_client_id

    @property
    def oidc_client_secret(self) -> str:
        return self._ws.oidc_client_secret

    @property
    def authorize_url(self) -> str:
        """The Sign in with Slack page (`/openid/connect/authorize` on the stand-in's host)."""
        return f"{self._ws.base_url}/openid/connect/authorize"

    @property
    def bot_user_id(self) -> str:
        return self._ws.bot_user_id

    @property
    def team_id(self) -> str:
        return self._ws.team_id

    # recorded traffic -------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        return self._ws.calls

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._ws.lock:
            return [c for c in self._ws.calls if c.method == method]

    @property
    def violations(self) -> list[str]:
        return self._ws.violations

    # people -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        email: str | None = None,
        *,
        deleted: bool = False,
        is_bot: bool = False,
        home_team_id: str | None = None,
    ) -> None:
        """``home_team_id``: an account of another workspace (Sign in with Slack names it)."""
        with self._ws.lock:
            self._ws.users[user_id] = User(
                user_id, name, email, deleted, is_bot, home_team_id=home_team_id
            )

    def deactivate_user(self, user_id: str) -> None:
        with self._ws.lock:
            self._ws.users[user_id].deleted = True

    def make_guest(self, user_id: str, *, single_channel: bool = False) -> None:
        """Make a member a guest (Slack's "restricted"; a single-channel guest is "ultra
        restricted"): the bot cannot invite them to its channels."""
        with self._ws.lock:
            user = self._ws.users[user_id]
            user.is_restricted = True
            user.is_ultra_restricted = single_channel

    def user(self, user_id: str) -> User | None:
        return self._ws.users.get(user_id)

    def add_usergroup(self, handle: str, name: str, user_ids: Iterable[str]) -> str:
        with self._ws.lock:
            group_id = self._ws.new_id("S")
            self._ws.usergroups[group_id] = {
                "id": group_id,
                "team_id": self._ws.team_id,
                "is_usergroup": True,
                "name": name,
                "handle": handle,
                "description": "",
                "date_create": int(self._ws.wall()),
                "date_delete": 0,
                "users": list(user_ids),
            }
            return group_id

    # conversations and messages ---------------------------------------------------

    @property
    def channels(self) -> dict[str, Channel]:
        return self._ws.channels

    def channel_by_name(self, name: str) -> Channel | None:
        return self._ws.channel_named(name)

    def add_member_as(self, inviter: str, channel_id: str, user_id: str) -> None:
        """A person in the channel adds someone to it from Slack itself (not through the bot)."""
        with self._ws.lock:
            channel = self._ws.channels[channel_id]
            assert inviter in channel.members, f"{inviter} is not in {channel_id}"
            channel.members.add(user_id)

    def rename_as(self, user_id: str, channel_id: str, name: str) -> None:
        """A person in the channel renames it from Slack itself."""
        with self._ws.lock:
            channel = self._ws.channels[channel_id]
            assert user_id in channel.members, f"{user_id} is not in {channel_id}"
            channel.previous_names.insert(0, channel.name)
            channel.name = name

    def add_channel(
        self, name: str, *, is_private: bool = True, members: Iterable[str] = (), creator: str = ""
    ) -> str:
        """A channel someone else made (the bot is a member only if listed)."""
        with self._ws.lock:
            channel = Channel(
                id=self._ws.new_id("C"),
                name=name,
                is_private=is_private,
                created_by=creator or next(iter(members), "U0ADMIN"),
                created=int(self._ws.wall()),
                members=set(members),
            )
            self._ws.channels[channel.id] = channel
            self._ws.messages[channel.id] = []
            return channel.id

    # files ------------------------------------------------------------------------

    @property
    def files(self) -> dict[str, StoredFile]:
        return self._ws.files

    def add_user_file(
        self, user_id: str, channel_id: str, filename: str, content: bytes, filetype: str = "csv"
    ) -> str:
        """A file a person shared in ``channel_id``; returns its id."""
        with self._ws.lock:
            stored = StoredFile(
                id=self._ws.new_id("F"),
                name=filename,
                title=filename,
                user=user_id,
                filetype=filetype or filetype_of(filename),
                created=int(self._ws.wall()),
                content=content,
                declared_length=len(content),
                uploaded=True,
                channels=[channel_id],
            )
            self._ws.files[stored.id] = stored
            message = Message(channel_id, self._ws.new_ts(), user_id, "", files=[stored.id])
            self._ws.add_message(message)
            return stored.id

    def file_json(self, file_id: str) -> JSON:
        with self._ws.lock:
            return self._ws.file_json(self._ws.files[file_id])

    # triggers and faults ------------------------------------------------------------

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A trigger_id valid for ``trigger_ttl`` seconds (3, as Slack), usable once."""
        with self._ws.lock:
            return self._ws.issue_trigger(user_id or "")

    @property
    def trigger_ttl(self) -> float:
        return self._ws.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, seconds: float) -> None:
        self._ws.trigger_ttl = seconds

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Replace the monotonic clock that ages trigger_ids (for tests)."""
        self._ws.clock = clock

    def set_wall_clock(self, clock: Callable[[], float]) -> None:
        """Replace the epoch-seconds clock behind message ts, ``post_at`` checks and ``at``.

        Point it at the bot's injected clock so both sides agree on "now" in time-travel tests.
        """
        self._ws.wall = clock

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` ("*" for any) fail; with ``channel``,
        only those about that conversation (their ``channel`` argument: a user id for a DM).

        ``status=429`` answers HTTP 429 with ``Retry-After`` (default 1 s) and ``ratelimited``;
        ``error`` with the default status answers HTTP 200 ``{"ok": false, "error": error}``;
        otherwise a 5xx with a JSON error body.
        """
        self._faults.plan(method, status, error, retry_after, times, channel)

    def slow(self, method: str, seconds: float, *, after_acting: bool = False) -> None:
        """Delay every call to ``method`` ("*" for all) by ``seconds`` before answering.

        By default the delay comes before the call is carried out; with ``after_acting`` the
        call is carried out first and only its answer is late, so a caller whose timeout is
        shorter meets Slack's worst case: it did act, but the answer never came."""
        self._faults.slow(method, seconds, after_acting=after_acting)

    def hold(self, method: str) -> None:
        """Keep every call to ``method`` waiting, unanswered, until `release` (or
        `clear_faults`): a test sees how many calls are in flight at once (`held`)."""
        self._faults.hold(method)

    def release(self, method: str | None = None) -> None:
        """Let the calls `hold` kept waiting be answered (every method's with None)."""
        self._faults.release(method)

    def held(self, method: str) -> int:
        """How many calls to ``method`` are waiting on `hold` now."""
        return self._faults.held(method)

    def rate_limit(
        self,
        method: str,
        *,
        per_conversation: float | None = None,
        conversation_burst: int = 1,
        per_workspace: float | None = None,
        workspace_burst: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Enforce Slack's rate limits on ``method`` (off by default): at most
        ``per_conversation`` calls a second to one conversation and ``per_workspace`` a
        second in all, each after a burst; beyond them HTTP 429 with ``Retry-After``.
        ``clock`` (seconds) lets a test move time; by default the monotonic clock."""
        self._limits.limit(
            method,
            per_conversation=per_conversation,
            conversation_burst=conversation_burst,
            per_workspace=per_workspace,
            workspace_burst=workspace_burst,
            clock=clock or time.monotonic,
        )

    @property
    def rate_limited(self) -> int:
        """How many calls the rate limits have refused."""
        return self._limits.refused

    def clear_faults(self) -> None:
        self._faults.clear()
        self._limits.clear()
