"""`scr-bot worker`: the scheduler process. One per deployment (the embedded default runs it
inside `scr-bot serve` instead).

Jobs: a tick every minute (resume interrupted case set-ups, take people the partnership
file no longer names out of their case channels, send due reminders, redraw the cards of
cases whose tasks just fell due, finish sending panel invitations and send the panel's
reminders; before the reminders, the monitoring pass: progress-return rounds, the
Board's round summaries, owners who have left, archiving signed-off channels) and the daily
digest at 08:30 on working days.
Both are plain functions of a runtime, so tests call them directly with a frozen clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.flows.cases import refresh_card
from bot.flows.monitoring import MonitoringReport, monitoring_pass, remove_partnership_leavers
from bot.flows.panel import PanelTickReport, panel_tick
from bot.flows.retention import RetentionReport, retention_pass
from bot.jobs.reminders import DeliveryReport, deliver_due_reminders, send_daily_digest
from bot.jobs.setup_retry import resume_pending_setups
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

TIMEZONE = "Europe/London"
TICK_SECONDS = 60
DIGEST_HOUR, DIGEST_MINUTE = 8, 30


@dataclass
class TickReport:
    setups_completed: int = 0
    reminders: DeliveryReport = field(default_factory=DeliveryReport)
    cards_refreshed: int = 0
    panel: PanelTickReport | None = None
    monitoring: MonitoringReport | None = None
    partnership_leavers: int = 0
    retention: RetentionReport | None = None


def tick(runtime: Runtime, client: WebClient | None = None) -> TickReport:
    """One pass of the worker. Each step runs even if an earlier one failed; the first
    failure is raised at the end so the scheduler logs it."""
    client = client or runtime.web_client()
    report = TickReport()
    failures: list[BaseException] = []

    def step(name: str, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:
            log.error("tick: %s failed (%s)", name, type(exc).__name__)
            failures.append(exc)

    def setups() -> None:
        report.setups_completed = resume_pending_setups(runtime, client)

    def reminders() -> None:
        report.reminders = deliver_due_reminders(runtime, client)

    def cards() -> None:
        for case_id in sorted(report.reminders.refresh_cases):
            report.cards_refreshed += refresh_card(runtime, client, case_id)

    def panel_meetings() -> None:
        report.panel = panel_tick(runtime, client)

    def leavers() -> None:
        report.partnership_leavers = remove_partnership_leavers(runtime, client)

    def monitoring() -> None:
        report.monitoring = monitoring_pass(runtime, client)

    def erasures() -> None:
        report.retention = retention_pass(runtime, client)

    step("case set-up", setups)
    step("partnership leavers", leavers)
    step("monitoring", monitoring)
    step("reminders", reminders)
    step("case cards", cards)
    step("panel meetings", panel_meetings)
    step("retention", erasures)
    if failures:
        raise failures[0]
    return report


def daily_digest(runtime: Runtime, client: WebClient | None = None) -> int:
    return send_daily_digest(runtime, client or runtime.web_client())


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    common = {"args": [runtime], "replace_existing": True, "coalesce": True, "max_instances": 1}
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=TICK_SECONDS, timezone=TIMEZONE),
        id="tick",
        misfire_grace_time=TICK_SECONDS * 5,
        **common,
    )
    scheduler.add_job(
        daily_digest,
        CronTrigger(
            day_of_week="mon-fri", hour=DIGEST_HOUR, minute=DIGEST_MINUTE, timezone=TIMEZONE
        ),
        id="daily_digest",
        misfire_grace_time=3 * 60 * 60,
        **common,
    )


def start_background_scheduler(runtime: Runtime) -> Callable[[], None]:
    """The embedded scheduler of `scr-bot serve`: started once, beside the web server."""
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, runtime)
    scheduler.start()
    return lambda: scheduler.shutdown(wait=False)


def run_worker(settings: Settings) -> int:
    runtime = build_runtime(settings)
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, runtime)
    log.info("worker started: tick every %s s, digest at 08:30 on working days", TICK_SECONDS)
    scheduler.start()
    return 0
