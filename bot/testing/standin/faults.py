"""Injected failures and slowness, consumed call by call."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .models import JSON
from .reference import GENERIC_ERRORS, method_specs

SERVER_ERROR_CODES = {503: "service_unavailable", 504: "request_timeout"}


@dataclass
class Fault:
    method: str
    status: int
    error: str | None
    retry_after: int | None
    remaining: int
    channel: str | None = None
    """Only calls about this conversation fail (their ``channel`` argument)."""

    def reply(self) -> tuple[int, JSON, dict[str, str]]:
        """HTTP status, body and headers, as Slack answers in this situation."""
        if self.status == 429:
            wait = 1 if self.retry_after is None else self.retry_after
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
        if self.error is not None:
            status = 200 if self.status == 500 else self.status
            return status, {"ok": False, "error": self.error}, {}
        code = SERVER_ERROR_CODES.get(self.status, "internal_error")
        return self.status, {"ok": False, "error": code}, {}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[Fault] = []
        self._delays: dict[str, float] = {}
        self._late_answers: dict[str, float] = {}
        self._gate = threading.Condition()
        self._held: set[str] = set()
        self._waiting: dict[str, int] = {}

    def plan(
        self,
        method: str,
        status: int,
        error: str | None,
        retry_after: int | None,
        times: int,
        channel: str | None = None,
    ) -> None:
        """Queue a failure, refusing ones Slack could not produce."""
        spec = method_specs().get(method)
        if spec is None and method != "*":
            raise ValueError(f"{method} is not a Slack method the stand-in knows")
        if times < 1:
            raise ValueError("times must be at least 1")
        if status == 429:
            if error not in (None, "ratelimited"):
                raise ValueError("a 429 always carries error 'ratelimited'")
        elif error is None and not 500 <= status <= 599:
            raise ValueError(f"status {status}: give 429, a 5xx, or an error code")
        documented = error is None or error in GENERIC_ERRORS
        if not documented and (spec is None or not spec.documents(str(error))):
            raise ValueError(f"Slack does not document {error!r} for {method}")
        with self._lock:
            self._failures.append(Fault(method, status, error, retry_after, times, channel))

    def slow(self, method: str, seconds: float, *, after_acting: bool = False) -> None:
        with self._lock:
            (self._late_answers if after_acting else self._delays)[method] = seconds

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._late_answers.clear()
        self.release()

    def hold(self, method: str) -> None:
        with self._gate:
            self._held.add(method)

    def release(self, method: str | None = None) -> None:
        with self._gate:
            if method is None:
                self._held.clear()
            else:
                self._held.discard(method)
            self._gate.notify_all()

    def held(self, method: str) -> int:
        with self._gate:
            return self._waiting.get(method, 0)

    def wait_while_held(self, method: str) -> None:
        """Called before a call is served: it waits while ``method`` is held."""
        with self._gate:
            if method not in self._held:
                return
            self._waiting[method] = self._waiting.get(method, 0) + 1
            self._gate.notify_all()
            self._gate.wait_for(lambda: method not in self._held)
            self._waiting[method] -= 1

    def take(self, method: str, channel: object = None) -> Fault | None:
        """The next failure planned for ``method`` (or for every method), and for
        ``channel`` if the failure names one, used up by one."""
        with self._lock:
            for fault in self._failures:
                if fault.method in (method, "*") and fault.channel in (None, channel):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._failures.remove(fault)
                    return fault
        return None

    def delay(self, method: str) -> float:
        with self._lock:
            return self._delays.get(method, self._delays.get("*", 0.0))

    def delay_after_acting(self, method: str) -> float:
        with self._lock:
            return self._late_answers.get(method, self._late_answers.get("*", 0.0))
