"""Slack's rate limits, off until asked for: a token bucket per method and conversation
(`chat.postMessage`: about one message a second to a conversation, short bursts allowed)
and one per method for the workspace. A call over either is answered HTTP 429 with
`Retry-After` (whole seconds) and error `ratelimited`, and changes nothing."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

CONVERSATION_ARGS = ("channel", "channel_id")


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    at: float

    def wait(self, now: float) -> float:
        """Seconds until one call may go (0 when it may go now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class _Rule:
    per_conversation: float | None
    conversation_burst: int
    per_workspace: float | None
    workspace_burst: int
    clock: Callable[[], float]
    conversations: dict[str, _Bucket] = field(default_factory=dict)
    workspace: _Bucket | None = None


class RateLimits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, _Rule] = {}
        self.refused = 0

    def limit(
        self,
        method: str,
        *,
        per_conversation: float | None = None,
        conversation_burst: int = 1,
        per_workspace: float | None = None,
        workspace_burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        with self._lock:
            self._rules[method] = _Rule(
                per_conversation, conversation_burst, per_workspace, workspace_burst, clock
            )

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def check(self, method: str, args: Mapping[str, object]) -> int | None:
        """None when the call may go (it is counted); else the Retry-After to answer."""
        with self._lock:
            rule = self._rules.get(method)
            if rule is None:
                return None
            now = rule.clock()
            buckets = []
            if rule.per_workspace is not None:
                if rule.workspace is None:
                    rule.workspace = _new(rule.per_workspace, rule.workspace_burst, now)
                buckets.append(rule.workspace)
            conversation = next((str(args[a]) for a in CONVERSATION_ARGS if args.get(a)), None)
            if rule.per_conversation is not None and conversation is not None:
                bucket = rule.conversations.get(conversation)
                if bucket is None:
                    bucket = _new(rule.per_conversation, rule.conversation_burst, now)
                    rule.conversations[conversation] = bucket
                buckets.append(bucket)
            wait = max((b.wait(now) for b in buckets), default=0.0)
            if wait > 0:
                self.refused += 1
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.tokens -= 1
            return None


def _new(rate: float, burst: int, now: float) -> _Bucket:
    if rate <= 0 or burst < 1:
        raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
    return _Bucket(rate=rate, burst=float(burst), tokens=float(burst), at=now)
