"""Draining the outbox: the Slack jobs listeners queued in their own transactions.

`JOBS` is the one registry of what each kind of job does: a function of the runtime, a
gateway and the job's ids. `drain` claims one due job at a time (and commits the claim)
before it runs it, so no Slack call is made while a transaction is open and two drainers
never run one job; a job that fails is tried again later (longer each time, or as long as
Slack asked), and one Slack refuses for good is given up and logged.

Who drains: whatever queued a job rings the runtime's bell after its commit, which starts a
drain at once in that process (the embedded scheduler of `scr-bot serve`, or the test
harness); on PostgreSQL the worker also hears of jobs queued by other processes; and every
tick drains what is left, which is how the retries run."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psutil
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import decision, first_month, monitoring, panel, partners, review
from bot.flows.cases import refresh_card
from bot.flows.referral import CaseSetup, tell_opening_late
from bot.gateway import SlackError, SlackGateway
from bot.ids import Job
from bot.runtime import Runtime
from bot.services import outbox
from bot.services.outbox import ClaimedJob
from bot.services.referral.opening import open_received

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
"""A job that fails this often (about half a day of back-off) is given up and logged."""


class RetryLaterError(Exception):
    """Raised by a job that did part of its work and is to be resumed (the ``code`` is
    recorded as its last error); it is never given up."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Ending:
    """Handed to a job that writes its last result in a transaction of its own (`ENDS_ITSELF`):
    called with that transaction's session, it finishes the job there, so the drain does not
    finish it in another. A job calls it only in a transaction whose failure it lets through:
    returning normally after calling it means the job's finish was committed."""

    def __init__(self, runtime: Runtime, job: ClaimedJob, drainer: str) -> None:
        self._clock, self._job, self._drainer = runtime.clock, job, drainer
        self.called = False

    def __call__(self, session: Session) -> None:
        outbox.finish_in(session, self._job, self._drainer, self._clock.now())
        self.called = True

    @property
    def drainer(self) -> str:
        return self._drainer

    @property
    def resumed(self) -> bool:
        """Whether the job ran before: postponed, or taken again from a drainer that died."""
        return self._job.attempts > 1


def _case_open(
    runtime: Runtime, slack: SlackGateway, view_id: str, ending: Ending
) -> ClaimedJob | None:
    """The case of a received referral opened (no Slack call): its set-up is queued with it,
    taken by this drainer, and returned to be run next. An opening that fails (the database,
    a master key missing) is tried again, at least hourly, and never given up, since the
    referrer was told it is received: the referral stays kept until its case opens, and
    once it is late the referrer and the business unit are told."""
    lease = outbox.Lease(ending.drainer, runtime.clock.now() + outbox.LEASE)
    try:
        with runtime.db.session() as session:
            opened = open_received(
                session,
                view_id,
                cipher=runtime.cipher,
                cal=runtime.working_calendar(),
                setup_taken=lease,
            )
            ending(session)
    except Exception as exc:
        code = type(exc).__name__
        log.error("a referral could not be opened as a case yet (%s); tried again later", code)
        tell_opening_late(runtime, slack, view_id, code)
        raise RetryLaterError(code) from exc
    if opened is None:
        return None
    if opened.created:
        log.info("case %s referred", opened.reference)
    return opened.setup


def _case_setup(runtime: Runtime, slack: SlackGateway, case_id: int, ending: Ending) -> None:
    result = CaseSetup(runtime, slack).run(case_id, ending=ending, resumed=ending.resumed)
    if not result.complete:
        raise RetryLaterError(result.error or "setup_in_progress")


def _card(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    refresh_card(runtime, slack, case_id)


def _panel_invitations(runtime: Runtime, slack: SlackGateway, meeting_id: int) -> None:
    panel.PanelFlow(runtime, slack).send(meeting_id)


JobFunction = Callable[..., object]
"""A job's function; one that returns a `ClaimedJob` hands its drainer that job, which it
queued taken (`outbox.Lease`), to run next."""

JOBS: dict[Job, JobFunction] = {
    Job.CASE_OPEN: _case_open,
    Job.CASE_SETUP: _case_setup,
    Job.CASE_CARD: _card,
    Job.DECISION_SHOWN: decision.show_decision,
    Job.DECISION_REQUESTED: decision.send_decision_request,
    Job.DECISION_NOTICE: decision.after_notice,
    Job.PARTNERS_SHOWN: partners.show_partners,
    Job.PANEL_INVITATIONS: _panel_invitations,
    Job.PANEL_HELD: panel.announce_held,
    Job.CHAIR_APPOINTED: review.ask_appointee,
    Job.TERMS_POSTED: review.post_terms,
    Job.CHRONOLOGY_RECORDED: first_month.entries_recorded,
    Job.DRAFT_SENT: review.send_draft,
    Job.DRAFT_ACCEPTED: review.after_acceptance,
    Job.IMR_AUTHOR_ASKED: review.ask_author,
    Job.IMR_SUBMITTED: review.tell_chair_submitted,
    Job.IMR_CHAIR_ANSWERED: review.after_chair_answer,
    Job.SIGN_OFF_FINISHED: monitoring.finish_sign_off,
}
"""What each kind of job does: ``function(runtime, gateway, **ids)``."""

ENDS_ITSELF = frozenset({Job.CASE_OPEN, Job.CASE_SETUP})
"""Jobs given an `Ending` (``function(runtime, gateway, ending=..., **ids)``): a referral's
opening and its set-up, the jobs every referral runs."""


Outcome = Literal["done", "postponed", "failed"]
Ended = tuple[str, Outcome]
"""A job's kind and how its run ended."""


@dataclass
class DrainReport:
    done: Counter[str] = field(default_factory=Counter)
    postponed: int = 0
    failed: int = 0

    def completed(self, job: Job) -> int:
        return self.done[job.value]

    def count(self, ended: Ended) -> None:
        kind, outcome = ended
        if outcome == "done":
            self.done[kind] += 1
        elif outcome == "postponed":
            self.postponed += 1
        else:
            self.failed += 1


def drainer_name() -> str:
    """Who holds a claim: host, process and thread, so a lease names its holder."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 10**8}"


PATIENCE = 0.5
"""Seconds the drain waits before each job for the requests this process is answering."""

STOP_WITHIN = 20.0
"""Seconds a stopping process gives the jobs it is running to finish (`Drainer.stop`):
inside gunicorn's graceful timeout and the 30 s platforms allow between SIGTERM and SIGKILL."""

CONCURRENCY = 8
"""Jobs the scheduler's drain runs at once while they wait on Slack. A case's set-up makes
eight Slack calls one after another, each a round trip of a tenth of a second or more: run
one at a time, ten referrals made together would wait over ten seconds for their last
channel. Every set-up DMs the same CPU members, and Slack takes about one message a second
in a conversation: where it refuses one, the jobs' posts take turns (`ConversationTurns`),
so more at once cost waits in line, not set-ups put off."""


class ProcessorUse:
    """How busy the processor is, measured over a quarter of a second or more (taken as
    busy until first measured): this process's share of one processor (one Python process
    runs one thread at a time) and the whole machine's share of all of its processors. A
    drain starts another job beside those running only while both are low: jobs waiting on
    Slack gain from running together, but jobs busy with the processor (a fast Slack, or
    web requests on the same machine) would only take it from the requests being answered,
    without finishing any sooner."""

    WINDOW = 0.25
    BUSY_PROCESS = 0.5
    BUSY_MACHINE = 0.75

    def __init__(self) -> None:
        self._since = self._now()
        self._busy = True

    @staticmethod
    def _now() -> tuple[float, float, float, float]:
        """Wall and process seconds; the machine's busy and idle processor seconds."""
        times = psutil.cpu_times()._asdict()
        idle = times.pop("idle") + times.pop("iowait", 0.0)
        for counted_in_user in ("guest", "guest_nice"):
            times.pop(counted_in_user, None)
        return time.monotonic(), time.process_time(), sum(times.values()), idle

    def busy(self) -> bool:
        now = self._now()
        wall = now[0] - self._since[0]
        if wall >= self.WINDOW:
            process = (now[1] - self._since[1]) / wall
            worked, idled = now[2] - self._since[2], now[3] - self._since[3]
            machine = worked / (worked + idled) if worked + idled > 0 else 0.0
            self._busy = process > self.BUSY_PROCESS or machine > self.BUSY_MACHINE
            self._since = now
        return self._busy


def drain(
    runtime: Runtime,
    client: WebClient | None = None,
    *,
    limit: int | None = None,
    concurrency: int = 1,
    processor: ProcessorUse | None = None,
    kinds: Collection[Job] | None = None,
    stopping: threading.Event | None = None,
) -> DrainReport:
    """Run the due jobs (of ``kinds``, or all), one claim at a time, until none is due (or
    ``limit`` ran, or ``stopping`` is set: the jobs running then are finished, none more is
    claimed). With ``concurrency`` above one, up to that many run at once while the
    processor is not busy (`ProcessorUse`), never two about the same thing
    (`outbox.subject_of`): the jobs of one case still run in the order they were queued."""
    # jobs running together (set-ups DMing the same CPU members) take turns where Slack
    # refuses a post for its rate limits
    slack = SlackGateway(client or runtime.web_client(), runtime.db, runtime.clock, runtime.turns)
    me = drainer_name()
    report = DrainReport()
    running: set[Future[list[Ended]]] = set()
    use = processor or ProcessorUse()

    def settle_one(within: float | None = None) -> None:
        for future in wait(running, timeout=within, return_when=FIRST_COMPLETED).done:
            running.remove(future)
            for ended in future.result():
                report.count(ended)

    def room() -> bool:
        return not running or (len(running) < concurrency and not use.busy())

    ran = 0
    with ThreadPoolExecutor(concurrency, thread_name_prefix="scr-outbox") as pool:
        while limit is None or ran < limit:
            while not room():  # a job to finish, or (only busy) the processor to calm
                settle_one(None if len(running) >= concurrency else use.WINDOW)
            runtime.answering.wait_quiet(PATIENCE)  # Slack's requests first
            if stopping is not None and stopping.is_set():
                break
            job = outbox.claim_next(runtime.db, me, runtime.clock.now(), kinds=kinds)
            if job is None:
                if not running:
                    break
                settle_one()
                continue  # a job left for a running one's subject may be free now
            ran += 1
            if concurrency == 1:
                for ended in _run(runtime, slack, job, me):
                    report.count(ended)
            else:
                running.add(pool.submit(_run, runtime, slack, job, me))
        while running:
            settle_one()
    return report


class Drainer:
    """Drains the outbox each time it is rung, one drain at a time in this process: a ring
    during a drain makes it go round again once it ends (a job queued as it finished is not
    left for the next tick), rather than start a second drain beside it, which would run
    more jobs at once than ``concurrency``. ``start`` runs a drain elsewhere: a thread of
    its own (the scheduler) or the test harness's executor. With ``kinds``, only jobs of
    those kinds are drained (a web process opening and setting up the referrals waiting)."""

    def __init__(
        self,
        runtime: Runtime,
        start: Callable[[Callable[[], None]], object],
        concurrency: int,
        kinds: Collection[Job] | None = None,
    ) -> None:
        self._runtime = runtime
        self._start = start
        self._concurrency = concurrency
        self._kinds = kinds
        self._lock = threading.Condition()
        self._running = self._again = False
        self._stopping = threading.Event()

    def ring(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            if self._running:
                self._again = True
                return
            self._running = True
        self._start(self._drain)

    def stop(self, within: float) -> bool:
        """Claim no more jobs, and wait up to ``within`` seconds for those running to end;
        whether they did. A process stopping (a deploy, a restart) so lets its jobs finish
        rather than leave them to wait out their lease before another drainer takes them."""
        self._stopping.set()
        with self._lock:
            return self._lock.wait_for(lambda: not self._running, timeout=within)

    def _drain(self) -> None:
        try:
            while True:
                drain(
                    self._runtime,
                    concurrency=self._concurrency,
                    kinds=self._kinds,
                    stopping=self._stopping,
                )
                with self._lock:
                    if not self._again or self._stopping.is_set():
                        self._ended()
                        return
                    self._again = False
        except Exception as exc:  # logged by kind only, never re-raised into a thread's traceback
            log.error(
                "outbox: the drain failed (%s); the next ring or tick tries again",
                type(exc).__name__,
            )
            with self._lock:
                self._ended()

    def _ended(self) -> None:
        self._running = self._again = False
        self._lock.notify_all()


def _run(runtime: Runtime, slack: SlackGateway, job: ClaimedJob, me: str) -> list[Ended]:
    """Run one claimed job and settle it, then each job it handed on (a referral's set-up
    after its opening): their kinds and how each ended."""
    ended: list[Ended] = []
    step: ClaimedJob | None = job
    while step is not None:
        outcome, step = _run_one(runtime, slack, step, me)
        ended.append(outcome)
    return ended


def _run_one(
    runtime: Runtime, slack: SlackGateway, job: ClaimedJob, me: str
) -> tuple[Ended, ClaimedJob | None]:
    """Run one claimed job and settle it: its kind, how it ended, and the job it handed on."""
    db, now = runtime.db, runtime.clock.now
    try:
        kind = Job(job.kind)
    except ValueError:
        log.error("outbox job %s: unknown kind %s, given up", job.id, job.kind)
        outbox.give_up(db, job, me, error="unknown_kind", now=now())
        return (job.kind, "failed"), None
    ending = Ending(runtime, job, me) if kind in ENDS_ITSELF else None
    try:
        result = JOBS[kind](
            runtime, slack, **_ids(job.args), **({} if ending is None else {"ending": ending})
        )
    except RetryLaterError as exc:
        outbox.postpone(db, job, me, error=exc.code, at=outbox.retry_at(job.attempts, now()))
        return (job.kind, "postponed"), None
    except SlackError as exc:
        return (job.kind, _failed(runtime, job, me, exc.code, exc.retryable, exc.retry_after)), None
    except Exception as exc:
        log.error("outbox job %s (%s) failed: %s", job.id, job.kind, type(exc).__name__)
        return (job.kind, _failed(runtime, job, me, type(exc).__name__, True, None)), None
    if ending is None or not ending.called:
        outbox.finish(db, job, me, now())
    return (job.kind, "done"), result if isinstance(result, ClaimedJob) else None


def _failed(
    runtime: Runtime,
    job: ClaimedJob,
    me: str,
    code: str,
    retryable: bool,
    retry_after: float | None,
) -> Outcome:
    now = runtime.clock.now()
    if retryable and job.attempts < MAX_ATTEMPTS:
        log.warning("outbox job %s (%s): Slack error %s, tried again later", job.id, job.kind, code)
        at = outbox.retry_at(job.attempts, now, retry_after)
        outbox.postpone(runtime.db, job, me, error=code, at=at)
        return "postponed"
    log.error("outbox job %s (%s): given up after Slack error %s", job.id, job.kind, code)
    outbox.give_up(runtime.db, job, me, error=code, now=now)
    return "failed"


def _ids(args: dict[str, Any]) -> dict[str, Any]:
    return {str(name): value for name, value in args.items()}


def tidy(runtime: Runtime, now: datetime | None = None) -> int:
    """Forget jobs finished long ago (a tick step)."""
    return outbox.forget_finished(runtime.db, now or runtime.clock.now())


WEB_JOBS = frozenset({Job.CASE_OPEN, Job.CASE_SETUP})
"""What a web process without a scheduler drains itself when its bell rings: the referrals
waiting, opened and then set up. Run there, after the answer and letting the requests in flight
go first, a burst of referrals is set up by every process at once, not queued behind the worker
alone (one interpreter, so one processor); the worker, told by NOTIFY, runs whichever it
claims first, and every other kind of job, and retries what Slack interrupted at its tick."""


def set_up_referrals_when_rung(runtime: Runtime) -> Drainer:
    """In a web process without a scheduler: each ring of the bell opens and sets up the
    referrals waiting (`WEB_JOBS`), one at a time, in a thread of its own, letting the
    requests being answered go first. The drainer is returned to be stopped with the
    process (gunicorn's `worker_exit`)."""

    def start(drain_now: Callable[[], None]) -> None:
        threading.Thread(target=drain_now, name="scr-outbox-web", daemon=True).start()

    drainer = Drainer(runtime, start, 1, kinds=WEB_JOBS)
    runtime.bell.listen(drainer.ring)
    return drainer
