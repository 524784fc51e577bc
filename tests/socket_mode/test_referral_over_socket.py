"""`scr-bot socket` as a real process: a referral made over Socket Mode, end to end.

The bot opens its link with the app-level token at the stand-in's apps.connections.open,
is greeted, and then gets `/scr refer` and the referral's submission as envelopes; the
case's private channel appears at the stand-in and the case in the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.ids import Job
from bot.testing.driver import SlackDriver
from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET
from bot.testing.seed import SEED_TOML
from bot.testing.standin import Channel, SlackStandIn
from bot.testing.standin.delivery import socket_transport
from storage.db import Database
from storage.models import Agency, Case, OutboxJob
from storage.states import JobState
from tests import dbutil
from tests.referral.data import referral_values
from tests.signals import sigterm_through_another_thread
from tests.socket_mode.conditions import until

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@dataclass
class SocketBot:
    process: subprocess.Popen[bytes]
    database: Database
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_until_connected(standin: SlackStandIn, bot: SocketBot, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise AssertionError(
                f"scr-bot socket exited with {bot.process.returncode}:\n{bot.log_text()}"
            )
        if standin.socket_mode.wait_connected(0.2):
            return
    raise AssertionError(f"scr-bot socket never connected:\n{bot.log_text()}")


@pytest.fixture
def socket_bot(standin: SlackStandIn, tmp_path: Path) -> Iterator[SocketBot]:
    template = dbutil.migrated_sqlite_template(tmp_path)
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": standin.app_token,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": f"sqlite:///{template}",
            "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SCR_CONFIG": str(config),
        }
    )
    log = tmp_path / "scr-bot-socket.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "socket"],
            env=env,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    bot = SocketBot(process, Database.from_url(f"sqlite:///{template}"), log)
    try:
        _wait_until_connected(standin, bot)
        yield bot
    finally:
        process.terminate()
        process.wait(timeout=30)  # SIGTERM: the jobs running finish first, 20 s at most
        bot.database.dispose()
    assert "Traceback" not in bot.log_text(), bot.log_text()


def _agency_id(database: Database, name: str) -> int:
    with database.session() as session:
        return session.scalars(select(Agency.id).where(Agency.name == name)).one()


def _case_with_channel(database: Database) -> Case | None:
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.channel_id.is_not(None))).first()
        if case is not None:
            session.expunge(case)
        return case


def test_a_referral_made_over_socket_mode_opens_a_private_case_channel(standin, socket_bot) -> None:
    driver = SlackDriver(socket_transport(standin.socket_mode), SIGNING_SECRET, standin)
    assert standin.calls_to("apps.connections.open")[-1].ok

    opened = driver.slash_command("U0DPH", "refer")
    assert opened.status == 200
    modal = until(lambda: standin.open_view_for("U0DPH"), within=15, what="the referral modal")

    values = referral_values(_agency_id(socket_bot.database, "Health"))
    submitted = driver.submit_view("U0DPH", values, view_id=modal.id)
    assert submitted.status == 200

    case = until(
        lambda: _case_with_channel(socket_bot.database), within=30, what="the case in the database"
    )
    members = {"U0DPH", "U0CPU1", "U0CPU2", "U0ADMIN"}

    def channel_set_up() -> Channel | None:
        channel = standin.channels.get(case.channel_id or "")
        return channel if channel is not None and members <= channel.members else None

    channel = until(channel_set_up, within=30, what="its channel, with the people invited")
    assert channel.is_private
    assert case.referred_by == "U0DPH"
    assert standin.violations == []


def _setup_state(database: Database) -> str | None:
    with database.session() as session:
        return session.scalars(
            select(OutboxJob.state).where(OutboxJob.kind == Job.CASE_SETUP)
        ).first()


def test_sigterm_lets_the_set_up_under_way_finish_then_stops(standin, socket_bot) -> None:
    """A deploy stops `scr-bot socket` as it stops `serve`: the referral's set-up it is
    running is finished, not left to wait out its lease with the referrer waiting for the
    channel, and the process then exits cleanly."""
    driver = SlackDriver(socket_transport(standin.socket_mode), SIGNING_SECRET, standin)
    driver.slash_command("U0DPH", "refer")
    modal = until(lambda: standin.open_view_for("U0DPH"), within=15, what="the referral modal")
    standin.slow("*", 0.5)  # the set-up's eight calls take four seconds
    values = referral_values(_agency_id(socket_bot.database, "Health"))
    assert driver.submit_view("U0DPH", values, view_id=modal.id).status == 200
    until(
        lambda: _setup_state(socket_bot.database) == JobState.RUNNING,
        within=30,
        what="the set-up under way",
    )

    socket_bot.process.send_signal(signal.SIGTERM)

    assert socket_bot.process.wait(timeout=60) == 0, socket_bot.log_text()
    assert _setup_state(socket_bot.database) == JobState.DONE, socket_bot.log_text()
    case = _case_with_channel(socket_bot.database)
    assert case is not None and case.card_ts is not None
    assert standin.pins[case.channel_id or ""] == [case.card_ts]
    assert "socket mode stopped" in socket_bot.log_text()


def _settled(bot: SocketBot) -> None:
    """Connected, its start-up done: the main thread waits to be told to stop."""
    until(
        lambda: "connected to Slack over Socket Mode" in bot.log_text(),
        within=30,
        what="the bot settled after connecting",
    )


def test_sigterm_handed_to_another_thread_still_stops_it(socket_bot) -> None:
    """The kernel may hand the process's SIGTERM to any of its threads. Python runs the
    handler in the main thread, which must wake for it: asleep until told to stop, it would
    sleep through its stop until the platform killed it, its jobs mid-way."""
    _settled(socket_bot)
    sigterm_through_another_thread(socket_bot.process.pid)

    assert socket_bot.process.wait(timeout=30) == 0, socket_bot.log_text()
    assert "socket mode stopped" in socket_bot.log_text()


def test_ctrl_c_stops_it_as_sigterm_does(socket_bot) -> None:
    """Ctrl-C at a terminal, where a developer runs Socket Mode: the bot stops as a deploy
    stops it, its jobs finished, and says so, rather than stopping with a traceback."""
    _settled(socket_bot)
    socket_bot.process.send_signal(signal.SIGINT)

    assert socket_bot.process.wait(timeout=30) == 0, socket_bot.log_text()
    assert "socket mode stopped" in socket_bot.log_text()
    assert "Traceback" not in socket_bot.log_text()
