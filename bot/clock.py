"""Where "now" comes from: services never read the system clock directly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests and the demo: it stands still until moved."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)
        self._sleepers: list[datetime] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        with self._lock:
            self._now = instant.astimezone(UTC)
            self._moved.notify_all()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            self._moved.notify_all()
            return self._now

    def wait_until(self, instant: datetime) -> None:
        """Block until the clock is moved to ``instant`` or past it; a clock nobody moves
        lets the same time pass for real, as a running one would."""
        with self._lock:
            gap = (instant - self._now).total_seconds()
            self._sleepers.append(instant)
            self._moved.notify_all()
            try:
                self._moved.wait_for(lambda: self._now >= instant, timeout=max(gap, 0.0))
            finally:
                self._sleepers.remove(instant)

    def next_wake(self, *, unless: Callable[[], bool], timeout: float = 30.0) -> datetime | None:
        """For a test driving the clock: block until a thread waits on it for a later
        instant (returned, for the test to move the clock there), or until ``unless()``
        holds (None; wake the clock with ``advance(timedelta())`` when it changes)."""
        with self._lock:
            self._moved.wait_for(
                lambda: unless() or any(i > self._now for i in self._sleepers), timeout
            )
            if unless():
                return None
            return min((i for i in self._sleepers if i > self._now), default=None)


def wait_until(clock: Clock, instant: datetime) -> None:
    """Wait for ``instant`` on ``clock``: a test's frozen clock is waited on until it is
    moved; any other sleeps."""
    if isinstance(clock, FrozenClock):
        clock.wait_until(instant)
        return
    delay = (instant - clock.now()).total_seconds()
    if delay > 0:
        time.sleep(delay)
