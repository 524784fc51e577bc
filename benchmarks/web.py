"""The bot beside a bare Bolt app (`benchmarks.bare_bolt`), in one run, against the same
Slack stand-in and the same gunicorn settings, each sent the same referral form's
submission: `python -m benchmarks.web`.

Prints, for each: `/scr help` p50 (sequential); the referral submission's p50/p99 for the
first 16 after the server started (8 in flight: each process still compiling its SQL and
filling its caches, once), then at 8 and 16 in flight; on SQLite (`scr-bot serve`, one
worker) and on PostgreSQL (the Procfile's `web`, two workers, with its `worker`; when
--postgres or TEST_DATABASE_URL gives a database); 200 referrals from the first submission
to the last pinned card (with the whole machine's processor time per referral meanwhile,
whose it was, and the least time that much work could take on this machine's processors),
and 50 with every Slack call answered in 150 ms as Slack's own round trips take; submissions
answered with an error; the ratios bot/bare; for the bot, 20 referrals at 8 in flight
against Slack's rate limits on `chat.postMessage` (every set-up DMs the same CPU members)
and how many set-ups were put off; 32 referrals at 16 in flight while every Slack call takes
2 s (none may be created yet shown as failed); the resident memory of `serve`, `web` and
`worker`. Then the idle tick at 1,000, 10,000 and 50,000 cases on both databases (cases
bulk-inserted), and the time 1,000 due reminders take to leave the worker against the
stand-in with Slack's rate limits enforced. `--parts` runs some of them; `--repeat N` takes the
median of N side-by-side runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import Row, Select, func, select, text

from benchmarks import bare_bolt
from bot.ids import INPUT_ACTION, Callback, ReferralBlock
from bot.services.referral.schema import AgencyChoice
from bot.testing.driver import SlackDriver
from bot.testing.harness import BOT_TOKEN, SIGNING_SECRET, seed_people
from bot.testing.seed import SEED_TOML, seed_partnership
from bot.testing.standin import SlackStandIn
from bot.testing.standin.delivery import http_transport
from bot.testing.standin.models import View
from bot.views.referral import referral_modal
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Agency, Case, ReceivedReferral
from storage.states import SetupStatus

ROOT = Path(__file__).resolve().parent.parent
REFERRER = "U0DPH"
SLACK_WAITS = 3.0
"""Seconds Slack waits for an acknowledgement before it shows the person an error."""
PARTS = ("help", "referrals", "burst", "latency", "limits", "slow", "rss", "tick", "reminders")
ANSWERS = {
    ReferralBlock.REFERRAL_DATE: "2026-11-27",
    ReferralBlock.CHILD_NAME: "Benchmark Child",
    ReferralBlock.CHILD_DOB: "2020-01-01",
    ReferralBlock.INCIDENT_DATE: "2026-11-20",
    ReferralBlock.PRESENTING_ISSUES: "Benchmark",
    ReferralBlock.CRITERIA: ["death"],
    ReferralBlock.CP_PLAN: "no",
    ReferralBlock.OTHER_CHILDREN: "no",
}
BARE_AGENCY = "1"
"""The referring agency the bare app's form is submitted with (its first option)."""


def bare_modal() -> dict[str, Any]:
    """The bot's own referral form under the bare app's callback: Slack sends a submission
    the whole form's state (about 30 KB of percent-encoded JSON), so both apps are given the
    same request to decode and answer."""
    agencies = [
        AgencyChoice(number, agency.name)
        for number, agency in enumerate(seed_partnership().agencies, 1)
    ]
    view = referral_modal(agencies, today=date(2026, 11, 27), default_agency=int(BARE_AGENCY))
    return {**view.to_dict(), "callback_id": bare_bolt.CALLBACK_ID}


# processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_each(pid: int) -> list[float]:
    """Resident memory (MB) of a process and of each of its descendants, parents first:
    the shell, gunicorn's master, its workers."""
    found, pids = [], [pid]
    while pids:
        current = pids.pop(0)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            kb = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS"))
            found.append(kb / 1024)
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return found


def rss_mb(pid: int) -> float:
    return sum(rss_each(pid))


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its descendants so far."""
    total, pids = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pids:
        current = pids.pop(0)
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    driver: SlackDriver

    def stop(self) -> None:
        stop_group(self.process)


def start(name: str, command: str, env: dict[str, str], standin: SlackStandIn) -> Server:
    port = free_port()
    process = beside(command.replace("$PORT", str(port)), {**env, "PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        raise RuntimeError(f"{name} did not start")
    time.sleep(2)  # every worker up, not only the first to answer
    driver = SlackDriver(http_transport(base, timeout=30), SIGNING_SECRET, standin)
    return Server(name, process, base, driver)


def beside(command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``command`` in a process group of its own, quiet, with this Python's scripts first on
    its PATH: a server (`start`) or a process beside it (the Procfile's `worker`)."""
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(
        command,
        shell=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_group(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def bot_env(standin: SlackStandIn, url: str, config: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
        "SCR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SCR_CONFIG": str(config),
        "LOG_LEVEL": "WARNING",
    }


def procfile(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return command.strip()
    raise LookupError(kind)


# load ----------------------------------------------------------------------------------------


def ms(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def help_p50(server: Server, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        server.driver.slash_command(REFERRER, "help")
        times.append(time.perf_counter() - started)
    return ms(times, 0.5)


def open_forms(server: Server, standin: SlackStandIn, count: int, bare: bool) -> list[str]:
    """The referral modals to submit, opened beforehand (not timed)."""
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url)
    views = []
    for _ in range(count):
        if bare:
            trigger = standin.issue_trigger_id(REFERRER)
            views.append(client.views_open(trigger_id=trigger, view=bare_modal())["view"]["id"])
            continue
        for _attempt in range(3):  # on a busy machine the trigger_id may expire first
            server.driver.slash_command(REFERRER, "refer")
            if wait_for(lambda: _new_view(standin, views) is not None, 20):
                break
        view = _new_view(standin, views)
        assert view is not None, "the referral modal did not open"
        views.append(view.id)
    return views


def _new_view(standin: SlackStandIn, seen: list[str]) -> View | None:
    """A referral modal opened since ``seen`` (not one left open by an earlier round, whose
    submission the bot answered by updating it)."""
    view = standin.open_view_for(REFERRER)
    if view is None or view.id in seen or view.callback_id != Callback.REFERRAL:
        return None
    blocks = {block.get("block_id") for block in view.blocks}
    return view if ReferralBlock.REFERRAL_DATE.value in blocks else None


def submit_all(
    server: Server, views: list[str], in_flight: int, agency: str | None
) -> list[tuple[float, bool]]:
    """Each submission's time, and whether Slack would have shown it as done (an answer, in
    time): otherwise the person sees an error."""
    chosen = BARE_AGENCY if agency is None else agency
    values = {
        b.value: {INPUT_ACTION: v} for b, v in {**ANSWERS, ReferralBlock.AGENCY: chosen}.items()
    }

    def one(view_id: str) -> tuple[float, bool]:
        started = time.perf_counter()
        response = server.driver.submit_view(REFERRER, values, view_id=view_id)
        took = time.perf_counter() - started
        return took, response.status == 200 and took < SLACK_WAITS

    with ThreadPoolExecutor(in_flight) as pool:
        return list(pool.map(one, views))


def pinned(standin: SlackStandIn) -> int:
    return sum(len(pins) for pins in standin.pins.values())


def wait_pinned(standin: SlackStandIn, count: int, within: float) -> bool:
    """Wait until ``count`` cards are pinned in all (the set-ups' last step)."""
    return wait_for(lambda: pinned(standin) >= count, within)


def wait_for(condition: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# the side-by-side run --------------------------------------------------------------------------


@dataclass
class Figures:
    help: float = 0.0
    first: tuple[float, float] = (0.0, 0.0)
    """p50 and p99 of the first submissions after the server started (ms)."""
    submit: dict[int, tuple[float, float]] | None = None
    cpu: float = 0.0
    """CPU time of the web server's processes per referral submitted (ms), the set-ups they
    ran meanwhile included."""
    burst: float = 0.0
    burst_cpu: float = 0.0
    """Processor time of the whole machine per referral of the burst (ms): the server's,
    the database's, the stand-in's and the load's. Divided among the machine's processors,
    it is the least time the burst could take were every one of them busy throughout."""
    burst_split: dict[str, float] = field(default_factory=dict)
    """That time by whose it was (`CPU_SHARES`), ms per referral."""
    latency: float = 0.0
    """The burst with every Slack call answered after ``--slack-latency``, as Slack's own
    round trips take: set-ups waiting on Slack one after another would show here."""
    errors: int = 0
    """Submissions answered with an error (or after Slack gave up waiting)."""
    rss: float = 0.0
    processes: str = ""
    limits: tuple[float, int, int] | None = None
    """Against Slack's rate limits: seconds until every set-up was complete, set-ups put
    off to be tried again later, and posts Slack refused (429)."""
    slow: tuple[int, int, int] | None = None
    """With Slack slowed: submissions answered in time, referrals stored (cases opened or
    waiting to be), and those stored whose referrer was shown an error."""


def slow_slack(
    server: Server, standin: SlackStandIn, args: argparse.Namespace, agency: str | None, url: str
) -> tuple[int, int, int]:
    """16 referrals in flight while every Web API call takes ``--slack-delay`` seconds: how
    many were answered in time, how many referrals were stored, and how many of those the
    referrer was shown an error for (which must be none)."""
    views = open_forms(server, standin, args.slow_submissions, False)
    before = count_referrals(url)
    standin.slow("*", args.slack_delay)
    try:
        answered = submit_all(server, views, 16, agency)
    finally:
        standin.clear_faults()
    created = count_referrals(url) - before
    in_time = sum(1 for _, ok in answered if ok)
    return in_time, created, max(0, created - in_time)


def within_limits(
    server: Server, standin: SlackStandIn, args: argparse.Namespace, agency: str | None, url: str
) -> tuple[float, int, int]:
    """``--limited-burst`` referrals, 8 in flight, while the stand-in holds `chat.postMessage`
    to Slack's limits (one message a second to a conversation, ``--workspace-rate`` a second
    in all): seconds from the first submission until every set-up is complete, how many set-ups
    were put off (tried again later), and how many posts Slack refused."""
    views = open_forms(server, standin, args.limited_burst, False)
    first = newest_case(url) + 1
    refused = standin.rate_limited
    standin.rate_limit(
        "chat.postMessage",
        per_conversation=1,
        per_workspace=args.workspace_rate,
        workspace_burst=int(args.workspace_rate),
    )
    try:
        started = time.perf_counter()
        submit_all(server, views, 8, agency)
        done = wait_for(lambda: set_ups(url, first)[0] >= len(views), 600)
        seconds = time.perf_counter() - started if done else float("nan")
    finally:
        refused = standin.rate_limited - refused
        standin.clear_faults()
    return seconds, set_ups(url, first)[1], refused


def read_one(url: str, statement: Select[*tuple[Any, ...]]) -> Row[*tuple[Any, ...]]:
    """The one row ``statement`` reads from the database at ``url``, on a connection of its
    own."""
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(statement).one()
    engine.dispose()
    return row


def newest_case(url: str) -> int:
    return int(read_one(url, select(func.max(Case.id)))[0] or 0)


def count_referrals(url: str) -> int:
    """Referrals stored: the cases opened and those received and still to be opened (in one
    statement, so one being opened meanwhile is counted once)."""
    opened = select(func.count(Case.id)).scalar_subquery()
    waiting = select(func.count(ReceivedReferral.id)).scalar_subquery()
    return int(read_one(url, select(opened + waiting))[0])


def set_ups(url: str, first: int) -> tuple[int, int]:
    """Of the cases from id ``first`` on: how many are set up, and how many set-ups were
    put off at least once."""
    complete, put_off = read_one(
        url,
        select(
            func.count().filter(Case.setup_status == SetupStatus.COMPLETE),
            func.count().filter(Case.setup_attempts > 0),
        ).where(Case.id >= first),
    )
    return int(complete), int(put_off)


def health_agency(url: str) -> str:
    return str(read_one(url, select(Agency.id).where(Agency.name == "Health"))[0])


def measure(
    server: Server,
    standin: SlackStandIn,
    args: argparse.Namespace,
    agency: str | None,
    url: str | None = None,
    worker: subprocess.Popen[bytes] | None = None,
) -> Figures:
    """``agency`` is the bot's referring agency, ``url`` its database and ``worker`` the
    process beside its server; None for the bare app."""
    figures = Figures(submit={})
    bare = agency is None
    if "help" in args.parts:
        help_p50(server, 5)
        figures.help = help_p50(server, args.help_runs)
    if "referrals" in args.parts:

        def level(count: int, in_flight: int) -> tuple[float, float, float]:
            """p50 and p99 of ``count`` submissions, and the server's CPU seconds meanwhile;
            each level starts on an idle server, not behind the last one's set-ups."""
            views, pins = open_forms(server, standin, count, bare), pinned(standin)
            before = cpu_seconds(server.process.pid)
            answered = submit_all(server, views, in_flight, agency)
            cpu = cpu_seconds(server.process.pid) - before
            wait_pinned(standin, pins + len(views), 120)
            figures.errors += sum(1 for _, ok in answered if not ok)
            times = [took for took, _ in answered]
            return ms(times, 0.5), ms(times, 0.99), cpu

        figures.first = level(args.first, 8)[:2]
        levels = {n: level(args.submissions, n) for n in args.in_flight}
        figures.submit = {n: (p50, p99) for n, (p50, p99, _) in levels.items()}
        cpu = sum(cpu for _, _, cpu in levels.values())
        figures.cpu = cpu / (args.submissions * len(levels)) * 1000
    if "burst" in args.parts:
        figures.burst, figures.burst_split = burst(
            server, standin, args.burst, agency, figures, worker
        )
        figures.burst_cpu = figures.burst_split.pop("machine")
    if "latency" in args.parts:
        standin.slow("*", args.slack_latency)
        try:
            figures.latency, _ = burst(server, standin, args.latency_burst, agency, figures, worker)
        finally:
            standin.clear_faults()
    if "limits" in args.parts and url is not None:
        figures.limits = within_limits(server, standin, args, agency, url)
    if "slow" in args.parts and url is not None:
        figures.slow = slow_slack(server, standin, args, agency, url)
    each = rss_each(server.process.pid)
    figures.rss = sum(each)
    figures.processes = " + ".join(f"{mb:.0f}" for mb in each)
    return figures


def machine_busy() -> float:
    """Seconds the machine's processors have been busy, all of them together."""
    times = psutil.cpu_times()._asdict()
    for not_busy in ("idle", "iowait", "guest", "guest_nice"):  # guest is within user
        times.pop(not_busy, None)
    return float(sum(times.values()))


CPU_SHARES = ("web", "worker", "stand-in and load", "database and the rest")
"""Whose processor time a burst's is: the server's processes, the worker beside it, this
process (the Slack stand-in and the load), and the rest of the machine (the database)."""


def cpu_now(server: Server, worker: subprocess.Popen[bytes] | None) -> dict[str, float]:
    """Processor seconds so far: the machine's, and each of `CPU_SHARES` but the rest."""
    this = psutil.Process().cpu_times()
    return {
        "machine": machine_busy(),
        "web": cpu_seconds(server.process.pid),
        "worker": 0.0 if worker is None else cpu_seconds(worker.pid),
        "stand-in and load": this.user + this.system,
    }


def burst(
    server: Server,
    standin: SlackStandIn,
    count: int,
    agency: str | None,
    figures: Figures,
    worker: subprocess.Popen[bytes] | None = None,
) -> tuple[float, dict[str, float]]:
    """Seconds from the first of ``count`` referrals submitted 8 at a time to the last
    pinned card (NaN if one never came), and the processor time per referral meanwhile
    (ms): the machine's and each of `CPU_SHARES`; refusals are counted in ``figures``."""
    views = open_forms(server, standin, count, agency is None)
    before = pinned(standin)
    cpu = cpu_now(server, worker)
    started = time.perf_counter()
    answered = submit_all(server, views, 8, agency)
    stored = sum(1 for _, ok in answered if ok)  # a referral refused in time stores nothing
    figures.errors += count - stored
    done = wait_pinned(standin, before + stored, 600)
    took = time.perf_counter() - started
    spent = {
        name: (now - cpu[name]) / count * 1000 for name, now in cpu_now(server, worker).items()
    }
    spent["database and the rest"] = spent["machine"] - sum(spent[name] for name in CPU_SHARES[:-1])
    return (took if done else float("nan")), spent


def compare(title: str, bot: Figures, bare: Figures, args: argparse.Namespace) -> None:
    print(f"\n{title}")
    print(f"  {'':44}{'scr-bot':>11}{'bare Bolt':>11}{'ratio':>8}")

    def row(label: str, a: float, b: float, unit: str) -> None:
        # no ratio to a share the bare app hardly has (its worker, its database)
        ratio = f"{a / b:>7.1f}x" if b >= 0.5 else f"{'-':>8}"
        print(f"  {label:<44}{a:>9.1f}{unit:<2}{b:>9.1f}{unit:<2}{ratio}")

    if "help" in args.parts:
        row("/scr help, sequential, p50", bot.help, bare.help, "ms")
    if "referrals" in args.parts and bot.submit and bare.submit:
        for index, name in ((0, "p50"), (1, "p99")):
            label = f"first {args.first} after start, 8 in flight, {name}"
            row(label, bot.first[index], bare.first[index], "ms")
        for n in args.in_flight:
            row(
                f"referral submission, {n} in flight, p50",
                bot.submit[n][0],
                bare.submit[n][0],
                "ms",
            )
            row(
                f"referral submission, {n} in flight, p99",
                bot.submit[n][1],
                bare.submit[n][1],
                "ms",
            )
        # while it answers, a web process also runs set-ups: the bot's waiting referrals, the
        # bare app's Slack calls after its ack
        row("web CPU per submission, set-ups it ran too", bot.cpu, bare.cpu, "ms")
    if "burst" in args.parts:
        row(f"{args.burst} referrals, first submission to last pin", bot.burst, bare.burst, "s")
        row("  machine CPU per referral (all processes)", bot.burst_cpu, bare.burst_cpu, "ms")
        for share in CPU_SHARES:
            a, b = (f.burst_split.get(share, 0.0) for f in (bot, bare))
            row(f"    of which {share}", a, b, "ms")
        cores = psutil.cpu_count() or 1
        bot_floor, bare_floor = (f.burst_cpu * args.burst / 1000 / cores for f in (bot, bare))
        row(f"  that CPU shared by {cores} processors, fully busy", bot_floor, bare_floor, "s")
    if "latency" in args.parts:
        label = f"{args.latency_burst} likewise, each Slack call {args.slack_latency * 1000:g} ms"
        row(label, bot.latency, bare.latency, "s")
    print(f"  {'submissions answered with an error':<44}{bot.errors:>9}  {bare.errors:>9}")
    if bot.limits is not None:
        seconds, put_off, refused = bot.limits
        print(
            f"  {args.limited_burst} referrals within Slack's rate limits (one message a second "
            f"to a conversation): all set up in {seconds:.1f} s; {put_off} set-ups put off; "
            f"{refused} posts refused (429)"
        )
    if bot.slow is not None:
        in_time, created, shown_error = bot.slow
        print(
            f"  {args.slow_submissions} referrals at 16 in flight, every Slack call taking "
            f"{args.slack_delay:g} s: {in_time} answered in time, {created} referrals stored, "
            f"{shown_error} stored although the referrer was shown an error"
        )
    row("resident memory (master and workers)", bot.rss, bare.rss, "MB")
    print(f"    by process (shell, master, workers): {bot.processes}; bare {bare.processes}")


def side_by_side(
    title: str,
    bot_command: str,
    bare_command: str,
    url: str,
    args: argparse.Namespace,
    worker_command: str | None = None,
) -> None:
    """``worker_command``: run beside the bot's web command, as the Procfile's `worker` is
    (the outbox's set-ups are drained there). With ``--repeat N`` the bot and the bare app
    take turns N times and each figure is the median of its N runs (the rate-limited and
    slow-Slack runs, the first time only): two cores shared with the load and the stand-in
    make one run noisy."""
    bots: list[Figures] = []
    bares: list[Figures] = []
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as folder:
        seed_people(standin)
        config = Path(folder) / "partnership.toml"
        config.write_text(SEED_TOML)
        env = bot_env(standin, url, config)
        again = argparse.Namespace(
            **{**vars(args), "parts": [p for p in args.parts if p not in ("limits", "slow")]}
        )
        for turn_args in [args, *[again] * (args.repeat - 1)]:
            worker = None if worker_command is None else beside(worker_command, env)
            bot = start("scr-bot", bot_command, env, standin)
            try:
                bots.append(measure(bot, standin, turn_args, health_agency(url), url, worker))
            finally:
                bot.stop()
                if worker is not None:
                    stop_group(worker)
            bare = start("bare", bare_command, env, standin)
            try:
                bares.append(measure(bare, standin, turn_args, None))
            finally:
                bare.stop()
    runs = f" (median of {len(bots)} runs each)" if len(bots) > 1 else ""
    compare(title + runs, median_figures(bots), median_figures(bares), args)
    turn_by_turn(bots, bares, args)


def turn_by_turn(
    bots: Sequence[Figures], bares: Sequence[Figures], args: argparse.Namespace
) -> None:
    """With ``--repeat``, each turn's ratio: the bot's figure over the bare app's of the same
    turn (they run back to back, so a machine whose speed drifts over the runs moves both),
    as the median and the range. The ratio of the medians above mixes turns."""
    if len(bots) < 2:
        return
    pairs = list(zip(bots, bares, strict=True))
    rows: list[tuple[str, list[float]]] = []
    if "referrals" in args.parts:
        for index, name in ((0, "p50"), (1, "p99")):
            ratios = [bot.first[index] / bare.first[index] for bot, bare in pairs]
            rows.append((f"first {args.first} after start, 8 in flight, {name}", ratios))
        for n in args.in_flight:
            for index, name in ((0, "p50"), (1, "p99")):
                ratios = [
                    bot.submit[n][index] / bare.submit[n][index]
                    for bot, bare in pairs
                    if bot.submit and bare.submit
                ]
                rows.append((f"referral submission, {n} in flight, {name}", ratios))
    if "burst" in args.parts:
        rows.append(
            (
                f"{args.burst} referrals, first submission to last pin",
                [b.burst / a.burst for b, a in pairs],
            )
        )
    print("  each turn's ratio, median [lowest, highest]")
    for label, ratios in rows:
        if ratios:
            middle, low, high = statistics.median(ratios), min(ratios), max(ratios)
            print(f"    {label:<48}{middle:>5.1f}x  [{low:.1f}x, {high:.1f}x]")


def median_figures(runs: Sequence[Figures]) -> Figures:
    """Each figure's median over ``runs``; errors are summed (one is one too many)."""
    first = runs[0]
    submit = None
    if first.submit:
        submit = {
            n: (
                statistics.median(r.submit[n][0] for r in runs if r.submit),
                statistics.median(r.submit[n][1] for r in runs if r.submit),
            )
            for n in first.submit
        }
    return Figures(
        help=statistics.median(r.help for r in runs),
        first=(
            statistics.median(r.first[0] for r in runs),
            statistics.median(r.first[1] for r in runs),
        ),
        submit=submit,
        cpu=statistics.median(r.cpu for r in runs),
        burst=statistics.median(r.burst for r in runs),
        burst_cpu=statistics.median(r.burst_cpu for r in runs),
        burst_split={
            share: statistics.median(r.burst_split.get(share, 0.0) for r in runs)
            for share in CPU_SHARES
        },
        latency=statistics.median(r.latency for r in runs),
        errors=sum(r.errors for r in runs),
        rss=statistics.median(r.rss for r in runs),
        processes=runs[-1].processes,
        limits=first.limits,
        slow=first.slow,
    )


def gunicorn(workers: int, app: str) -> str:
    return f"gunicorn --workers {workers} --threads 8 --bind 0.0.0.0:$PORT '{app}'"


def sqlite_run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="scr-bench-web-") as folder:
        url = f"sqlite:///{Path(folder) / 'web.sqlite3'}"
        upgrade(make_engine(url))
        side_by_side(
            "SQLite: `scr-bot serve` (one worker, 8 threads) and the bare app likewise",
            f"{sys.executable} -m bot.cli serve",
            gunicorn(1, "benchmarks.bare_bolt:create_wsgi_app()"),
            url,
            args,
        )


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    from benchmarks.tick import postgres_url

    with postgres_url(base) as url:
        upgrade(make_engine(url))
        yield url


def postgres_run(args: argparse.Namespace) -> None:
    with postgres_schema(args.postgres) as url:
        side_by_side(
            "PostgreSQL: the Procfile's `web` (two workers, 8 threads each) and `worker`, "
            "the bare app likewise",
            procfile("web"),
            gunicorn(2, "benchmarks.bare_bolt:create_wsgi_app()"),
            url,
            args,
            worker_command=procfile("worker"),
        )


def worker_rss(args: argparse.Namespace) -> None:
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as folder:
        seed_people(standin)
        url = f"sqlite:///{Path(folder) / 'worker.sqlite3'}"
        upgrade(make_engine(url))
        config = Path(folder) / "partnership.toml"
        config.write_text(SEED_TOML)
        process = beside(f"{sys.executable} -m bot.cli worker", bot_env(standin, url, config))
        time.sleep(args.worker_settle)
        alive = process.poll() is None
        memory = rss_mb(process.pid)
        stop_group(process)
    print(f"\n`scr-bot worker`: resident memory {memory:.1f} MB" + ("" if alive else " (exited)"))


# the worker's figures -------------------------------------------------------------------------


def idle_ticks(args: argparse.Namespace) -> None:
    from benchmarks.fill import fill
    from benchmarks.tick import NOW, _idle, _runtime, sqlite_url
    from bot.slack_client import retry_handlers

    print("\nidle tick (nothing due), median of 20, cases bulk-inserted with their tasks")
    backends = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for name, base in backends:
        figures = []
        for cases in args.cases:
            with SlackStandIn() as standin:
                seed_people(standin)
                context = sqlite_url() if base is None else postgres_schema(base)
                with context as url:
                    runtime = _runtime(url, standin)
                    client = WebClient(
                        token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=retry_handlers()
                    )
                    fill(
                        runtime.db.engine,
                        cases=cases,
                        tasks_per_case=6,
                        reminders_per_task=1,
                        now=NOW,
                    )
                    if base is not None:
                        with runtime.db.engine.begin() as conn:
                            conn.execute(text("ANALYZE"))
                    median, _ = _idle(runtime, client)
                    runtime.db.dispose()
            figures.append(median * 1000)
        cells = "   ".join(
            f"{c:,} cases {f:6.1f} ms" for c, f in zip(args.cases, figures, strict=True)
        )
        print(f"  {name:<11} {cells}   ({figures[-1] / figures[0]:.2f}x from first to last)")


def reminders_out(args: argparse.Namespace) -> None:
    from benchmarks.reminders import MORNING, _owner, _runtime, fill_morning
    from bot.jobs.worker import run_tick
    from bot.services.cases.access import sync_partnership
    from bot.slack_client import retry_handlers
    from bot.testing.seed import seed_partnership
    from storage.db import Database

    items, owners, rate = args.reminders, args.owners, args.workspace_rate
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as folder:
        seed_people(standin)
        for n in range(owners):
            standin.add_user(_owner(n), f"Author {n}")
        url = f"sqlite:///{Path(folder) / 'reminders.sqlite3'}"
        database = Database.from_url(url)
        upgrade(database.engine)
        with database.session() as session:
            sync_partnership(session, seed_partnership())
        fill_morning(database.engine, owners, items, MORNING)
        database.dispose()
        runtime = _runtime(url, standin, MORNING)
        standin.rate_limit(
            "chat.postMessage",
            per_conversation=1,
            per_workspace=rate,
            workspace_burst=int(rate),
        )
        client = WebClient(
            token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=retry_handlers()
        )
        started = time.perf_counter()
        report = run_tick(runtime, client)
        seconds = time.perf_counter() - started
        refused = standin.rate_limited
        posted = sum(1 for c in standin.calls_to("chat.postMessage") if c.ok)
        failed_429 = [c for c in standin.calls_to("chat.postMessage") if c.http_status == 429]
        runtime.db.dispose()
    allowed = max(0.0, (posted - rate) / rate)
    print(
        f"\n{items:,} due reminders for {owners:,} people leave the worker"
        " (Slack's limits enforced:"
    )
    print(
        f"  1 message a second to a conversation, {rate:g} a second in the workspace after a burst)"
    )
    print(
        f"  {report.reminders.sent:,} reminders in {report.reminders.messages:,} messages "
        f"({posted:,} posts in all) in {seconds:.1f} s; the limits allow {allowed:.1f} s "
        f"({seconds / allowed if allowed else float('nan'):.2f}x)"
    )
    print(
        f"  429s answered: {refused} (each waited out and sent again: "
        f"{len(failed_429)} refused, {report.reminders.failed} left failed)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="the web figures on PostgreSQL only"
    )
    parser.add_argument("--help-runs", type=int, default=50)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--submissions", type=int, default=48, help="per concurrency level")
    parser.add_argument(
        "--first", type=int, default=16, help="submissions after start, measured on their own"
    )
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--latency-burst", type=int, default=50)
    parser.add_argument(
        "--slack-latency", type=float, default=0.15, help="seconds per Web API call (latency)"
    )
    parser.add_argument("--limited-burst", type=int, default=20)
    parser.add_argument("--slow-submissions", type=int, default=32)
    parser.add_argument("--slack-delay", type=float, default=2.0, help="seconds per Web API call")
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--reminders", type=int, default=1_000)
    parser.add_argument("--owners", type=int, default=100)
    parser.add_argument("--workspace-rate", type=float, default=5.0)
    parser.add_argument("--worker-settle", type=float, default=8.0)
    parser.add_argument(
        "--repeat", type=int, default=1, help="side-by-side runs; each figure is their median"
    )
    args = parser.parse_args(argv)
    web = {"help", "referrals", "burst", "latency", "limits", "slow", "rss"} & set(args.parts)
    if web and not args.no_sqlite:
        sqlite_run(args)
    if web and args.postgres:
        postgres_run(args)
    elif web:
        print("\nPostgreSQL: skipped (--postgres, BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    if "rss" in args.parts:
        worker_rss(args)
    if "tick" in args.parts:
        idle_ticks(args)
    if "reminders" in args.parts:
        reminders_out(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
