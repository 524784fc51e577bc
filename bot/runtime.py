"""What a running bot needs, built once at start-up and handed to the handlers."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.crypto import EncryptionKeyError, FieldCipher, cipher_for
from bot.pacing import ConversationTurns
from bot.partnership_config import PartnershipConfig, PartnershipConfigError, load_partnership
from bot.process.bolton import PAPERS_BEFORE_PANEL
from bot.process.registry import DefinitionMismatchError, check_definitions
from bot.process.working_days import WorkingCalendar, bank_holidays
from bot.services.cases.access import sync_partnership
from bot.settings import Settings, StartupError
from bot.slack_client import make_web_client
from storage.db import Database, ensure_migrated, hold_lock

log = logging.getLogger(__name__)

PARTNERSHIP_LOCK = "scr-bot:partnership"
"""Held while the partnership file is loaded into the database: processes starting at once
(gunicorn's workers, the worker process) load it one after the other, and the later ones
find it loaded already."""
STOP_POLL_SECONDS = 1.0
"""How often a process's main thread, waiting to be stopped, wakes to run a pending signal
handler (`Runtime.wait_until_stopping`)."""


class Bell:
    """Rung after a transaction that queued outbox jobs is committed: whatever drains the
    outbox in this process (the embedded scheduler, the test harness) starts at once."""

    def __init__(self) -> None:
        self._hooks: list[Callable[[], object]] = []

    def listen(self, hook: Callable[[], object]) -> None:
        self._hooks.append(hook)

    def ring(self) -> None:
        for hook in list(self._hooks):
            hook()


class Answering:
    """The Slack requests this process is answering now, over HTTP or Socket Mode. Slack
    shows an error to whoever acted when an answer takes over 3 seconds, so the outbox's
    drain in the same process (the embedded scheduler of `scr-bot serve` or `scr-bot
    socket`) lets them go first: before each job it waits for a moment with none in flight,
    for at most its patience, so that a long burst slows the set-ups but never stops them."""

    def __init__(self) -> None:
        self._count = 0
        self._quiet = threading.Condition()

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._quiet:
            self._count += 1
        try:
            yield
        finally:
            with self._quiet:
                self._count -= 1
                if not self._count:
                    self._quiet.notify_all()

    @property
    def in_flight(self) -> int:
        return self._count

    def wait_quiet(self, patience: float) -> bool:
        """Wait until no request is being answered, or ``patience`` seconds have passed;
        whether it is quiet."""
        with self._quiet:
            return self._quiet.wait_for(lambda: not self._count, timeout=patience)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    cipher: FieldCipher
    clock: Clock
    partnership: PartnershipConfig
    team_id: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    bell: Bell = field(default_factory=Bell)
    answering: Answering = field(default_factory=Answering)
    turns: ConversationTurns = field(default_factory=ConversationTurns)
    """Posts to the conversations Slack has lately refused, taking turns (`bot.pacing`)."""
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set when the process is told to stop (SIGTERM: a deploy, a restart): a tick under way
    starts no step, job or message more, and finishes those in flight; what it did not start
    is left due for the next tick, in whichever process runs it."""

    def web_client(self) -> WebClient:
        return make_web_client(self.settings)

    def stop_on_signals(self) -> None:
        """SIGTERM (a deploy, a restart) and SIGINT (Ctrl-C at a terminal) set `stopping`, so
        that the process stops as it should: no tick or job more, those running finished. A
        second Ctrl-C interrupts at once."""

        def stop(_signal: int, _frame: object) -> None:
            self.stopping.set()
            signal.signal(signal.SIGINT, signal.default_int_handler)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def wait_until_stopping(self) -> None:
        """Hold the main thread until `stopping` is set by a signal's handler, waking each
        second. Python runs a signal's handler in the main thread only, once it runs again;
        when the kernel hands the signal to another of the process's threads, nothing wakes
        a main thread asleep in an untimed wait, and the process would sleep through its
        stop until killed."""
        while not self.stopping.wait(STOP_POLL_SECONDS):
            pass

    @property
    def process_key(self) -> str:
        """The process a new case follows unless the business unit picks another: the
        partnership file's `[process] default`."""
        return self.partnership.process.default

    @property
    def identifying_details_on_web(self) -> bool:
        """Whether a referral's identifying details are entered on the case room's form."""
        wanted = self.partnership.referral.identifying_details
        return wanted != "slack" and self.settings.portal_enabled

    def working_calendar(self) -> WorkingCalendar:
        return WorkingCalendar(extra_closures=frozenset(self.partnership.calendar.closures))

    @property
    def days_before(self) -> dict[str, int]:
        """The partnership's working days before a meeting that its papers fall due (the
        engine's ``days_before``): `[panel] papers_days_before` for the Initial Panel."""
        return {PAPERS_BEFORE_PANEL.event: self.partnership.panel.papers_days_before}


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    partnership: PartnershipConfig | None = None,
    db: Database | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    try:
        cipher = cipher_for(
            settings.encryption_key.get_secret_value() if settings.encryption_key else None,
            allow_generated=settings.environment == "development",
            clock=clock,
        )
    except EncryptionKeyError as exc:
        raise StartupError(str(exc)) from exc
    if partnership is None:
        if settings.config_path is None:
            raise StartupError(
                "SCR_CONFIG is not set: point it at the partnership TOML file "
                "(agencies and roles; see partnership.example.toml)."
            )
        try:
            partnership = load_partnership(settings.config_path)
        except PartnershipConfigError as exc:
            raise StartupError(str(exc)) from exc
    try:
        check_definitions()
    except DefinitionMismatchError as exc:
        raise StartupError(str(exc)) from exc
    if partnership.referral.identifying_details == "web" and not settings.portal_enabled:
        raise StartupError(
            'The partnership file asks for identifying_details = "web", but the case room '
            'is not configured: set SCR_PUBLIC_URL and SLACK_CLIENT_ID, or choose "slack".'
        )
    database = db or Database.from_url(settings.database_url)
    try:
        ensure_migrated(database.engine)
    except RuntimeError as exc:
        raise StartupError(str(exc)) from exc
    with database.session() as session:
        hold_lock(session, PARTNERSHIP_LOCK)
        sync_partnership(session, partnership)
    runtime = Runtime(
        settings=settings,
        db=database,
        cipher=cipher,
        clock=clock,
        partnership=partnership,
    )
    _warm(runtime)
    return runtime


def _warm(runtime: Runtime) -> None:
    """Load this year's and next year's bank holidays now: the first lookup imports the
    holidays package's countries (over a second), which must not fall inside the first
    referral's transaction and its three seconds."""
    year = runtime.working_calendar().london_date(runtime.clock.now()).year
    for each in (year, year + 1):
        bank_holidays(each)


def settle_heap() -> None:
    """Leave what start-up built (the modules, the app, their caches) out of garbage
    collection from here on. A full collection walks every object the process holds and
    stops all its threads meanwhile: 100 to 200 ms, answering Slack included, and they come
    often while the heap grows in a process's first minutes. Called by each process once
    its app is built, when nothing it built is garbage yet."""
    gc.collect()
    gc.freeze()
