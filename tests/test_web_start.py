"""The Procfile's `web` command boots on a fresh PostgreSQL database every time: its two
workers load the partnership file one after the other (an advisory lock), never both at once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET
from bot.testing.seed import SEED_TOML
from bot.testing.standin import SlackStandIn
from tests import dbutil

ROOT = Path(__file__).resolve().parent.parent
BOOTS = 4
READY = re.compile(r"web worker ready \(pid (\d+)\)")


def _procfile(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return command.strip()
    raise LookupError(kind)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Boot:
    """The web command's output, read as it comes: done when both workers said they are
    ready, or when the server exited."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.ready: set[str] = set()
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append(line)
                if match := READY.search(line):
                    self.ready.add(match.group(1))
                self.changed.notify_all()
        with self.changed:
            self.process.wait()
            self.changed.notify_all()

    def wait(self, workers: int, within: float) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: len(self.ready) >= workers or self.process.poll() is not None, within
            )


@pytest.mark.postgres
def test_the_procfile_web_command_boots_on_a_fresh_postgresql_database_every_time(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    base = dbutil.postgres_url()
    if base is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    command = _procfile("web")
    assert "--workers 2" in command
    for _ in range(BOOTS):
        url, admin = dbutil.create_postgres_schema(base)
        port = _free_port()
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PORT": str(port),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SCR_CONFIG": str(config),
        }
        process = subprocess.Popen(
            command,
            shell=True,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        boot = Boot(process)
        try:
            assert boot.wait(2, within=120), "the web command neither booted nor exited"
            assert process.poll() is None and len(boot.ready) == 2, "".join(boot.lines[-20:])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            dbutil.drop_postgres_schema(admin, url)
