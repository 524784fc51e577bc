"""What the web case room's pages show, as data: the services fill it in, the views in
bot/views/web draw it. Values are already worded; nothing here identifies the child."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.services.cases.schema import AgencyRow, Deadline


@dataclass(frozen=True)
class CaseLine:
    """A case on the signed-in person's list."""

    reference: str
    stage_title: str
    next_deadline: str
    closed: bool = False


@dataclass(frozen=True)
class TaskLine:
    title: str
    agency: str
    owners: tuple[str, ...]
    """Slack user ids; the page shows each person's name."""
    due: str
    status: str
    overdue: bool = False


@dataclass(frozen=True)
class ChronologyLine:
    entry_date: date
    agency: str
    worker: str
    event: str
    child_seen: str
    wishes_sought: str


@dataclass(frozen=True)
class DocumentLine:
    title: str
    where: str
    """How to reach it, in words: "download" for `href`, else where it lives."""
    href: str | None = None


@dataclass(frozen=True)
class AuditLine:
    at: str
    actor: str
    action: str


@dataclass(frozen=True)
class CasePage:
    reference: str
    stage_title: str
    referral_date: date
    referring_agency: str
    criteria: Sequence[str]
    today: date
    closed: bool
    deadlines: Sequence[Deadline] = ()
    agency_columns: Sequence[str] = ()
    agency_rows: Sequence[AgencyRow] = ()
    tasks: Sequence[TaskLine] = ()
    chronology: Sequence[ChronologyLine] = ()
    documents: Sequence[DocumentLine] = ()
    audit: Sequence[AuditLine] | None = None
    """The case's audit trail, for the business unit only (None for anyone else)."""
    forms: Sequence[tuple[str, str]] = ()
    """The long forms this person may fill in here (title, address), as in Slack."""
    member: bool = True
    """False for the Board Chair or the business unit overseeing a case they are not in:
    the page is read-only and its documents are not offered."""
    people: dict[str, str] = field(default_factory=dict)
    """Names of the people the page mentions, by Slack user id (filled in by the portal)."""
