"""Sending to many conversations at once within Slack's rate limits.

`chat.postMessage` allows about one message a second to a conversation, with bursts across
conversations up to a workspace-wide limit. The worker's messages of the day go one to each
person, so they can go side by side: a few at a time (`SENDERS`). Slack's `Retry-After` is
honoured twice over: the Web API client's `RateLimitErrorRetryHandler` waits it out for one
call, and a 429 that still comes through pauses every sender here until the time Slack
named has passed (on the runtime's clock), then the refused message is sent again. Each
such pause also halves how many senders may have a message in flight, and every run of as
many messages sent without a 429 lets one more back (additive increase, multiplicative
decrease): senders resuming together do not all meet the limit again. A wait longer than
`LONGEST_WAIT`, or a third refusal of the same message, is left to a later tick.

The set-ups of referrals made together are another kind of crowd: each DMs the same CPU
members and designated persons, from several threads at once. Once Slack has refused a post
to a conversation, `ConversationTurns` has the posts to it take turns a second apart.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.clock import Clock, wait_until
from bot.gateway import SlackError

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

SENDERS = 8
"""Messages in flight at once (Slack's limit is per conversation; the workspace's is far above
what eight senders reach)."""
LONGEST_WAIT = timedelta(seconds=10)
REFUSALS = 3
_PUT_BACK = object()
"""What `PacedSend._send` gives for an item a 429 put back in the queue."""


class PacedSend(Generic[K, T]):
    """Calls ``send`` for each item, ``senders`` at a time (fewer after a 429). After a
    failure ``stop`` says should halt the round, or once ``halt`` is set (the process
    stopping), nothing new starts (those in flight finish); the items never started are not
    in ``results``."""

    def __init__(
        self,
        send: Callable[[K], T],
        *,
        clock: Clock,
        stop: Callable[[BaseException], bool],
        senders: int = SENDERS,
        halt: threading.Event | None = None,
    ) -> None:
        self.send, self.clock, self.stop, self.senders = send, clock, stop, senders
        self._halt = halt
        self.results: dict[K, T | BaseException] = {}
        self.paused = 0
        """How many times a 429 paused the senders."""
        self.allowed = senders
        """How many senders may have a message in flight now."""
        self._ready = threading.Condition()
        self._queue: deque[K] = deque()
        self._refusals: dict[K, int] = {}
        self._resume_at: datetime | None = None
        self._halted = False
        self._in_flight = 0
        self._clear = 0
        """Messages sent since the last pause or the last sender let back."""

    def run(self, items: Sequence[K]) -> dict[K, T | BaseException]:
        self._queue.extend(items)
        workers = max(1, min(self.senders, len(items)))
        with ThreadPoolExecutor(workers, thread_name_prefix="scr-send") as pool:
            for future in [pool.submit(self._drain) for _ in range(workers)]:
                future.result()
        return self.results

    def _next(self) -> tuple[K, datetime | None] | None:
        with self._ready:
            self._ready.wait_for(
                lambda: self._halted or not self._queue or self._in_flight < self.allowed
            )
            if self._halted or not self._queue or (self._halt and self._halt.is_set()):
                return None
            self._in_flight += 1
            return self._queue.popleft(), self._resume_at

    def _drain(self) -> None:
        while (taken := self._next()) is not None:
            item, resume_at = taken
            try:
                if resume_at is not None:
                    wait_until(self.clock, resume_at)
                result: object = self._send(item)
            finally:
                with self._ready:
                    self._in_flight -= 1
                    self._ready.notify_all()
            if result is _PUT_BACK:
                continue  # refused for now: back at the front of the queue
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    def _send(self, item: K) -> object:
        """The item's result, recorded; `_PUT_BACK` when a 429 put it back in the queue."""
        try:
            result: T | BaseException = self.send(item)
        except SlackError as exc:
            if self._wait_and_retry(item, exc):
                return _PUT_BACK
            result = exc
        except BaseException as exc:
            result = exc
        with self._ready:
            self.results[item] = result
            if isinstance(result, BaseException):
                self._halted = self._halted or self.stop(result)
            else:
                self._clear += 1
                if self._clear >= self.allowed and self.allowed < self.senders:
                    self.allowed, self._clear = self.allowed + 1, 0
        return result

    def _wait_and_retry(self, item: K, exc: SlackError) -> bool:
        """A 429 Slack asks us to wait out briefly: every sender pauses until then, fewer of
        them go on afterwards, and the item goes back to the front of the queue."""
        if exc.code != "ratelimited" or exc.retry_after is None:
            return False
        wait = timedelta(seconds=exc.retry_after)
        with self._ready:
            refusals = self._refusals[item] = self._refusals.get(item, 0) + 1
            if wait > LONGEST_WAIT or refusals >= REFUSALS or self._halted:
                return False
            until = self.clock.now() + wait
            if self._resume_at is None or until > self._resume_at:
                self._resume_at = until
                self.paused += 1
                self.allowed, self._clear = max(1, self.allowed // 2), 0
            self._queue.appendleft(item)
            return True


TURN = timedelta(seconds=1)
"""How far apart posts go to a conversation Slack has lately refused: its one a second."""
QUIET = timedelta(minutes=1)
"""A conversation last refused longer ago than this is posted to at once again."""
TURN_REFUSALS = 5
"""Refusals of one post taking turns before it is left for later. Posts that have not met a
refusal yet retry as the Web API client does (twice, after `Retry-After`), not in turn, so
a post in line may meet theirs."""
LONGEST_TURN = timedelta(minutes=2)
"""A turn further off is not waited for: the post fails as rate limited and its job is
retried later (the outbox's lease, five minutes, outlasts the wait)."""


class ConversationTurns:
    """The posts of every thread of a process to a conversation Slack has refused with a
    429 take turns: the first once Slack's `Retry-After` has passed, each other a second
    after the one before, rather than all retrying together and meeting the limit again.
    A conversation Slack has not refused lately is posted to at once, so nothing waits
    before Slack says so. One per runtime (`Runtime.turns`); times are on the clock given."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: dict[str, datetime] = {}
        """When each conversation refused lately may next be posted to."""

    def post(self, channel: str, send: Callable[[], T], clock: Clock) -> T:
        """``send`` (one post to ``channel``) in its turn; a 429 puts it back in line, up
        to the `TURN_REFUSALS`th."""
        refusals = 0
        while True:
            self.take(channel, clock)
            try:
                return send()
            except SlackError as exc:
                refusals += 1
                wait = exc.retry_after if exc.code == "ratelimited" else None
                if wait is None or refusals >= TURN_REFUSALS:
                    raise
                self.refused(channel, wait, clock)

    def take(self, channel: str, clock: Clock) -> None:
        """Wait for this post's turn in ``channel``; `SlackError` (rate limited) when it is
        further off than `LONGEST_TURN`."""
        with self._lock:
            now = clock.now()
            free = self._free.get(channel)
            if free is None or free + QUIET < now:
                self._free.pop(channel, None)
                return
            turn = max(now, free)
            if turn - now > LONGEST_TURN:
                wait = (turn - now).total_seconds()
                raise SlackError(
                    "chat.postMessage", "ratelimited", retryable=True, retry_after=wait
                )
            self._free[channel] = turn + TURN
        wait_until(clock, turn)

    def refused(self, channel: str, retry_after: float, clock: Clock) -> None:
        """Slack refused a post to ``channel`` and asked for ``retry_after`` seconds."""
        with self._lock:
            until = clock.now() + timedelta(seconds=retry_after)
            self._free[channel] = max(until, self._free.get(channel, until))
