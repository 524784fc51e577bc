"""How long the Board's dashboard and a case page take among 1,000 cases:
`python -m benchmarks.portal`.

Fills an embedded SQLite database (a temporary file) with cases at every stage of the
Bolton process, written straight into the tables: each with the events it has reached,
the tasks of the stages behind it (done, some late), the open tasks of its stage (some
overdue), its held Initial Panel, and six-monthly progress returns once in monitoring.
Then times the figures (`board_figures`), the page's HTML and the CSV, and one case's page
(`benchmarks.case_page`), median over runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, insert, select

from benchmarks.case_page import ENTRIES_PER_AGENCY, case_page_step
from bot.crypto import FieldCipher
from bot.process.bolton import BOLTON_SCR
from bot.process.definition import StageDefinition, TaskDefinition
from bot.process.schedule import task_due
from bot.process.working_days import WorkingCalendar
from bot.services.cases.access import sync_partnership
from bot.services.dashboard import board_figures
from bot.testing.seed import seed_partnership
from bot.views.web.dashboard import dashboard_csv, dashboard_html
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Agency, Case, CaseEvent, PanelMeeting, Task

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)
STAGES = (
    ("referral", 20),
    ("initial_panel", 8),
    ("decision", 5),
    ("review", 25),
    ("monitoring", 27),
    ("audit", 5),
    ("closed", 10),
)
"""Where the cases stand, in percent."""
T = TypeVar("T")
MAIN_LINE = ("referral", "initial_panel", "decision", "review", "monitoring")
SAME_EVENTS_AS = {"closed": "monitoring", "audit": "review"}
NEEDED = {"panel_date": 1, "initial_panel_held": 2, "decision": 3, "report_agreed": 4}
"""The main-line stage from which a case has each event recorded."""


@dataclass
class Filled:
    cases: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)


def _at(d: date, hour: int = 11) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=LONDON).astimezone(UTC)


class _Filler:
    def __init__(self, agencies: Sequence[int], seed: int = 14) -> None:
        self.rng = random.Random(seed)
        self.cal = WorkingCalendar()
        self.agencies = list(agencies)
        self.out = Filled()
        self.now = NOW.astimezone(UTC)

    def _event(self, case_id: int, event: str, at: datetime) -> None:
        self.out.events.append(
            {
                "case_id": case_id,
                "event": event,
                "at": at,
                "recorded_by": "U0CPU1",
                "recorded_at": at,
            }
        )

    def _task(
        self,
        case_id: int,
        stage: StageDefinition,
        task: TaskDefinition,
        anchors: dict[str, datetime],
        *,
        done: bool,
        agency_id: int | None = None,
        subject: str | None = None,
        round_no: int = 1,
        status: str | None = None,
    ) -> None:
        anchor = anchors.get(task.anchor, anchors["referral"])
        due = task_due(task, anchor, self.cal, round_no=round_no)
        completed = None
        if done:
            completed = due + timedelta(days=self.rng.choice((-6, -3, -1, -1, 0, 2, 9)))
            completed = min(max(completed, anchor), self.now - timedelta(hours=1))
        self.out.tasks.append(
            {
                "case_id": case_id,
                "kind": task.kind.value,
                "stage": stage.key.value,
                "owner_role": task.owner,
                "agency_id": agency_id,
                "subject_key": subject,
                "round_no": round_no,
                "due_at": due,
                "status": status or ("done" if done else "open"),
                "created_at": anchor,
                "completed_at": completed,
                "completed_by": "U0CPU1" if done else None,
                "overdue_nudges": 0,
            }
        )

    def _stage_tasks(
        self,
        case_id: int,
        stage: StageDefinition,
        anchors: dict[str, datetime],
        agencies: list[int],
        *,
        done: bool,
    ) -> None:
        for task in stage.tasks:
            if task.per == "recommendation":
                continue
            for agency_id in agencies if task.per == "agency" else [None]:
                self._task(case_id, stage, task, anchors, done=done, agency_id=agency_id)

    def _returns(self, case_id: int, anchors: dict[str, datetime], agencies: list[int]) -> None:
        stage = BOLTON_SCR.stage("monitoring")
        task = stage.tasks[0]
        for rec in range(1, self.rng.randint(3, 6)):
            agency_id = self.rng.choice(agencies)
            for round_no in range(1, 12):
                due = task_due(task, anchors["report_agreed"], self.cal, round_no=round_no)
                roll = self.rng.random()
                ahead = due > self.now
                outstanding = not ahead and roll < 0.1
                status = "waived" if outstanding and roll < 0.05 else None
                self._task(
                    case_id,
                    stage,
                    task,
                    anchors,
                    done=not (ahead or outstanding),
                    agency_id=agency_id,
                    subject=f"rec:{rec}",
                    round_no=round_no,
                    status=status,
                )
                if ahead:
                    break
                if status == "waived":
                    self.out.tasks[-1].update(completed_at=due, completed_by="bot")

    def case(self, case_id: int, where: str) -> None:
        rng = self.rng
        panel = rng.randint(12, 48)
        decision = panel + rng.randint(1, 12)
        report = decision + rng.randint(85, 175)
        age = {
            "referral": rng.randint(0, 30),
            "initial_panel": panel + rng.randint(0, 2),
            "decision": decision - rng.randint(0, max(0, decision - panel - 1)),
            "review": decision + rng.randint(1, report - decision - 1),
            "monitoring": report + rng.randint(30, 1000),
            "audit": decision + rng.randint(1, 80),
            "closed": report + rng.randint(800, 1400),
        }[where]
        referral = NOW.date() - timedelta(days=age)
        agencies = rng.sample(self.agencies, k=min(4, len(self.agencies)))
        closed_at = None
        if where == "closed":
            closed_at = _at(referral + timedelta(days=report + 760))
        self.out.cases.append(
            {
                "id": case_id,
                "reference": f"SCR-{referral.year}-{case_id:03d}",
                "year": referral.year,
                "number": case_id,
                "process_key": BOLTON_SCR.key,
                "stage": "monitoring" if where == "closed" else where,
                "referring_agency_id": agencies[0],
                "referred_by": "U0DPH",
                "referral_date": referral,
                "created_at": _at(referral, 9),
                "criteria": ["death"],
                "setup_status": "complete",
                "setup_attempts": 0,
                "card_pinned": False,
                "closed_at": closed_at,
            }
        )
        anchors = {"referral": _at(referral, 9)}
        reached = {
            "panel_date": panel,
            "initial_panel_held": panel,
            "decision": decision,
            "report_agreed": report,
        }
        stage_index = MAIN_LINE.index(SAME_EVENTS_AS.get(where, where))
        for event, days in reached.items():
            if stage_index >= NEEDED[event]:
                anchors[event] = _at(referral + timedelta(days=days), 10)
                self._event(case_id, event, anchors[event])
        if "panel_date" in anchors and (stage_index >= 2 or rng.random() < 0.5):
            self.out.meetings.append(
                {
                    "case_id": case_id,
                    "uid": f"panel-{case_id}@bench",
                    "sequence": 0,
                    "status": "held",
                    "start_at": anchors["panel_date"],
                    "end_at": anchors["panel_date"] + timedelta(hours=2),
                    "organiser": "U0CPU1",
                    "chair": "U0CPU2",
                    "created_at": anchors["referral"],
                    "updated_at": anchors["panel_date"],
                    "held_at": anchors["panel_date"],
                    "held_by": "U0CPU1",
                }
            )
        if where == "audit":
            self._event(case_id, "decided_audit", anchors["decision"])
            path = [*BOLTON_SCR.stages[:3], BOLTON_SCR.stage("audit")]
        else:
            path = list(BOLTON_SCR.stages[: stage_index + 1])
        for stage in path[:-1]:
            self._stage_tasks(case_id, stage, anchors, agencies, done=True)
        current = path[-1]
        self._stage_tasks(case_id, current, anchors, agencies, done=where == "closed")
        for task in self.out.tasks[-len(current.tasks) * len(agencies) :]:
            # Most of what fell due a fortnight ago has been done since.
            overdue = task["status"] == "open" and task["due_at"] < self.now - timedelta(days=14)
            if overdue and self.rng.random() < 0.85 and task["case_id"] == case_id:
                task.update(status="done", completed_at=task["due_at"], completed_by="U0CPU1")
        if current.key == "monitoring":
            self._returns(case_id, anchors, agencies)


def _stages(cases: int) -> Iterator[str]:
    wheel = [where for where, percent in STAGES for _ in range(percent)]
    for n in range(cases):
        yield wheel[(n * 37) % len(wheel)]


def fill_board(engine: Engine, cases: int) -> dict[str, int]:
    with engine.connect() as conn:
        agencies = list(conn.scalars(select(Agency.id).order_by(Agency.id)))
    filler = _Filler(agencies)
    for n, where in enumerate(_stages(cases), start=1):
        filler.case(n, where)
    out = filler.out
    with engine.begin() as conn:
        for model, rows in (
            (Case, out.cases),
            (CaseEvent, out.events),
            (PanelMeeting, out.meetings),
            (Task, out.tasks),
        ):
            for start in range(0, len(rows), 5_000):
                conn.execute(insert(model), rows[start : start + 5_000])
    with engine.connect() as conn:
        open_tasks = conn.scalar(select(func.count()).where(Task.status == "open")) or 0
    return {"cases": len(out.cases), "tasks": len(out.tasks), "open tasks": open_tasks}


def _timed(step: Callable[[], T]) -> tuple[T, float, float]:
    """``step``'s result, its wall-clock time and the CPU time this process spent on it (the
    difference is time spent waiting for a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _line(label: str, times: Sequence[tuple[float, float]], note: str = "") -> str:
    wall = statistics.median(t[0] for t in times) * 1000
    cpu = statistics.median(t[1] for t in times) * 1000
    return f"  {label:<34}{wall:8.1f} ms   {cpu:8.1f} ms{note}"


def run(cases: int, runs: int) -> int:
    with tempfile.TemporaryDirectory(prefix="scr-bench-portal-") as folder:
        db = Database.from_url(f"sqlite:///{Path(folder) / 'portal.sqlite3'}")
        upgrade(db.engine)
        with db.session() as session:
            sync_partnership(session, seed_partnership())
        started = time.perf_counter()
        sizes = fill_board(db.engine, cases)
        filled = time.perf_counter() - started
        cal = WorkingCalendar()
        case_page = case_page_step(db, FieldCipher(Fernet.generate_key()), NOW, cal)
        steps: dict[str, list[tuple[float, float]]] = {
            "figures": [],
            "html": [],
            "csv": [],
            "case": [],
        }
        totals: list[tuple[float, float]] = []
        page = sheet = case_html = ""
        cold = (0.0, 0.0)
        for n in range(runs + 1):
            with db.session() as session:
                figures, *compute = _timed(partial(board_figures, session, NOW, cal))
            markup, *html = _timed(partial(dashboard_html, figures, case_url=_case_url))
            sheet, *table = _timed(partial(dashboard_csv, figures))
            page = str(markup)
            case_html, *one_case = _timed(case_page)
            if not n:  # the first run fills the caches a long-running server keeps
                cold = (compute[0] + html[0], compute[1] + html[1])
                continue
            steps["figures"].append((compute[0], compute[1]))
            steps["html"].append((html[0], html[1]))
            steps["csv"].append((table[0], table[1]))
            steps["case"].append((one_case[0], one_case[1]))
            totals.append((compute[0] + html[0], compute[1] + html[1]))
        db.dispose()
    listing = ", ".join(f"{count:,} {name}" for name, count in sizes.items())
    print(f"the Board's dashboard on SQLite: {listing} (filled in {filled:.1f} s)")
    print(f"  median of {runs} runs at {NOW:%a %d %b %Y %H:%M} London    wall clock   CPU time")
    print(_line("figures (queries and arithmetic)", steps["figures"]))
    print(_line("page HTML with its four charts", steps["html"], f"   ({len(page) // 1024} KiB)"))
    worst = max(t[0] for t in totals) * 1000
    print(_line("figures + page", totals, f"   (slowest {worst:.1f} ms)"))
    print(_line("CSV", steps["csv"], f"   ({len(sheet) // 1024} KiB)"))
    print(_line("figures + page, first run", [cold], "   (before any cache is warm)"))
    print(
        _line(
            "one case page (data + HTML)",
            steps["case"],
            f"   ({len(case_html) // 1024} KiB, {ENTRIES_PER_AGENCY} chronology rows an agency)",
        )
    )
    load = os.getloadavg()[0]
    print(
        f"  {os.cpu_count()} cores, load average {load:.1f}: wall clock includes waiting for them"
    )
    return 0


def _case_url(reference: str) -> str:
    return f"/portal/cases/{reference}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.portal", description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    return run(args.cases, args.runs)


if __name__ == "__main__":
    raise SystemExit(main())
