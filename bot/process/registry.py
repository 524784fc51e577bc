"""The process definitions a case can follow, by key."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.process.bolton import BOLTON_SCR
from bot.process.cspr import CSPR_2023
from bot.process.definition import ProcessDefinition

DEFAULT_PROCESS_KEY = "bolton-scr"

_PROCESSES: Mapping[str, ProcessDefinition] = MappingProxyType(
    {process.key: process for process in (BOLTON_SCR, CSPR_2023)}
)


class UnknownProcessError(KeyError):
    """No process definition has this key."""


def get_process(key: str = DEFAULT_PROCESS_KEY) -> ProcessDefinition:
    try:
        return _PROCESSES[key]
    except KeyError:
        raise UnknownProcessError(key) from None


def process_keys() -> tuple[str, ...]:
    return tuple(_PROCESSES)
