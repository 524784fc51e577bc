"""Counts and lists as people read them ("1 overdue return", "2 overdue returns"; "Health,
Police and Probation"). Pure, so that process definitions, services and views word a count
the same way."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, one: str, many: str | None = None) -> str:
    """``count`` with its noun: "1 agency", "2 agencies" (``many`` defaults to ``one`` + "s";
    thousands get a separator)."""
    noun = one if count == 1 else (many if many is not None else f"{one}s")
    return f"{count:,} {noun}"


def listed(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
