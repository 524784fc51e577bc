"""Telling the demo's story: each step prints what reached Slack while it ran.

Two tellings are kept side by side. The short one (the default) gives each message in a
line or two, the case card when it changes in a way that matters, and no Web API
plumbing; the full one (`scr-bot demo --verbose`) gives every call and every message
whole. Only the chosen one is printed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from bot.demo.compact import FORM_OPENS, CaseState, CompactTelling, plain, shorten
from bot.demo.dm_counts import count_by_person, dm_table, dms_posted
from bot.process.working_days import LONDON
from bot.testing.harness import Harness
from bot.testing.seed import PEOPLE
from bot.testing.standin.models import RecordedCall
from bot.testing.transcript import describe_call
from storage.models import Case, Recommendation, Task
from storage.states import TaskStatus

REPLY_LINES = 2
"""How much of a long answer (an action plan, say) the short telling shows."""


@dataclass
class Story:
    harness: Harness
    verbose: bool = False
    echo: bool = True
    full: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    by_worker: set[int] = field(default_factory=set)
    """Indexes (into the stand-in's calls) of the calls the worker made."""
    call_days: list[date] = field(default_factory=list)
    first_day: date | None = None
    compact: CompactTelling = field(init=False)
    _title: str | None = None
    """A step's title in the short telling, held back to name the forms the step opens."""

    def __post_init__(self) -> None:
        self.compact = CompactTelling(self.harness.standin, self.name, self._state_in)

    @property
    def out(self) -> list[str]:
        """The telling that is printed."""
        return self.full if self.verbose else self.short

    def name(self, slack_id: str) -> str:
        for person in PEOPLE:
            if person.user_id == slack_id:
                return person.name
        standin = self.harness.standin
        channel = standin.channels.get(slack_id)
        if channel is not None:
            if channel.name.startswith("D") or not channel.name:
                return f"DM({slack_id})"
            return channel.name
        for person in PEOPLE:
            if standin.im_with(person.user_id) == slack_id:
                return f"DM to {person.name}"
        return slack_id

    def _emit(self, text: str, *, full: bool = True, short: bool = True) -> None:
        if short and self._title is not None:
            title, self._title = self._title, None
            self._emit(title, full=False)
        if full:
            self.full.append(text)
        if short:
            self.short.append(text)
        if self.echo and (full if self.verbose else short):
            print(text)

    def say(self, text: str = "", *, verbose: bool = True, short: bool = True) -> None:
        """A line of the story; ``verbose`` and ``short`` say which tellings have it."""
        self._emit(text, full=verbose, short=short)

    def scene(self, title: str) -> None:
        """A heading: the day of the case's life, the date, and what happens."""
        today = self._today()
        if self.first_day is None:
            self.first_day = today
        number = (today - self.first_day).days + 1
        heading = f"Day {number}, {today:%a} {today.day} {today:%b %Y} - {title}"
        self.scenes.append(heading)
        self.say()
        self.say(f"══ {heading} ══")

    @contextmanager
    def step(self, title: str, *, worker: bool = False) -> Iterator[None]:
        """What someone (or, with ``worker``, the worker) does, then what Slack showed."""
        self._emit("", short=False)
        self._emit(f"━━ {title}", short=False)
        self._title = f"▸ {title}"
        with self.quietly(worker=worker) as calls:
            yield
        self._tell(calls)

    @contextmanager
    def quietly(self, *, worker: bool = False) -> Iterator[list[RecordedCall]]:
        """Runs the block and hands back the Web API calls it made, telling nothing."""
        self._date_calls()
        calls = self.harness.standin.calls
        before = len(calls)
        made: list[RecordedCall] = []
        yield made
        self.harness.wait()
        after = len(calls)
        made.extend(calls[before:after])
        if worker:
            self.by_worker.update(range(before, after))
        self._date_calls()

    def show(self, title: str, calls: list[RecordedCall]) -> None:
        """Tells ``calls`` (made earlier, quietly) under ``title``."""
        self._emit("", short=False)
        self._emit(f"━━ {title}", short=False)
        self._title = f"▸ {title}"
        self._tell(calls)

    def _tell(self, calls: list[RecordedCall]) -> None:
        for call in calls:
            for line in describe_call(call, self.name):
                self._emit(line, short=False)
        lines = self.compact.tell(calls)
        if self._title is not None:
            forms = [line.removeprefix(FORM_OPENS) for line in lines if line.startswith(FORM_OPENS)]
            lines = [line for line in lines if not line.startswith(FORM_OPENS)]
            title, self._title = self._title, None
            if forms:
                title += f" ({'forms' if len(forms) > 1 else 'form'} {', '.join(forms)})"
            self._emit(title, full=False)
        for line in lines:
            self._emit(line, full=False)

    def reply(self, who: str, body: str) -> None:
        """What a slash command answered, visible to that person only."""
        self._emit(f"  ➜ only {self.name(who)} sees:", short=False)
        lines = body.splitlines()
        for line in lines:
            self._emit(f"    ┃ {line}", short=False)
        said = shorten(" · ".join(plain(line) for line in lines[:REPLY_LINES]))
        more = f" (and {len(lines) - REPLY_LINES} more lines)" if len(lines) > REPLY_LINES else ""
        self._emit(f"    only {self.name(who)} sees: {said}{more}", full=False)

    def _today(self) -> date:
        return self.harness.clock.now().astimezone(LONDON).date()

    def _date_calls(self) -> None:
        """Dates the calls made since last time with today's (London) date."""
        missing = len(self.harness.standin.calls) - len(self.call_days)
        self.call_days.extend([self._today()] * missing)

    def _state_in(self, channel: str) -> CaseState | None:
        """The state the case card of ``channel`` reports: the stage, each task (done,
        open, overdue, ...) and each recommendation."""
        now = self.harness.clock.now()
        with self.harness.runtime.db.session() as session:
            case = session.scalars(select(Case).where(Case.channel_id == channel)).first()
            if case is None:
                return None
            tasks = session.scalars(select(Task).where(Task.case_id == case.id)).all()
            recommendations = session.scalars(
                select(Recommendation).where(Recommendation.case_id == case.id)
            ).all()
            rows = frozenset(
                [
                    (f"task {t.id}", str(t.status), t.status == TaskStatus.OPEN and t.due_at < now)
                    for t in tasks
                ]
                + [(f"recommendation {r.id}", r.status, False) for r in recommendations]
            )
            return CaseState(str(case.stage), rows)

    def dm_counts(self) -> None:
        """The table of DMs each person got, from the stand-in's record."""
        self._date_calls()
        standin = self.harness.standin
        people = [(p.user_id, p.name) for p in PEOPLE]
        ims = {standin.im_with(user): user for user, _ in people}
        known = {user for user, _ in people}

        def recipient(channel: str) -> str | None:
            return channel if channel in known else ims.get(channel)

        posted = dms_posted(
            standin.calls, recipient, lambda i: self.call_days[i], frozenset(self.by_worker)
        )
        last = self._today()
        start = self.first_day or last
        self.say()
        self.say(
            f"DMs each person got over the case's life ({start:%a} {start.day} {start:%b %Y}"
            f" to {last:%a} {last.day} {last:%b %Y}):"
        )
        for line in dm_table(count_by_person(posted), people):
            self.say(line)
