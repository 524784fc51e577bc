"""`scr-bot worker`: the scheduler process. One per deployment (the embedded default runs it
inside `scr-bot serve` instead)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.jobs.setup_retry import resume_pending_setups
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

TICK_SECONDS = 60


def tick(runtime: Runtime) -> None:
    client = runtime.web_client()
    resume_pending_setups(runtime, client)


def _add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[runtime],
        id="tick",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=TICK_SECONDS * 5,
    )


def start_background_scheduler(runtime: Runtime) -> Callable[[], None]:
    scheduler = BackgroundScheduler(timezone="Europe/London")
    _add_jobs(scheduler, runtime)
    scheduler.start()
    return lambda: scheduler.shutdown(wait=False)


def run_worker(settings: Settings) -> int:
    runtime = build_runtime(settings)
    scheduler = BlockingScheduler(timezone="Europe/London")
    _add_jobs(scheduler, runtime)
    log.info("worker started: tick every %s s", TICK_SECONDS)
    scheduler.start()
    return 0
