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
