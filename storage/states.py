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
