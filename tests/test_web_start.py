"""The Procfile's commands as a platform runs them: `web` boots on a fresh PostgreSQL
database every time (its two workers load the partnership file one after the other, under an
advisory lock), sets up the referrals it keeps, and, like `worker`, finishes the jobs it is
running when SIGTERM stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from benchmarks.web import free_port, procfile, wait_for
from bot.ids import Job
from bot.services import outbox
from bot.testing.driver import SlackDriver, http_transport
from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET, seed_people
from bot.testing.seed import SEED_TOML
from bot.testing.standin import SlackStandIn
from storage.db import make_engine
from storage.models import Agency, Case, OutboxJob
from storage.states import JobState
from tests import dbutil
from tests.referral.data import referral_values
from tests.signals import sigterm_through_another_thread

ROOT = Path(__file__).resolve().parent.parent
BOOTS = 4
READY = re.compile(r"web worker ready \(pid (\d+)\)")
KEY = Fernet.generate_key().decode()
"""The master key the web processes and the worker share."""


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


def _procfile(
    kind: str,
    standin: SlackStandIn,
    url: str,
    config: Path,
    env: dict[str, str] | None = None,
    stderr: int = subprocess.DEVNULL,
) -> subprocess.Popen[str]:
    """The Procfile's ``kind`` command in a process group of its own, on ``url``."""
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "SCR_ENCRYPTION_KEY": KEY,
        "SCR_CONFIG": str(config),
        **(env or {}),
    }
    return subprocess.Popen(
        procfile(kind),
        shell=True,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def _start_web(standin: SlackStandIn, url: str, config: Path) -> tuple[Boot, int]:
    port = free_port()
    web = _procfile("web", standin, url, config, {"PORT": str(port)}, stderr=subprocess.PIPE)
    return Boot(web), port


@dataclass
class Web:
    """The Procfile's `web` on a fresh PostgreSQL schema of its own."""

    boot: Boot
    port: int
    engine: Engine
    url: str
    config: Path


@contextmanager
def _web_on_a_fresh_schema(standin: SlackStandIn, tmp_path: Path) -> Iterator[Web]:
    """Started with the seeded partnership; stopped, whatever it left running, and its
    schema dropped at the end."""
    base = dbutil.postgres_url()
    if base is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    seed_people(standin)
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    url, admin = dbutil.create_postgres_schema(base)
    boot, port = _start_web(standin, url, config)
    engine = make_engine(url)
    try:
        yield Web(boot, port, engine, url, config)
    finally:
        standin.clear_faults()
        engine.dispose()
        if boot.process.poll() is None:
            os.killpg(boot.process.pid, signal.SIGTERM)
            boot.process.wait(timeout=60)
        dbutil.drop_postgres_schema(admin, url)


def _referral_form(web: Web, standin: SlackStandIn) -> tuple[SlackDriver, str, dict[str, Any]]:
    """Once both web workers are up: a referral modal opened by /scr refer, and what its
    referrer fills it in with, to be submitted through the driver."""
    boot, engine = web.boot, web.engine
    assert boot.wait(2, within=120) and boot.process.poll() is None, "".join(boot.lines)
    driver = SlackDriver(http_transport(f"http://127.0.0.1:{web.port}"), SIGNING_SECRET, standin)
    driver.slash_command("U0DPH", "refer")
    assert wait_for(lambda: standin.open_view_for("U0DPH") is not None, 20)
    view = standin.open_view_for("U0DPH")
    assert view is not None
    with engine.connect() as conn:
        health = conn.execute(select(Agency.id).where(Agency.name == "Health")).scalar_one()
    return driver, view.id, referral_values(health)


@pytest.mark.postgres
def test_the_procfile_web_command_boots_on_a_fresh_postgresql_database_every_time(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    base = dbutil.postgres_url()
    if base is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    assert "--workers 2" in procfile("web")
    for _ in range(BOOTS):
        url, admin = dbutil.create_postgres_schema(base)
        boot, port = _start_web(standin, url, config)
        process = boot.process
        try:
            assert boot.wait(2, within=120), "the web command neither booted nor exited"
            assert process.poll() is None and len(boot.ready) == 2, "".join(boot.lines[-20:])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            dbutil.drop_postgres_schema(admin, url)


@pytest.mark.postgres
def test_the_procfile_web_command_opens_and_sets_up_the_referrals_it_keeps(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    """No worker runs: the web process that kept a referral opens its case after answering
    and sets it up (channel, pinned card), leaving every other kind of job to the worker."""
    with _web_on_a_fresh_schema(standin, tmp_path) as web:
        engine = web.engine
        driver, view_id, values = _referral_form(web, standin)
        with Session(engine) as session, session.begin():  # the worker's kind of job
            outbox.enqueue(session, Job.CASE_CARD, now=datetime.now(UTC), case_id=1)
        response = driver.submit_view("U0DPH", values, view_id=view_id)
        assert response.status == 200

        def jobs() -> dict[str, str]:
            with engine.connect() as conn:
                return dict(conn.execute(select(OutboxJob.kind, OutboxJob.state)).all())

        assert wait_for(lambda: jobs().get(Job.CASE_SETUP) == JobState.DONE, 30), jobs()
        with engine.connect() as conn:
            reference, channel, card = conn.execute(
                select(Case.reference, Case.channel_id, Case.card_ts)
            ).one()
        assert reference == "SCR-2026-001"
        assert len(standin.calls_to("conversations.create")) == 1
        assert card is not None and standin.pins[channel] == [card]
        with engine.connect() as conn:
            card_job = conn.execute(
                select(OutboxJob.state, OutboxJob.attempts).where(OutboxJob.kind == Job.CASE_CARD)
            ).one()
        assert tuple(card_job) == (JobState.PENDING, 0), "left to the worker, untried"


def _terminate(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the command's process group, as a platform stops a process; waits for
    every process of it (the shell goes at once, the ones it started when they are done)."""
    group = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    os.killpg(process.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(group, timeout=60)
    assert alive == [], f"still running a minute after SIGTERM: {alive}"
    process.wait(timeout=10)


@pytest.mark.postgres
def test_a_deploy_stopping_web_and_worker_lets_their_running_jobs_finish(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    """SIGTERM, as a deploy or a restart sends it: a web process stops answering and the
    worker ticking, but the set-up and the card redraw they are running are finished, not
    left to wait out their five-minute lease with the referrer waiting for the channel."""
    with _web_on_a_fresh_schema(standin, tmp_path) as web:

        def state(kind: Job) -> str | None:
            with web.engine.connect() as conn:
                statement = select(OutboxJob.state).where(OutboxJob.kind == kind)
                return conn.execute(statement).scalar()

        driver, view_id, values = _referral_form(web, standin)
        standin.slow("*", 0.5)  # the set-up's eight calls take four seconds
        response = driver.submit_view("U0DPH", values, view_id=view_id)
        assert response.status == 200
        assert wait_for(lambda: state(Job.CASE_SETUP) == JobState.RUNNING, 30)
        _terminate(web.boot.process)
        assert state(Job.CASE_SETUP) == JobState.DONE, "".join(web.boot.lines[-30:])
        with web.engine.connect() as conn:
            channel, card = conn.execute(select(Case.channel_id, Case.card_ts)).one()
        assert card is not None and standin.pins[channel] == [card]

        with Session(web.engine) as session, session.begin():
            outbox.enqueue(session, Job.CASE_CARD, now=datetime.now(UTC), case_id=1)
        standin.slow("*", 2.0)
        worker = _procfile("worker", standin, web.url, web.config)
        try:
            assert wait_for(lambda: state(Job.CASE_CARD) == JobState.RUNNING, 60)
            _terminate(worker)
            assert state(Job.CASE_CARD) == JobState.DONE
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=60)


@dataclass
class Worker:
    """The Procfile's `worker` on SQLite, its output read as it comes."""

    boot: Boot
    python: psutil.Process
    """The bot's own process, under the command's shell."""

    def said(self, words: str, within: float = 30) -> bool:
        with self.boot.changed:
            return self.boot.changed.wait_for(
                lambda: any(words in line for line in self.boot.lines), timeout=within
            )

    def tail(self) -> str:
        return "".join(self.boot.lines[-30:])


@contextmanager
def _worker(standin: SlackStandIn, tmp_path: Path) -> Iterator[Worker]:
    """Started and settled (its main thread waiting to be stopped); killed if still up."""
    config = tmp_path / "partnership.toml"
    config.write_text(SEED_TOML)
    url = f"sqlite:///{dbutil.migrated_sqlite_template(tmp_path)}"
    boot = Boot(_procfile("worker", standin, url, config, stderr=subprocess.PIPE))
    try:
        worker = Worker(boot, psutil.Process(boot.process.pid))
        assert worker.said("worker started"), worker.tail()
        group = [worker.python, *worker.python.children(recursive=True)]
        worker.python = next(process for process in group if process.num_threads() > 1)
        yield worker
    finally:
        if boot.process.poll() is None:
            os.killpg(boot.process.pid, signal.SIGKILL)
            boot.process.wait(timeout=60)


def test_the_worker_stops_on_a_sigterm_handed_to_another_of_its_threads(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    """The kernel may hand a process's SIGTERM to any of its threads. Python runs the
    handler in the main thread, which must wake for it: asleep until told to stop, the
    worker would sleep through its stop until the platform killed it, its jobs mid-way."""
    with _worker(standin, tmp_path) as worker:
        sigterm_through_another_thread(worker.python.pid)
        assert worker.boot.process.wait(timeout=30) == 0, worker.tail()
        assert worker.said("worker stopped"), worker.tail()


def test_ctrl_c_stops_the_worker_as_sigterm_does(standin: SlackStandIn, tmp_path: Path) -> None:
    """Ctrl-C at a terminal: the worker stops as a deploy stops it, its jobs finished, and
    says so, rather than dying mid-job with a traceback."""
    with _worker(standin, tmp_path) as worker:
        worker.python.send_signal(signal.SIGINT)
        assert worker.boot.process.wait(timeout=30) == 0, worker.tail()
        assert worker.said("worker stopped"), worker.tail()
        assert "Traceback" not in "".join(worker.boot.lines)
