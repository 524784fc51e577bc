"""The first month's shared vocabulary (pure): the short forms that complete a task (the
designated person's notification, records secured, the CPU's checklist), chronology entries in
the framework's Appendix 1 format (date `dd.mm.yy`, agency, name of worker, event/action; plus
whether the child was seen and their wishes and feelings sought), their limits and labels, and
what the views show of a task, a briefing and the case card's buttons.

Chronology problems name the field, never quote it: a value may name the child."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from bot.ids import ChronologyFlag, FirstMonthBlock
from bot.process.states import TaskKind
from bot.process.working_days import LONDON
from bot.services.referral.schema import CpPlanStatus
from bot.services.refusal import InvalidFormError

NOT_YOURS = "This task belongs to someone else."
NOTE = 2000
MAX_SYNOPSIS = 3000
MAX_REASON = 500


CP_PLAN_LABELS = {
    CpPlanStatus.YES: "Currently subject of a child protection plan",
    CpPlanStatus.PREVIOUSLY: "Previously subject of a plan",
    CpPlanStatus.NO: "Never subject of a plan",
}
"""The CPU's check answers the referral's question (`CpPlanStatus`) from the records, so
"not known" is not one of its answers."""

Note = Annotated[str, Field(max_length=NOTE)]


def _now(info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now")
    if not isinstance(now, datetime):
        raise RuntimeError("form validation needs context={'now': datetime}")
    return now.astimezone(LONDON)


class TaskForm(BaseModel):
    """Field aliases are the modal's block ids, so an error lands on its input."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", populate_by_name=True)


class _WhenForm(TaskForm):
    when_date: date = Field(alias=FirstMonthBlock.WHEN_DATE.value)
    when_time: time | None = Field(default=None, alias=FirstMonthBlock.WHEN_TIME.value)

    @field_validator("when_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _now(info).date():
            raise ValueError("This date is in the future.")
        return value

    @field_validator("when_time")
    @classmethod
    def _not_later_today(cls, value: time | None, info: ValidationInfo) -> time | None:
        now = _now(info)
        when = info.data.get("when_date")
        if value is not None and when == now.date() and value > now.time():
            raise ValueError("This time is later than now.")
        return value


class DpNotifiedForm(_WhenForm):
    """The designated person was told and the CPU notified; with, if they wish, whose
    concern reached them and when (the framework's first step: "a worker suspects abuse or
    neglect was a factor and tells their agency's Designated Person")."""

    by_whom: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        alias=FirstMonthBlock.BY_WHOM.value
    )
    concern_from: Annotated[str, Field(max_length=200)] = Field(
        default="", alias=FirstMonthBlock.CONCERN_FROM.value
    )
    concern_on: date | None = Field(default=None, alias=FirstMonthBlock.CONCERN_ON.value)
    note: Note = Field(default="", alias=FirstMonthBlock.NOTE.value)

    @field_validator("concern_on")
    @classmethod
    def _concern_not_in_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > _now(info).date():
            raise ValueError("This date is in the future.")
        return value


class RecordsSecuredForm(_WhenForm):
    systems: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        alias=FirstMonthBlock.SYSTEMS.value
    )
    note: Note = Field(default="", alias=FirstMonthBlock.NOTE.value)


class CpPlanForm(TaskForm):
    status: CpPlanStatus = Field(alias=FirstMonthBlock.CP_PLAN.value)
    note: Note = Field(default="", alias=FirstMonthBlock.NOTE.value)

    @field_validator("status")
    @classmethod
    def _checked(cls, status: CpPlanStatus) -> CpPlanStatus:
        if status not in CP_PLAN_LABELS:
            raise ValueError("Please choose what the records show.")
        return status


class OtherChildrenForm(TaskForm):
    considered: Annotated[str, Field(min_length=1, max_length=3000)] = Field(
        alias=FirstMonthBlock.OTHER_CHILDREN.value
    )


class OrganisationsForm(TaskForm):
    agencies: list[int] = Field(default_factory=list, alias=FirstMonthBlock.ORGANISATIONS.value)
    others: Note = Field(default="", alias=FirstMonthBlock.OTHER_ORGANISATIONS.value)


class ChairInformedForm(_WhenForm):
    how: Annotated[str, Field(max_length=200)] = Field(default="", alias=FirstMonthBlock.HOW.value)
    note: Note = Field(default="", alias=FirstMonthBlock.NOTE.value)


FORMS: dict[str, type[TaskForm]] = {
    TaskKind.DP_NOTIFIED: DpNotifiedForm,
    TaskKind.RECORDS_SECURED: RecordsSecuredForm,
    TaskKind.CPU_CP_PLAN_CHECKED: CpPlanForm,
    TaskKind.CPU_OTHER_CHILDREN_CONSIDERED: OtherChildrenForm,
    TaskKind.CPU_ORGANISATIONS_INFORMED: OrganisationsForm,
    TaskKind.CPU_CHAIR_INFORMED: ChairInformedForm,
}
"""The tasks completed through a form of their own, by kind."""

AGENCY_FORM_KINDS = (TaskKind.DP_NOTIFIED, TaskKind.RECORDS_SECURED)
CHRONOLOGY_KINDS = (TaskKind.CHRONOLOGY_SUBMITTED, TaskKind.SYNOPSIS_SUBMITTED)


class ChronologyForm(StrEnum):
    """The chronology's three modals."""

    ENTRIES = "entries"
    COMPLETE = "complete"
    SYNOPSIS = "synopsis"


CHRONOLOGY_TASK_FORMS: dict[str, ChronologyForm] = {
    TaskKind.CHRONOLOGY_SUBMITTED: ChronologyForm.COMPLETE,
    TaskKind.SYNOPSIS_SUBMITTED: ChronologyForm.SYNOPSIS,
}
"""The modal that completes each agency chronology task (from a reminder's button)."""


# What the views show --------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class TaskView:
    """What a task's form needs to show: no answers, only the workflow."""

    task_id: int
    case_id: int
    reference: str
    kind: str
    agency_id: int | None
    agency: str | None
    due_at: datetime
    status: str
    partner_agencies: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class BriefingItem:
    kind: str
    task_id: int | None
    due: date | None
    done_on: date | None
    last_working_day: date | None = None
    """The last working day on or before ``due`` (see ``deadline_words``)."""


@dataclass(frozen=True)
class Briefing:
    """What an involved agency's designated persons are asked to do, and how far they are."""

    case_id: int
    reference: str
    agency_id: int
    agency: str
    channel_id: str | None
    items: Sequence[BriefingItem]
    today: date
    members: frozenset[str] = frozenset()
    """Who is in the case channel: the DM of anyone else offers no way into it."""

    def for_reader(self, user: str) -> Briefing:
        """The briefing as ``user`` reads it: the channel only for a member of it."""
        return self if user in self.members else replace(self, channel_id=None)


@dataclass(frozen=True)
class CpuItem:
    task_id: int
    kind: str


@dataclass(frozen=True)
class CardActions:
    """The case card's first-month buttons: which to show."""

    case_id: int
    cpu_items: Sequence[CpuItem]
    agency_forms: Sequence[str]
    """The agencies' own first checks still open in some agency, of `AGENCY_FORM_KINDS`, in
    that order: a button each (a practice review asks for no CPU notification)."""
    chronology_open: bool
    referrer_items: Sequence[CpuItem] = ()
    """The referring organisation's own checks (other children at risk)."""


@dataclass(frozen=True)
class AgencyCount:
    choice: Choice
    entries: int


@dataclass(frozen=True)
class ChronologyModal:
    """One of the chronology's modals, for the agencies the person acts for in a case."""

    which: ChronologyForm
    case_id: int
    reference: str
    counts: Sequence[AgencyCount]

    @property
    def choices(self) -> list[Choice]:
        return [c.choice for c in self.counts]


# Chronology entries ---------------------------------------------------------------------

MAX_WORKER = 200
MAX_EVENT = 3000
"""Slack's plain_text_input takes at most 3,000 characters; CSV rows keep the same bound."""
DATE_HINT = "use dd.mm.yy or dd/mm/yyyy"

_DATE = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{2}|\d{4})$")
_YES = frozenset({"yes", "y", "true", "1", "✓"})
_NO = frozenset({"no", "n", "false", "0"})
_UNKNOWN = frozenset({"", "n/a", "na", "not known", "unknown", "not recorded"})


@dataclass(frozen=True)
class Period:
    """The period under review; entries outside it are refused once it is set."""

    starts_on: date
    ends_on: date | None = None


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("chronology", message)


def parse_day_first(text: str) -> tuple[date, bool]:
    """`dd.mm.yy`, `dd/mm/yyyy` (either separator, either year width). Two-digit years are
    20yy, so a year before 2000 must be written in full. Returns the date and whether the
    year was two digits."""
    match = _DATE.match(text.strip())
    if match is None:
        raise _problem(f"not a date ({DATE_HINT})")
    day, _, month, year = match.groups()
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, int(month), int(day)), len(year) == 2
    except ValueError:
        raise _problem(f"no such day ({DATE_HINT}, day first)") from None


def _context(info: ValidationInfo) -> tuple[date, Period | None]:
    context = info.context or {}
    today = context.get("today")
    if not isinstance(today, date):
        raise RuntimeError("chronology validation needs context={'today': date}")
    period = context.get("period")
    return today, period if isinstance(period, Period) else None


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text in _UNKNOWN:
        return None
    raise _problem("answer yes or no, or leave it blank")


class ChronologyEntryInput(BaseModel):
    """One entry, from a modal (a `date`) or a CSV row (text, day first)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    entry_date: date
    worker: Annotated[str, Field(min_length=1, max_length=MAX_WORKER)]
    event: Annotated[str, Field(min_length=1, max_length=MAX_EVENT)]
    child_seen: bool | None = None
    wishes_sought: bool | None = None

    @field_validator("entry_date", mode="before")
    @classmethod
    def _parse_date(cls, value: Any, info: ValidationInfo) -> date:
        if isinstance(value, date):
            when, short_year = value, False
        elif isinstance(value, str) and value.strip():
            when, short_year = parse_day_first(value)
        else:
            raise _problem("required")
        today, period = _context(info)
        if when > today:
            likely_1900s = short_year and when.year > today.year
            hint = " (write years before 2000 in full: dd/mm/yyyy)" if likely_1900s else ""
            raise _problem(f"in the future{hint}")
        if period is not None and when < period.starts_on:
            raise _problem(f"before the period under review (from {period.starts_on:%d.%m.%Y})")
        if period is not None and period.ends_on is not None and when > period.ends_on:
            raise _problem(f"after the period under review (to {period.ends_on:%d.%m.%Y})")
        return when

    @field_validator("child_seen", "wishes_sought", mode="before")
    @classmethod
    def _parse_flag(cls, value: Any) -> bool | None:
        return _flag(value)

    def key(self) -> tuple[date, str, str, bool | None, bool | None]:
        """What makes two entries the same entry (a row uploaded twice)."""
        return (self.entry_date, self.worker, self.event, self.child_seen, self.wishes_sought)


FIELD_LABELS = {
    "entry_date": "date",
    "agency": "agency",
    "worker": "name of worker",
    "event": "event/action",
    "child_seen": "child seen",
    "wishes_sought": "wishes and feelings sought",
}


def problems_of(exc: ValidationError) -> dict[str, str]:
    """{field: reason}, one reason per field, in words a person can act on."""
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "entry_date"
        kind = err["type"]
        if kind in {"missing", "string_too_short"}:
            reason = "required"
        elif kind == "string_too_long":
            reason = f"longer than {err['ctx']['max_length']} characters"
        elif kind == "chronology":
            reason = err["msg"]
        else:
            reason = "not valid"
        out.setdefault(name, reason)
    return out


def validate_entry(
    values: dict[str, Any], *, today: date, period: Period | None
) -> ChronologyEntryInput | dict[str, str]:
    try:
        return ChronologyEntryInput.model_validate(
            values, context={"today": today, "period": period}
        )
    except ValidationError as exc:
        return problems_of(exc)


# Entries from a modal -------------------------------------------------------------------

ENTRY_SLOTS = 5
ENTRY_FIELDS = {
    "entry_date": FirstMonthBlock.ENTRY_DATE,
    "worker": FirstMonthBlock.ENTRY_WORKER,
    "event": FirstMonthBlock.ENTRY_EVENT,
    "flags": FirstMonthBlock.ENTRY_FLAGS,
}
"""A modal entry's fields, and the prefix of the block holding each."""


def entry_block_id(name: str, slot: int) -> str:
    return f"{ENTRY_FIELDS[name].value}_{slot}"


def _entry_day(when: Any) -> Any:
    """A date picker's ISO date as a date; any other text as typed, for the entry's own
    check (day first, as in a CSV file), so that a mistyped date is an error on its input."""
    if not isinstance(when, str) or not when:
        return None
    try:
        return date.fromisoformat(when)
    except ValueError:
        return when


def entries_from_slots(
    values: dict[str, Any], *, today: date, period: Period | None, slots: int = ENTRY_SLOTS
) -> list[tuple[int, ChronologyEntryInput]]:
    """The filled-in entries of the modal (or of the web form's ``slots`` rows); every problem
    by its input (`InvalidFormError`). A slot with no date, worker or event is left out; at
    least one is needed."""
    entries: list[tuple[int, ChronologyEntryInput]] = []
    errors: dict[str, str] = {}
    for slot in range(1, slots + 1):
        raw = {name: values.get(entry_block_id(name, slot)) for name in ENTRY_FIELDS}
        if not any(raw[name] for name in ("entry_date", "worker", "event")):
            continue
        flags = raw.pop("flags") or []
        raw["entry_date"] = _entry_day(raw["entry_date"])
        raw["child_seen"] = ChronologyFlag.CHILD_SEEN.value in flags
        raw["wishes_sought"] = ChronologyFlag.WISHES_SOUGHT.value in flags
        checked = validate_entry(
            {k: v for k, v in raw.items() if v is not None}, today=today, period=period
        )
        if isinstance(checked, dict):
            for name, reason in checked.items():
                block = entry_block_id(name if name in ENTRY_FIELDS else "flags", slot)
                errors.setdefault(block, reason[:1].upper() + reason[1:] + ".")
        else:
            entries.append((slot, checked))
    if not entries and not errors:
        errors[entry_block_id("entry_date", 1)] = "Add at least one entry."
    if errors:
        raise InvalidFormError(errors)
    return entries
