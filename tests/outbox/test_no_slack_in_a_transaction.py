"""No Slack call while the calling thread holds a database transaction (on SQLite, the write
lock): a referral, its set-up, a morning's ticks and a task closed from a reminder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

import bot.gateway
from bot.jobs.worker import tick
from tests.reminders.reminder_helpers import london, open_case


@contextmanager
def watching(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The Slack methods called while their thread had a transaction open."""
    open_in: dict[int, int] = {}
    lock = threading.Lock()
    offending: list[str] = []

    def began(conn: Any) -> None:
        with lock:
            me = threading.get_ident()
            open_in[me] = open_in.get(me, 0) + 1

    def ended(conn: Any) -> None:
        with lock:
            me = threading.get_ident()
            open_in[me] = max(0, open_in.get(me, 0) - 1)

    real = bot.gateway.call_api

    def call_api(client: Any, method: str, **arguments: Any) -> Any:
        with lock:
            if open_in.get(threading.get_ident(), 0):
                offending.append(method)
        return real(client, method, **arguments)

    monkeypatch.setattr(bot.gateway, "call_api", call_api)
    for name, listener in (("begin", began), ("commit", ended), ("rollback", ended)):
        event.listen(engine, name, listener)
    try:
        yield offending
    finally:
        for name, listener in (("begin", began), ("commit", ended), ("rollback", ended)):
            event.remove(engine, name, listener)


def test_no_slack_call_is_made_inside_a_transaction(harness, monkeypatch) -> None:
    with watching(harness.runtime.db.engine, monkeypatch) as offending:
        open_case(harness)  # the referral, answered, and its set-up from the outbox
        harness.clock.set(london(2026, 11, 30, 9))
        tick(harness.runtime)  # the first reminders, and the cards they change
        harness.clock.advance(timedelta(days=1))
        tick(harness.runtime)
        harness.wait()
    assert len(harness.standin.calls_to("conversations.create")) == 1
    assert harness.standin.calls_to("chat.postMessage")
    assert offending == []
