"""People's names for the pages, asked of Slack (`users.info`) once per person and process.
A name Slack cannot give shows as the person's Slack id."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from bot.gateway import SlackError, call_api
from bot.runtime import Runtime


class People:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def remember(self, user_id: str, name: str) -> None:
        with self._lock:
            self._names[user_id] = name

    def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = [u for u in dict.fromkeys(user_ids) if u]
        with self._lock:
            missing = [u for u in wanted if u not in self._names]
        for user_id in missing:
            name = self._ask(user_id)
            if name is not None:
                self.remember(user_id, name)
        with self._lock:
            return {u: self._names.get(u, u) for u in wanted}

    def _ask(self, user_id: str) -> str | None:
        try:
            response = call_api(self._runtime.web_client(), "users.info", user=user_id)
        except SlackError:
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or user.get("name")
        return str(name) if name else None
