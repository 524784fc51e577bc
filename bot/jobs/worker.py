"""`scr-bot worker`: the scheduler process (the embedded default runs it inside `scr-bot
serve` instead); `scr-bot worker --once` runs one tick and exits, for cron and operators.

One job: a tick at start and every minute after (drain the outbox: case set-ups and the
other Slack jobs listeners queued, retried with back-off; take people the partnership file
no longer names out of their case channels, send due reminders, redraw the cards of cases
whose tasks just fell due, finish sending panel invitations and send the panel's reminders,
ask the safeguarding partners' leads for their decision on a local review when a case
reaches it, read the answers that came back by e-mail when IMAP is set, remind the referrers of
referrals waiting for their details on the web and delete those 7 days old, and the
business unit's daily digest once it is due; before the reminders, the monitoring
pass: progress-return rounds, the Board's round summaries, owners who have left, archiving
signed-off channels; after them, the retention pass: erasure notices and erasing
signed-off cases' personal data when due).
The digest is part of the tick, not a job of its own: it is due from 08:30 on working days
and goes once per admin and day, so a worker started late catches it up and workers that
overlap (a rolling deploy, a cron `--once`) do not repeat it.
The tick is a plain function of a runtime, so tests call it directly with a frozen clock.

The outbox does not wait for the tick: a listener that queued a job rings the runtime's bell
after its commit, and the embedded scheduler drains at once (in a thread of its own, one
drain at a time: `Drainer`); a worker on PostgreSQL hears jobs queued by the web
processes through LISTEN/NOTIFY and does the same.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.flows.cases import refresh_card
from bot.flows.monitoring import MonitoringReport, monitoring_pass, remove_partnership_leavers
from bot.flows.panel import PanelTickReport, panel_tick
from bot.flows.panel_replies import read_calendar_replies
from bot.flows.partners import ask_waiting_partners
from bot.flows.referral_details import PendingReport, pending_referrals_pass
from bot.flows.retention import RetentionReport, retention_pass
from bot.gateway import SlackGateway
from bot.ids import Job
from bot.jobs.outbox import (
    CONCURRENCY,
    STOP_WITHIN,
    Drainer,
    DrainReport,
    drain,
    set_up_referrals_when_rung,
    tidy,
)
from bot.jobs.reminders import DeliveryReport, deliver_due_reminders, send_daily_digest
from bot.runtime import Runtime, build_runtime, settle_heap
from bot.services import outbox
from bot.settings import Settings

log = logging.getLogger(__name__)

TIMEZONE = "Europe/London"
TICK_SECONDS = 60


@dataclass
class TickReport:
    outbox: DrainReport = field(default_factory=DrainReport)
    reminders: DeliveryReport = field(default_factory=DeliveryReport)
    cards_refreshed: int = 0
    panel: PanelTickReport | None = None
    email_answers: int = 0
    monitoring: MonitoringReport | None = None
    partnership_leavers: int = 0
    retention: RetentionReport | None = None
    pending_referrals: PendingReport | None = None
    partners_asked: int = 0
    digests: int = 0
    failures: list[tuple[str, Exception]] = field(default_factory=list)
    """The steps that failed, with what they raised."""
    skipped: list[str] = field(default_factory=list)
    """The steps not started because the process was stopping (`Runtime.stopping`)."""


def tick(runtime: Runtime, client: WebClient | None = None) -> TickReport:
    """One pass of the worker; the first failure is raised at the end so the scheduler
    logs it."""
    report = run_tick(runtime, client)
    if report.failures:
        raise report.failures[0][1]
    return report


def run_tick(runtime: Runtime, client: WebClient | None = None) -> TickReport:
    """One pass of the worker. Each step runs even if an earlier one failed; the failures
    are in the report. Once the process is stopping, no step more starts, and the outbox
    and the messages of the day start nothing new: what is left waits for the next tick."""
    client = client or runtime.web_client()
    report = TickReport()

    def step(name: str, action: Callable[[], None]) -> None:
        if runtime.stopping.is_set():
            report.skipped.append(name)
            return
        try:
            action()
        except Exception as exc:
            log.error("tick: %s failed (%s)", name, type(exc).__name__)
            report.failures.append((name, exc))

    def queued() -> None:
        report.outbox = drain(runtime, client, stopping=runtime.stopping)
        tidy(runtime)

    def reminders() -> None:
        report.reminders = deliver_due_reminders(runtime, client)

    def cards() -> None:
        for case_id in sorted(report.reminders.refresh_cases):
            report.cards_refreshed += refresh_card(runtime, client, case_id)

    def panel_meetings() -> None:
        report.panel = panel_tick(runtime, client)

    def email_answers() -> None:
        report.email_answers = read_calendar_replies(runtime, client)

    def leavers() -> None:
        report.partnership_leavers = remove_partnership_leavers(runtime, client)

    def monitoring() -> None:
        report.monitoring = monitoring_pass(runtime, client)

    def erasures() -> None:
        report.retention = retention_pass(runtime, client)

    def digest() -> None:
        report.digests = send_daily_digest(runtime, client)

    def partners_decisions() -> None:
        report.partners_asked = ask_waiting_partners(runtime, client)

    def half_finished_referrals() -> None:
        gateway = SlackGateway(client, runtime.db, runtime.clock)
        report.pending_referrals = pending_referrals_pass(runtime, gateway)

    step("outbox", queued)
    step("partnership leavers", leavers)
    step("monitoring", monitoring)
    step("reminders", reminders)
    step("case cards", cards)
    step("panel meetings", panel_meetings)
    step("partners' decisions", partners_decisions)
    if runtime.settings.reads_calendar_replies:
        step("answers by e-mail", email_answers)
    step("retention", erasures)
    step("daily digest", digest)
    step("half-finished referrals", half_finished_referrals)
    if report.skipped:
        log.info("tick: stopping; %s left to the next tick", ", ".join(report.skipped))
    return report


def daily_digest(runtime: Runtime, client: WebClient | None = None) -> int:
    """The tick's digest step alone: how many admins got today's digest now."""
    return send_daily_digest(runtime, client or runtime.web_client())


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    """The tick, first at once (a worker just started or restarted has no minute to lose),
    then every minute."""
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=TICK_SECONDS, timezone=TIMEZONE),
        id="tick",
        args=[runtime],
        next_run_time=datetime.now(ZoneInfo(TIMEZONE)),
        misfire_grace_time=TICK_SECONDS * 5,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )


def drain_when_rung(scheduler: BaseScheduler, runtime: Runtime) -> Drainer:
    """Each ring of the runtime's bell drains the outbox now, in a thread of its own, up to
    `CONCURRENCY` jobs at once (`Drainer`: one drain at a time), while the scheduler runs;
    the drainer, to be stopped with the process."""

    def start(drain_now: Callable[[], None]) -> None:
        threading.Thread(target=drain_now, name="scr-outbox-drain", daemon=True).start()

    drainer = Drainer(runtime, start, CONCURRENCY)

    def wake() -> None:
        if scheduler.running:
            drainer.ring()

    runtime.bell.listen(wake)
    return drainer


def start_background_scheduler(runtime: Runtime) -> Callable[[], bool]:
    """The worker's scheduler, and the one `scr-bot serve` embeds beside its web server in
    the process that answers Slack (so that its listeners' bell reaches it). Returns how to
    stop it: no tick more, and the jobs being drained finished (`Drainer.stop`); whether
    they all finished in time."""
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    add_jobs(scheduler, runtime)
    drainer = drain_when_rung(scheduler, runtime)
    scheduler.start()

    def stop() -> bool:
        runtime.stopping.set()  # a tick under way finishes what it has in flight, no more
        scheduler.shutdown(wait=False)
        return drainer.stop(STOP_WITHIN)

    return stop


def start_web_draining(runtime: Runtime, *, scheduler: bool) -> Callable[[], bool]:
    """What a process answering Slack drains: everything, with its embedded scheduler;
    without one, only the referrals waiting, opened and set up, the worker doing the rest.
    Returns how to stop it, letting the jobs being drained finish."""
    if scheduler:
        return start_background_scheduler(runtime)
    drainer = set_up_referrals_when_rung(runtime)

    def stop() -> bool:
        return drainer.stop(STOP_WITHIN)

    return stop


def run_worker(settings: Settings) -> int:
    """The Procfile's `worker`. SIGTERM (a deploy, a restart) or Ctrl-C stops it
    gracefully: no tick more, no job more claimed, and the jobs running finished, not left
    to wait out their lease before another drainer takes them."""
    runtime = build_runtime(settings)
    runtime.stop_on_signals()
    settle_heap()
    stop = start_background_scheduler(runtime)
    listen_for_jobs(runtime)
    log.info("worker started: a tick now and every %s s; digest from 08:30", TICK_SECONDS)
    runtime.wait_until_stopping()
    finished = stop()
    log.info(
        "worker stopped%s", "" if finished else "; jobs still running are left to their leases"
    )
    return 0


def listen_for_jobs(runtime: Runtime) -> threading.Thread | None:
    """On PostgreSQL, ring the bell whenever another process queues a job (NOTIFY at its
    commit); on SQLite the web process drains its own jobs and the tick the rest."""
    if runtime.db.is_sqlite:
        return None
    thread = threading.Thread(
        target=_listen, args=(runtime,), name="scr-outbox-listen", daemon=True
    )
    thread.start()
    return thread


def _listen(runtime: Runtime) -> None:
    import psycopg

    url = runtime.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {outbox.NOTIFY_CHANNEL}")
                runtime.bell.ring()  # what was queued while nobody listened
                for _ in conn.notifies():
                    runtime.bell.ring()
        except psycopg.Error as exc:
            log.warning("outbox: listening for queued jobs failed (%s)", type(exc).__name__)
        time.sleep(5)


def run_once(settings: Settings) -> int:
    """`scr-bot worker --once`: one tick (the digest with it, if due), a one-line summary of
    counts on stdout (never case data), and 0, or 1 when a step failed (named on stderr).
    SIGTERM (cron's job killed, a deploy) stops it as it stops the worker: what is in
    flight is finished and recorded, the rest is left due for the next tick."""
    runtime = build_runtime(settings)
    previous = signal.signal(signal.SIGTERM, lambda *_: runtime.stopping.set())
    try:
        report = run_tick(runtime)
    finally:
        signal.signal(signal.SIGTERM, previous)
        runtime.db.dispose()
    print(summary(report))
    if report.skipped:
        left = ", ".join(report.skipped)
        print(f"scr-bot worker --once: stopped; left to the next tick: {left}", file=sys.stderr)
    for name, exc in report.failures:
        print(f"scr-bot worker --once: {name} failed ({type(exc).__name__})", file=sys.stderr)
    return 1 if report.failures else 0


def summary(report: TickReport) -> str:
    reminders, panel = report.reminders, report.panel
    monitoring = report.monitoring or MonitoringReport()
    parts = [
        f"reminders sent: {reminders.sent} ({reminders.messages} DMs)",
        f"reminders failed: {reminders.failed + reminders.undeliverable}",
        f"digests sent: {report.digests}",
        f"cards redrawn: {report.cards_refreshed}",
        f"cases opened: {report.outbox.completed(Job.CASE_OPEN)}",
        f"case set-ups finished: {report.outbox.completed(Job.CASE_SETUP)}",
        f"queued jobs done: {sum(report.outbox.done.values())}",
        f"panel messages: {panel.revisions_sent + panel.reminders_sent if panel else 0}",
        f"answers by e-mail: {report.email_answers}",
        f"monitoring rounds opened: {monitoring.rounds_opened}",
        f"people removed from cases: {report.partnership_leavers}",
    ]
    failed = ", ".join(name for name, _ in report.failures) or "none"
    skipped = (
        f"; steps left to the next tick: {', '.join(report.skipped)}" if report.skipped else ""
    )
    return "tick: " + "; ".join(parts) + f"; failed steps: {failed}{skipped}"
