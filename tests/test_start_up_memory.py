"""What a process loads at start: the web app and the worker leave python-docx (with lxml,
about 7 MB resident in each process) until a Word document is first made, and Alembic
(about 12 MB) to `scr-bot db upgrade`; `scr-bot serve`'s master loads neither the app nor
the database layer; and what each process built at start is left out of garbage collection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.testing.seed import SEED_TOML
from bot.testing.standin import SlackStandIn
from storage.db import make_engine
from storage.migrate import upgrade

LOADED = """
import json, sys
import bot.app, bot.web, bot.jobs.worker
print(json.dumps(sorted(m for m in ("docx", "lxml") if m in sys.modules)))
"""

BUILT = """
import json, sys
from bot.app import create_app
from bot.runtime import build_runtime
from bot.settings import Settings
create_app(build_runtime(Settings()))
print(json.dumps(sorted(m for m in ("alembic", "docx", "lxml") if m in sys.modules)))
"""

MASTER = """
import json, sys
import bot.server
bot.server._Gunicorn.run = lambda self: print(json.dumps(sorted(sys.modules)))
from bot.cli import main
main(["serve"])
"""


def _printed(code: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    """What ``code`` prints last (as JSON), run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_web_app_and_the_worker_start_without_the_word_library() -> None:
    assert _printed(LOADED) == []


def _bot_env(tmp_path: Path) -> dict[str, str]:
    """A migrated SQLite database and a partnership file, as a process starting needs."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": url,
        "SCR_CONFIG": str(config),
        "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }


def test_a_started_bot_has_checked_its_schema_without_alembic(tmp_path: Path) -> None:
    assert _printed(BUILT, _bot_env(tmp_path), tmp_path) == []


STARTED = """
import gc, json, os, threading, time
from bot.settings import Settings


def watch():
    deadline = time.monotonic() + 60
    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]), flush=True)
    os._exit(0)


threading.Thread(target=watch, daemon=True).start()
{start}
time.sleep(120)
"""

STARTS = {
    "web": "import bot.web; bot.web.create_wsgi_app()",
    "serve": "import bot.server; bot.server._WorkerApp(Settings(), scheduler=True)()",
    "socket": "import bot.server; bot.server.socket_mode(Settings())",
    "worker": "import bot.jobs.worker; bot.jobs.worker.run_worker(Settings())",
}


@pytest.mark.parametrize("process", sorted(STARTS))
def test_what_a_process_built_at_start_is_left_out_of_garbage_collection(
    tmp_path: Path, standin: SlackStandIn, process: str
) -> None:
    """A full collection walks every object it tracks, stopping the process's threads
    meanwhile: with the modules and the app tracked, 100 to 200 ms, in the middle of
    answering Slack. Once started (the socket connected, the worker's scheduler about to
    run), a process tracks only what it made since."""
    env = {
        **_bot_env(tmp_path),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_API_URL": standin.api_url,
        "SLACK_APP_TOKEN": standin.app_token,
    }
    frozen, tracked = _printed(STARTED.format(start=STARTS[process]), env, tmp_path)
    assert frozen > 100_000
    assert tracked < frozen / 20


def test_the_serve_master_forks_before_it_loads_the_app(tmp_path: Path) -> None:
    """`scr-bot serve`'s gunicorn master only forks and watches: up to the moment gunicorn
    runs, it has loaded the settings and gunicorn, not the database layer, Bolt or the app
    (each of which would sit in the master's memory beside the worker's own copy)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "SCR_ENCRYPTION_KEY": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "SCR_CONFIG": str(tmp_path / "partnership.toml"),
    }
    loaded = set(_printed(MASTER, env, tmp_path))
    assert "bot.server" in loaded and "gunicorn.app.base" in loaded
    heavy = ("sqlalchemy", "alembic", "slack_bolt", "flask", "storage", "bot.runtime", "bot.app")
    assert sorted(m for m in loaded if m.split(".")[0] in heavy or m in heavy) == []
