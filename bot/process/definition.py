"""A review process as data: stages, the tasks each stage creates, and when a stage ends.

When a stage begins, the engine creates its tasks (one per agency, or per recommendation,
when ``per`` says so). A stage ends when its ``ends_when`` holds, and the next stage begins;
the earlier stages' tasks still open then close as superseded, except those whose
``carries_into`` names the new stage (a chronology wanted for the panel of the next stage).

Deadlines count from an *anchor*: a case event (``referral``, ``panel_date``, ``decision``...)
or a built-in one (``stage_start``; ``agency_added`` for per-agency tasks). A definition is
checked on construction so that every anchor a stage's tasks need is certain to be recorded
before that stage begins.

A stage's ``routes`` let a case leave the main line: when the stage ends with a route's event
recorded, the case goes to that side stage instead (a decision that no review is needed,
say). A side stage is the last of its path.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.process.deadlines import DateRule, DeadlineRule, WorkingDays
from bot.process.policy import DEFAULT_REMINDERS, ReminderPolicy
from bot.process.roles import CASE_ROLES, OWNER_ROLES, CaseRole, OwnerRule, is_agency_role
from bot.process.states import Stage, TaskKind

TaskScope = Literal["case", "agency", "recommendation", "recipient", "referring_agency"]
"""What a task is created once for: the case; each agency involved; each recommendation or
each recipient the partnership names (created by the services that know them); or the
referring agency alone."""

STAGE_START = "stage_start"
AGENCY_ADDED = "agency_added"
BUILTIN_ANCHORS: frozenset[str] = frozenset({STAGE_START, AGENCY_ADDED})

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_PROCESS_KEY = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_TITLE_LENGTH = 75


def _check_key(value: str, what: str, pattern: re.Pattern[str] = _KEY) -> None:
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} must match {pattern.pattern}")


def _check_title(value: str, what: str) -> None:
    if not value.strip() or len(value) > MAX_TITLE_LENGTH or "\n" in value:
        raise ValueError(f"{what} title must be one line of 1-{MAX_TITLE_LENGTH} characters")


@dataclass(frozen=True, slots=True)
class DueBefore:
    """Papers wanted for a meeting: once ``event`` (the meeting's date) is recorded, the task
    falls due ``days`` working days before that date, and follows it when it moves; until
    then the task's own deadline stands. ``days`` is the default, which the partnership file
    may change (the engine's ``days_before``)."""

    event: str
    days: WorkingDays


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDefinition:
    """One obligation. ``title`` is a short phrase shown in Slack; it names no person."""

    kind: TaskKind
    title: str
    owner: OwnerRule
    deadline: DeadlineRule
    anchor: str
    reminders: ReminderPolicy = DEFAULT_REMINDERS
    per: TaskScope = "case"
    waivable_by: tuple[CaseRole, ...] = ()
    records_event: str | None = None
    repeat: DateRule | None = None
    carries_into: tuple[Stage, ...] = ()
    """Later stages the task stays open into; it closes as superseded when any other stage
    begins. Each must be reachable from the task's stage through stages named here."""
    due_before: DueBefore | None = None
    """Due before a meeting once it is booked (see `DueBefore`)."""

    def __post_init__(self) -> None:
        _check_key(self.kind, "task kind")
        _check_title(self.title, f"task {self.kind}")
        if self.owner not in OWNER_ROLES:
            raise ValueError(f"task {self.kind}: unknown owner role {self.owner!r}")
        if is_agency_role(self.owner) and self.per in ("case", "recipient"):
            raise ValueError(f"task {self.kind}: {self.owner} needs a per-agency task")
        if self.anchor == AGENCY_ADDED and self.per != "agency":
            raise ValueError(f"task {self.kind}: only per-agency tasks count from agency_added")
        if any(role not in CASE_ROLES for role in self.waivable_by):
            raise ValueError(f"task {self.kind}: waivers are for case roles")
        if self.repeat is not None and self.repeat.n < 1:
            raise ValueError(f"task {self.kind}: a repeat interval must be positive")
        if len(set(self.carries_into)) != len(self.carries_into):
            raise ValueError(f"task {self.kind}: a stage it carries into is named twice")
        if self.due_before is not None and self.repeat is not None:
            raise ValueError(f"task {self.kind}: a repeating task cannot fall due before a meeting")

    @property
    def per_agency(self) -> bool:
        return self.per == "agency"

    @property
    def waivable(self) -> bool:
        return bool(self.waivable_by)


@dataclass(frozen=True, slots=True)
class AllTasksDone:
    """The stage ends once every task of these kinds (all of the stage's when empty) is done
    or waived, in every agency or recommendation it was created for."""

    kinds: tuple[TaskKind, ...] = ()


@dataclass(frozen=True, slots=True)
class EventRecorded:
    """The stage ends when this case event is recorded."""

    event: str


StageEnd = AllTasksDone | EventRecorded


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlan:
    """Who oversees a process's action plan, and how the process speaks of it.

    ``overseen_by``: the case roles that close its recommendations and sign the case off;
    ``overseer``, ``overseers``: them in words, short ("the Board") and in full ("the Board
    (its business unit or Chair)"); ``recommendations``: where the plan comes from ("the
    overview report's recommendations"); ``not_begun``: why it cannot be monitored yet ("The
    overview report has not been agreed yet.")."""

    overseen_by: tuple[CaseRole, ...]
    overseer: str
    overseers: str
    recommendations: str
    not_begun: str

    def __post_init__(self) -> None:
        if not self.overseen_by or any(role not in CASE_ROLES for role in self.overseen_by):
            raise ValueError("an action plan is overseen by case roles")
        for value in (self.overseer, self.overseers, self.recommendations, self.not_begun):
            if not value.strip() or "\n" in value:
                raise ValueError("an action plan's words are one line each")


DEFAULT_ACTION_PLAN = ActionPlan(
    overseen_by=("admins", "board_chair"),
    overseer="the Board",
    overseers="the Board (its business unit or Chair)",
    recommendations="the review's recommendations",
    not_begun="The review's report has not been agreed yet.",
)
"""For a process whose monitoring stage names no words of its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletionLimit:
    """A stage to finish within ``months`` calendar months of ``anchor`` unless an extension
    is agreed: who may record one (``agreed_by``), with whom it is agreed in words
    (``agreed_with``: "agreed with OFSTED"), what is complete by then (``finished``: "complete",
    "published") and the tasks due on that date, which an extension moves (``tasks``).
    ``planned_event``, when set, records the date planned for it (the publication date), which
    can be no later than the limit; tasks wanted before it name it in their `DueBefore`."""

    months: int
    anchor: str
    tasks: tuple[TaskKind, ...]
    agreed_by: tuple[CaseRole, ...]
    agreed_with: str
    finished: str = "complete"
    planned_event: str | None = None

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError("a completion limit is at least a month")
        if not self.tasks or not self.agreed_by:
            raise ValueError("a completion limit names its tasks and who agrees an extension")
        if any(role not in CASE_ROLES for role in self.agreed_by):
            raise ValueError("extensions are agreed by case roles")


@dataclass(frozen=True, slots=True)
class Route:
    """When the stage ends with ``event`` recorded, the case goes to side stage ``stage``."""

    event: str
    stage: Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class StageDefinition:
    key: Stage
    title: str
    tasks: tuple[TaskDefinition, ...]
    ends_when: StageEnd
    routes: tuple[Route, ...] = ()
    closes_case: bool = False
    """The case closes when this stage ends (the last stage of a path that needs no more)."""
    card_title: str | None = None
    """What the case card calls the stage, when not its title (what the stage leads to)."""
    limit: CompletionLimit | None = None
    """How long the stage may take, and how an extension is agreed (see `CompletionLimit`)."""
    action_plan: ActionPlan | None = None
    """How the stage speaks of the action plan it monitors, if it monitors one."""

    def __post_init__(self) -> None:
        _check_key(self.key, "stage key")
        _check_title(self.title, f"stage {self.key}")
        if self.card_title is not None:
            _check_title(self.card_title, f"stage {self.key} card")
        kinds = [task.kind for task in self.tasks]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"stage {self.key}: duplicate task kinds")
        if isinstance(self.ends_when, AllTasksDone):
            if not self.tasks:
                raise ValueError(f"stage {self.key}: no tasks to wait for")
            unknown = set(self.ends_when.kinds) - set(kinds)
            if unknown:
                raise ValueError(f"stage {self.key}: ends on tasks it lacks: {sorted(unknown)}")
        if self.limit is not None and set(self.limit.tasks) - set(kinds):
            raise ValueError(f"stage {self.key}: its completion limit names tasks it lacks")

    def ending_kinds(self) -> tuple[TaskKind, ...]:
        """The task kinds that must be done or waived to end the stage (none for an event)."""
        if isinstance(self.ends_when, EventRecorded):
            return ()
        return self.ends_when.kinds or tuple(task.kind for task in self.tasks)

    def events_certain_at_end(self) -> frozenset[str]:
        """Events sure to be recorded once this stage has ended."""
        if isinstance(self.ends_when, EventRecorded):
            return frozenset({self.ends_when.event})
        ending = set(self.ending_kinds())
        return frozenset(
            task.records_event
            for task in self.tasks
            if task.kind in ending and task.records_event and not task.waivable
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessDefinition:
    """A whole process. ``events`` names every case event it uses; ``start_event`` is
    recorded when a case opens."""

    key: str
    title: str
    stages: tuple[StageDefinition, ...]
    events: tuple[str, ...]
    start_event: str = "referral"
    side_stages: tuple[StageDefinition, ...] = ()
    """Stages reached only through a route, each the last of its path."""

    def __post_init__(self) -> None:
        _check_key(self.key, "process key", _PROCESS_KEY)
        _check_title(self.title, f"process {self.key}")
        if not self.stages:
            raise ValueError(f"process {self.key}: no stages")
        for event in self.events:
            _check_key(event, "event")
        if self.start_event not in self.events:
            raise ValueError(f"process {self.key}: start event {self.start_event!r} undeclared")
        _unique([s.key for s in self.all_stages], f"process {self.key}: duplicate stage keys")
        _unique([t.kind for t in self.all_tasks], f"process {self.key}: duplicate task kinds")
        self._check_events()
        self._check_carry_over()

    def _check_events(self) -> None:
        declared = set(self.events)
        for stage in self.all_stages:
            used = {t.records_event for t in stage.tasks if t.records_event}
            used |= {t.due_before.event for t in stage.tasks if t.due_before}
            used |= {route.event for route in stage.routes}
            if isinstance(stage.ends_when, EventRecorded):
                used.add(stage.ends_when.event)
            if stage.limit is not None:
                used.add(stage.limit.anchor)
                if stage.limit.planned_event:
                    used.add(stage.limit.planned_event)
            if used - declared:
                raise ValueError(f"stage {stage.key}: undeclared events {sorted(used - declared)}")
        side = {stage.key: stage for stage in self.side_stages}
        known = {self.start_event}
        for stage in self.stages:
            _check_anchors(stage, known)
            known |= stage.events_certain_at_end()
            for route in stage.routes:
                if route.stage not in side:
                    raise ValueError(f"stage {stage.key}: route to unknown side stage")
                _check_anchors(side[route.stage], known | {route.event})

    def _check_carry_over(self) -> None:
        """A task carries into later stages only, each reached from its own stage through
        stages it also carries into (else it would be superseded on the way)."""
        for stage in self.all_stages:
            for task in stage.tasks:
                wanted = set(task.carries_into)
                reached: set[str] = set()
                frontier = [stage.key]
                while frontier:
                    for following in self.following_stages(frontier.pop()):
                        if following.key in wanted and following.key not in reached:
                            reached.add(following.key)
                            frontier.append(following.key)
                if wanted - reached:
                    raise ValueError(
                        f"task {task.kind} carries into {sorted(wanted - reached)}, which "
                        f"do not follow stage {stage.key} on its path"
                    )

    def following_stages(self, key: str) -> tuple[StageDefinition, ...]:
        """The stages a case can move to from ``key``: the next in line and the side stages
        of its routes."""
        stage = self.stage(key)
        routed = tuple(self.stage(route.stage) for route in stage.routes)
        if stage not in self.stages:
            return routed
        index = self.stages.index(stage)
        return (*self.stages[index + 1 : index + 2], *routed)

    def stages_after(self, key: str) -> tuple[str, ...]:
        """The keys of the main-line stages after ``key`` (none for a side stage)."""
        keys: list[str] = [stage.key for stage in self.stages]
        return tuple(keys[keys.index(key) + 1 :]) if key in keys else ()

    def carried_into(self, key: str) -> tuple[TaskDefinition, ...]:
        """Earlier stages' tasks that stay open in stage ``key``."""
        return tuple(task for task in self.all_tasks if key in task.carries_into)

    @property
    def tasks(self) -> tuple[TaskDefinition, ...]:
        """Every task of every main-line stage, in stage order."""
        return tuple(task for stage in self.stages for task in stage.tasks)

    @property
    def all_stages(self) -> tuple[StageDefinition, ...]:
        return self.stages + self.side_stages

    @property
    def all_tasks(self) -> tuple[TaskDefinition, ...]:
        """Every task, side stages' included."""
        return tuple(task for stage in self.all_stages for task in stage.tasks)

    @property
    def first_stage(self) -> StageDefinition:
        return self.stages[0]

    def stage(self, key: str) -> StageDefinition:
        for stage in self.all_stages:
            if stage.key == key:
                return stage
        raise KeyError(f"process {self.key} has no stage {key!r}")

    def next_stage(
        self, key: str, recorded: Collection[str] = frozenset()
    ) -> StageDefinition | None:
        """The stage after ``key`` given the case events ``recorded``: a side stage when one
        of its routes' events is among them, else the next in line; ``None`` after the last
        stage of a path."""
        stage = self.stage(key)
        for route in stage.routes:
            if route.event in recorded:
                return self.stage(route.stage)
        if stage not in self.stages:
            return None
        index = self.stages.index(stage)
        return self.stages[index + 1] if index + 1 < len(self.stages) else None

    def action_plan(self) -> ActionPlan:
        """How the process speaks of its action plan (the monitoring stage's words)."""
        for stage in self.all_stages:
            if stage.action_plan is not None:
                return stage.action_plan
        return DEFAULT_ACTION_PLAN

    def task(self, kind: str) -> TaskDefinition:
        for task in self.all_tasks:
            if task.kind == kind:
                return task
        raise KeyError(f"process {self.key} has no task {kind!r}")

    def stage_of(self, kind: str) -> StageDefinition:
        """The stage that creates tasks of this kind."""
        for stage in self.all_stages:
            if any(task.kind == kind for task in stage.tasks):
                return stage
        raise KeyError(f"process {self.key} has no task {kind!r}")


def _check_anchors(stage: StageDefinition, known: set[str]) -> None:
    for task in stage.tasks:
        if task.anchor not in BUILTIN_ANCHORS and task.anchor not in known:
            raise ValueError(
                f"task {task.kind} counts from {task.anchor!r}, which is not sure to "
                f"be recorded before stage {stage.key} begins"
            )


def _unique(values: list[str], message: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(message)
