"""The states a row can be in, as enums: the columns hold exactly these values."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """An obligation's state. "Overdue" is never stored: it is open and past its deadline."""

    OPEN = "open"
    DONE = "done"
    WAIVED = "waived"
    SUPERSEDED = "superseded"


class ReminderStatus(StrEnum):
    PLANNED = "planned"
    FAILED = "failed"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


class DailyStatus(StrEnum):
    """A once-a-day message to one person: being sent (by whoever holds the lease, or by
    the next tick once it runs out), sent, or skipped (nothing to send that day)."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"


class SetupStatus(StrEnum):
    """How far a case's Slack set-up (channel, invitations, card, DMs) has got."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class JobState(StrEnum):
    """A queued Slack job (the outbox): waiting (its next attempt may lie ahead), held by a
    drainer until its lease runs out, done, or given up (Slack refused it for good)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
