"""How many DMs each person got over the demo case's life, counted from the stand-in's
record of `chat.postMessage` calls to each person's DM.

A reminder is told apart by its Slack message metadata (an `event_type` beginning
``scr_remind``), whatever its wording; a DM the worker posted without such metadata counts
as a reminder too, except the business unit's daily digest (a post-once message whose
ledger key begins ``digest:``), which is counted on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.testing.standin.models import RecordedCall

REMINDER_EVENT_PREFIX = "scr_remind"
DIGEST_KEY_PREFIX = "digest:"


@dataclass(frozen=True)
class Posted:
    """One DM the bot posted: to whom, on which (London) day, and whether the worker sent it."""

    user: str
    day: date
    metadata: dict[str, Any]
    by_worker: bool

    @property
    def event_type(self) -> str:
        return str(self.metadata.get("event_type") or "")

    @property
    def key(self) -> str:
        return str((self.metadata.get("event_payload") or {}).get("key") or "")

    @property
    def is_digest(self) -> bool:
        return self.key.startswith(DIGEST_KEY_PREFIX)

    @property
    def is_reminder(self) -> bool:
        if self.event_type.startswith(REMINDER_EVENT_PREFIX):
            return True
        return self.by_worker and not self.is_digest


@dataclass
class PersonCount:
    reminders: int = 0
    digests: int = 0
    dms: int = 0
    reminders_by_day: Counter[date] = field(default_factory=Counter)

    @property
    def most_in_a_day(self) -> int:
        return max(self.reminders_by_day.values(), default=0)


def dms_posted(
    calls: Sequence[RecordedCall],
    recipient: Callable[[str], str | None],
    day_of: Callable[[int], date],
    by_worker: Collection[int],
) -> list[Posted]:
    """Each successful `chat.postMessage` to a DM; ``recipient`` maps a channel id to the
    person whose DM it is (None for any other channel), ``day_of`` a call's index to its day."""
    posted: list[Posted] = []
    for index, call in enumerate(calls):
        if call.method != "chat.postMessage" or not call.ok:
            continue
        user = recipient(str(call.args.get("channel", "")))
        if user is None:
            continue
        metadata = call.args.get("metadata")
        posted.append(
            Posted(
                user,
                day_of(index),
                metadata if isinstance(metadata, dict) else {},
                index in by_worker,
            )
        )
    return posted


def count_by_person(posted: Iterable[Posted]) -> dict[str, PersonCount]:
    counts: dict[str, PersonCount] = {}
    for dm in posted:
        count = counts.setdefault(dm.user, PersonCount())
        count.dms += 1
        if dm.is_digest:
            count.digests += 1
        elif dm.is_reminder:
            count.reminders += 1
            count.reminders_by_day[dm.day] += 1
    return counts


HEADINGS = ("Person", "Reminder DMs", "Most in a day", "Digests", "All DMs")


def dm_table(counts: dict[str, PersonCount], people: Sequence[tuple[str, str]]) -> list[str]:
    """The table's lines; ``people`` gives each person's id and name, in the order shown.
    Only people who got a DM are listed."""
    rows = [
        (name, str(c.reminders), str(c.most_in_a_day), str(c.digests), str(c.dms))
        for user, name in people
        if (c := counts.get(user)) is not None
    ]
    total = (
        "Everyone",
        str(sum(c.reminders for c in counts.values())),
        str(max((c.most_in_a_day for c in counts.values()), default=0)),
        str(sum(c.digests for c in counts.values())),
        str(sum(c.dms for c in counts.values())),
    )
    widths = [max(len(row[i]) for row in (HEADINGS, *rows, total)) for i in range(len(HEADINGS))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "  ".join("─" * w for w in widths)
    return [line(HEADINGS), rule, *(line(row) for row in rows), rule, line(total)]
