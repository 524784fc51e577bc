"""What a process loads at start: the web app and the worker leave python-docx (with lxml,
about 7 MB resident in each process) until a Word document is first made."""

from __future__ import annotations

import json
import subprocess
import sys

LOADED = """
import json, sys
import bot.app, bot.web, bot.jobs.worker
print(json.dumps(sorted(m for m in ("docx", "lxml") if m in sys.modules)))
"""


def test_the_web_app_and_the_worker_start_without_the_word_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


MASTER = """
import json, sys
import bot.server
bot.server._Gunicorn.run = lambda self: print(json.dumps(sorted(sys.modules)))
from bot.cli import main
main(["serve"])
"""


def test_the_serve_master_forks_before_it_loads_the_app(tmp_path) -> None:
    """`scr-bot serve`'s gunicorn master only forks and watches: up to the moment gunicorn
    runs, it has loaded the settings and gunicorn, not the database layer, Bolt or the app
    (each of which would sit in the master's memory beside the worker's own copy)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "SCR_ENCRYPTION_KEY": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "SCR_CONFIG": str(tmp_path / "partnership.toml"),
    }
    done = subprocess.run(
        [sys.executable, "-c", MASTER],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "bot.server" in loaded and "gunicorn.app.base" in loaded
    heavy = ("sqlalchemy", "alembic", "slack_bolt", "flask", "storage", "bot.runtime", "bot.app")
    assert sorted(m for m in loaded if m.split(".")[0] in heavy or m in heavy) == []
