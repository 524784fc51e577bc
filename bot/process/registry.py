"""The process definitions a case can follow, by key."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

from bot.process.bolton import BOLTON_SCR
from bot.process.cspr import CSPR_2023
from bot.process.definition import ProcessDefinition
from bot.process.states import Stage, TaskKind

DEFAULT_PROCESS_KEY = "bolton-scr"

_PROCESSES: Mapping[str, ProcessDefinition] = MappingProxyType(
    {process.key: process for process in (BOLTON_SCR, CSPR_2023)}
)


_ON_TRIAL: dict[str, ProcessDefinition] = {}
"""Definitions added for a while (`on_trial`): a test's own made-up process."""


class UnknownProcessError(KeyError):
    """No process definition has this key."""


def get_process(key: str = DEFAULT_PROCESS_KEY) -> ProcessDefinition:
    try:
        return _PROCESSES[key] if key in _PROCESSES else _ON_TRIAL[key]
    except KeyError:
        raise UnknownProcessError(key) from None


def process_keys() -> tuple[str, ...]:
    return (*_PROCESSES, *(key for key in _ON_TRIAL if key not in _PROCESSES))


@contextmanager
def on_trial(*processes: ProcessDefinition) -> Iterator[None]:
    """Run with ``processes`` known besides the built-in ones (a process being tried out):
    a case can follow them and everything that reads a case's process finds them."""
    clash = [p.key for p in processes if p.key in _PROCESSES or p.key in _ON_TRIAL]
    if clash:
        raise ValueError(f"processes already known: {clash}")
    _ON_TRIAL.update({process.key: process for process in processes})
    try:
        yield
    finally:
        for process in processes:
            _ON_TRIAL.pop(process.key, None)


class DefinitionMismatchError(ValueError):
    """The process definitions and the `Stage`/`TaskKind` enums are out of step."""


def check_definitions(processes: Collection[ProcessDefinition] | None = None) -> None:
    """Refuse to start when a definition names a stage or task kind outside the enums, or
    when an enum member (which code compares against) is in no definition."""
    processes = tuple(_PROCESSES.values()) if processes is None else tuple(processes)
    stages = [stage for process in processes for stage in process.all_stages]
    kinds = [task for process in processes for task in process.all_tasks]
    problems = [
        f"stage {stage.key!r} is not a Stage" for stage in stages if type(stage.key) is not Stage
    ]
    problems += [
        f"task kind {task.kind!r} is not a TaskKind"
        for task in kinds
        if type(task.kind) is not TaskKind
    ]
    problems += [
        f"route to {route.stage!r} is not a Stage"
        for stage in stages
        for route in stage.routes
        if type(route.stage) is not Stage
    ]
    unused_stages = set(Stage) - {stage.key for stage in stages}
    unused_kinds = set(TaskKind) - {task.kind for task in kinds}
    problems += [f"Stage.{s.name} is in no process definition" for s in sorted(unused_stages)]
    problems += [f"TaskKind.{k.name} is in no process definition" for k in sorted(unused_kinds)]
    if problems:
        raise DefinitionMismatchError("; ".join(problems))
