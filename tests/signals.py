"""Stopping a process as the kernel may: its SIGTERM handed to a thread other than the main."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.socket_mode.conditions import until


def sigterm_through_another_thread(pid: int) -> None:
    """Send process ``pid`` its SIGTERM through one of its threads other than the main one.
    `kill(2)` given a thread's id signals the whole process, and offers the signal to that
    thread first, as the kernel does whenever the main thread cannot take it at once.
    Python runs the handler in the main thread, once that thread runs again."""
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir():
        pytest.skip("no /proc/<pid>/task on this system to reach a process's other threads")
    until(lambda: _asleep(pid), within=30, what=f"process {pid}'s main thread asleep")
    others = sorted(int(task.name) for task in tasks.iterdir() if int(task.name) != pid)
    assert others, f"process {pid} runs no thread but its main one"
    os.kill(others[-1], signal.SIGTERM)


def _asleep(pid: int) -> bool:
    """Whether the main thread waits (as it does until the process is told to stop), rather
    than runs Python code that would take the signal's handler on its way."""
    status = Path(f"/proc/{pid}/status").read_text()
    return any(line.split()[1] == "S" for line in status.splitlines() if line[:6] == "State:")
