"""`scr-bot serve` as a real process: HTTP on PORT, signed requests in, the stand-in out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.testing.driver import SlackDriver
from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET
from bot.testing.seed import SEED_TOML
from bot.testing.standin.delivery import http_transport
from tests import dbutil
from tests.referral.data import referral_values


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scr-bot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("scr-bot serve did not become healthy")


@pytest.fixture(params=[False])
def served(standin, tmp_path: Path, request: pytest.FixtureRequest):
    """`scr-bot serve` on a fresh database; with the scheduler when parametrised True."""
    template = dbutil.migrated_sqlite_template(tmp_path)
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{template}",
        "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SCR_CONFIG": str(config),
        "PORT": str(port),
        "TZ": "America/New_York",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", *([] if request.param else ["--no-scheduler"])],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_signed_slash_commands_over_http(served, standin) -> None:
    driver = SlackDriver(http_transport(served), SIGNING_SECRET, standin)
    response = driver.slash_command("U0DPH", "help")
    assert response.status == 200
    assert "/scr refer" in response.body.decode()
    forged = driver.raw(
        b"command=%2Fscr&text=help",
        {"X-Slack-Signature": "v0=bad", "X-Slack-Request-Timestamp": "1"},
    )
    assert forged.status == 401


@pytest.mark.parametrize("served", [True], indirect=True)
def test_serve_sets_a_referral_up_at_once_from_its_own_scheduler(served, standin) -> None:
    """The referral's set-up job is drained by the scheduler in the serving process as soon
    as it is queued, not at the next minute's tick."""
    driver = SlackDriver(http_transport(served), SIGNING_SECRET, standin)
    assert driver.slash_command("U0DPH", "refer").status == 200
    deadline = time.monotonic() + 20
    while (view := standin.open_view_for("U0DPH")) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert view is not None
    health = 1  # the seed partnership's first agency, on a fresh database
    response = driver.submit_view("U0DPH", referral_values(health), view_id=view.id)
    assert response.status == 200
    submitted = time.monotonic()
    while standin.channel_by_name("scr-2026-001") is None and time.monotonic() < submitted + 20:
        time.sleep(0.1)
    assert standin.channel_by_name("scr-2026-001") is not None, "not set up at once"


def test_serve_refuses_to_start_on_an_unmigrated_database(standin, tmp_path: Path) -> None:
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    env = {
        **os.environ,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SCR_CONFIG": str(config),
        "PORT": str(_free_port()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert b"Run `scr-bot db upgrade` first" in result.stderr
