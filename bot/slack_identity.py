"""Who the bot is in Slack, asked once (auth.test) and remembered, so that a slow Slack does
not hold up the ack of the first request after start-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.gateway import SlackError, call_api

log = logging.getLogger(__name__)


class BotIdentity:
    def __init__(self, client: WebClient, token: str) -> None:
        self._client = client
        self._token = token
        self._result: AuthorizeResult | None = None
        self._lock = threading.Lock()

    def warm(self) -> bool:
        """Ask Slack now; a failure is not fatal (the first request asks again)."""
        try:
            self.authorize()
        except SlackError as exc:
            log.warning("auth.test failed at start-up (%s); will retry", exc.code)
            return False
        return True

    def authorize(self) -> AuthorizeResult:
        with self._lock:
            if self._result is None:
                response = call_api(self._client, "auth.test", token=self._token)
                self._result = AuthorizeResult(
                    enterprise_id=response.get("enterprise_id"),
                    team_id=response.get("team_id"),
                    bot_token=self._token,
                    bot_user_id=response.get("user_id"),
                    bot_id=response.get("bot_id"),
                )
            return self._result

    def bolt_authorize(self) -> Callable[..., AuthorizeResult]:
        """Bolt passes arguments by name; this single-workspace bot needs none of them."""

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return self.authorize()

        return authorize
