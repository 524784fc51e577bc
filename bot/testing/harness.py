"""The whole bot wired to the Slack stand-in: used by the tests and by `scr-bot demo`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask
from pydantic import SecretStr
from slack_bolt import App

from bot.app import create_app
from bot.clock import FrozenClock
from bot.executor import TrackingExecutor
from bot.partnership_config import PartnershipConfig
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.testing.driver import SlackDriver, wsgi_transport
from bot.testing.seed import PEOPLE, seed_partnership
from bot.testing.standin import SlackStandIn
from storage.db import Database

SIGNING_SECRET = "standin-signing-secret"
BOT_TOKEN = "xoxb-standin"


@dataclass
class Harness:
    standin: SlackStandIn
    runtime: Runtime
    executor: TrackingExecutor
    app: App
    flask: Flask
    driver: SlackDriver
    clock: FrozenClock

    def wait(self, timeout: float = 30.0) -> None:
        """Let every listener finish its after-ack work, and the outbox's jobs they queued
        (drained on the same executor, one drain at a time, as soon as they are queued)."""
        if not self.executor.wait_idle(timeout):
            raise TimeoutError("listeners still running")

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.runtime.db.dispose()


def make_settings(standin: SlackStandIn, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
        "SLACK_SIGNING_SECRET": SecretStr(SIGNING_SECRET),
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "SCR_ENCRYPTION_KEY": SecretStr(Fernet.generate_key().decode()),
        "SCR_SLACK_TIMEOUT": 10,
    }
    values.update(overrides)
    return Settings.model_validate(values)


def seed_people(standin: SlackStandIn) -> None:
    for person in PEOPLE:
        standin.add_user(person.user_id, person.name, person.email)


def start_harness(
    standin: SlackStandIn,
    database: Database,
    clock: FrozenClock,
    *,
    partnership: PartnershipConfig | None = None,
    settings: Settings | None = None,
) -> Harness:
    settings = settings or make_settings(
        standin, database.engine.url.render_as_string(hide_password=False)
    )
    runtime = build_runtime(
        settings, clock=clock, partnership=partnership or seed_partnership(), db=database
    )
    runtime.team_id = standin.team_id
    executor = TrackingExecutor()
    from bot.jobs.outbox import Drainer

    # the outbox's jobs drained on the listeners' executor, one drain at a time, so that
    # waiting for the executor waits for them too, and they run in the order queued
    runtime.bell.listen(Drainer(runtime, executor.submit, concurrency=1).ring)
    app = create_app(runtime, listener_executor=executor)
    from bot.web import create_flask_app

    flask_app = create_flask_app(runtime, app)
    driver = SlackDriver(wsgi_transport(flask_app), SIGNING_SECRET, standin)
    return Harness(standin, runtime, executor, app, flask_app, driver, clock)
