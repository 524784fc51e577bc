"""`scr-bot socket` counts the envelopes it is answering, as `POST /slack/events` counts its
requests, so that the embedded scheduler's outbox drain lets Slack's requests go first
(`Runtime.answering`) whichever way they arrive."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.runtime import Answering
from bot.server import socket_mode_handler
from bot.testing.driver import SlackDriver
from bot.testing.standin.delivery import socket_transport
from tests.socket_mode.conditions import until

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


class Recording(Answering):
    """Answering as it is, noting how many were in flight as each request began."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight_at_start: list[int] = []

    @contextmanager
    def request(self) -> Iterator[None]:
        with super().request():
            self.in_flight_at_start.append(self.in_flight)
            yield


def test_an_envelope_is_counted_while_it_is_answered(
    harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:  # the SDK's Socket Mode client would go through them
        monkeypatch.delenv(name, raising=False)
    recording = Recording()
    harness.runtime.answering = recording
    standin = harness.standin
    handler = socket_mode_handler(harness.runtime, harness.app, standin.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        assert standin.socket_mode.wait_connected(10), "the bot never connected"
        driver = SlackDriver(socket_transport(standin.socket_mode), "unused", standin)
        answer = driver.slash_command("U0DPH", "help")
        assert answer.status == 200
        assert "/scr refer" in answer.body.decode()
        assert recording.in_flight_at_start == [1]
        # the answer goes back inside the count; the count ends just after
        until(lambda: recording.in_flight == 0, what="the envelope to be counted out")
    finally:
        handler.close()  # type: ignore[no-untyped-call]
