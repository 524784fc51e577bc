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


@pytest.fixture
def served(standin, tmp_path: Path):
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
        [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
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
        process.wait(timeout=10)


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
