"""The Initial Panel's shared vocabulary: what its modals contain and what makes an answer
invalid, the answers a member gives (RFC 5545 participation status, involvement), the
reminder kinds, and the plain records the views draw (meeting facts, the card's state).

Field names are the modals' block ids, so every error lands on the input it is about.
Times are London wall-clock times; what comes out is UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.ids import PanelBlock
from bot.process.states import TaskKind
from bot.process.working_days import LONDON, WorkingCalendar
from bot.services.refusal import InvalidFormError

MAX_MEMBERS = 20
MAX_SLOTS = 5
LOCATION_LENGTH = 200
URL_LENGTH = 500
REASON_LENGTH = 1000
DECLARATION_LENGTH = 2000
DURATIONS = (60, 90, 120, 180)
GO_AHEAD = "go_ahead"
INITIAL_TITLE = "Initial Panel"
INITIAL_CALENDAR_TITLE = "Initial SCR Panel"


def calendar_title(title: str) -> str:
    """The meeting's name in invitations and e-mail subjects."""
    return INITIAL_CALENDAR_TITLE if title == INITIAL_TITLE else title


@dataclass(frozen=True)
class MeetingPurpose:
    """A meeting arranged in the case channel beyond the Initial Panel, with the Initial
    Panel's invitation machinery: ``key`` is stored as the meeting's purpose; ``title``
    names it ("Review panel meeting 2" when ``numbered``); ``about`` ends its calendar
    description; ``command`` is the `/scr` command that arranges it; ``task``, when the
    case's process has it, is done once the meeting is marked held."""

    key: str
    title: str
    about: str
    command: str
    numbered: bool = False
    task: TaskKind | None = None


REVIEW_PURPOSE = MeetingPurpose(
    "review",
    "Review panel meeting",
    "of the Serious Case Review",
    "review meeting",
    numbered=True,
)
RAPID_PURPOSE = MeetingPurpose(
    "rapid_review",
    "Rapid review meeting",
    "of the Child Safeguarding Practice Review",
    "rapid meeting",
    task=TaskKind.RAPID_REVIEW_MEETING,
)
PURPOSES: dict[str, MeetingPurpose] = {p.key: p for p in (REVIEW_PURPOSE, RAPID_PURPOSE)}


SLOT_BLOCKS: tuple[tuple[PanelBlock, PanelBlock], ...] = (
    (PanelBlock.SLOT_1_DATE, PanelBlock.SLOT_1_TIME),
    (PanelBlock.SLOT_2_DATE, PanelBlock.SLOT_2_TIME),
    (PanelBlock.SLOT_3_DATE, PanelBlock.SLOT_3_TIME),
    (PanelBlock.SLOT_4_DATE, PanelBlock.SLOT_4_TIME),
    (PanelBlock.SLOT_5_DATE, PanelBlock.SLOT_5_TIME),
)

Errors = dict[str, str]
Answers = TypeVar("Answers", bound=BaseModel)


class PartStat(StrEnum):
    """RFC 5545 participation status: a member's answer to the invitation."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


class Involvement(StrEnum):
    """Whether a member had previous direct involvement in the management of the case."""

    UNCONFIRMED = "unconfirmed"
    NONE = "none"
    DECLARED = "declared"
    EXCEPTED = "excepted"
    """Not confirmed (or declared), but the CPU recorded an exception with its reason."""


CLEARED = frozenset({Involvement.NONE, Involvement.EXCEPTED})
"""A member in either state does not hold the panel back from being marked held."""


class ReminderKind(StrEnum):
    """The reminders about a scheduled panel, in the order they fall due."""

    CHASE = "chase"
    TWO_DAYS = "two_days"
    ONE_HOUR = "one_hour"


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


@dataclass(frozen=True)
class Venue:
    location: str | None
    video_url: str | None


@dataclass(frozen=True)
class PanelPeople:
    chair: str
    members: tuple[str, ...]
    """Everyone else on the panel, in the order chosen; never the chair."""

    @property
    def everyone(self) -> tuple[str, ...]:
        return (self.chair, *self.members)


@dataclass(frozen=True)
class SchedulePlan:
    start: datetime
    end: datetime
    venue: Venue
    people: PanelPeople
    override_reason: str | None
    go_ahead: bool


@dataclass(frozen=True)
class FindPlan:
    slots: tuple[tuple[datetime, datetime], ...]
    duration: timedelta
    venue: Venue
    people: PanelPeople
    go_ahead: bool


Users = Annotated[list[str], Field(max_length=MAX_MEMBERS)]


class _Common(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    panel_location: Annotated[str, Field(max_length=LOCATION_LENGTH)] = ""
    panel_video: Annotated[str, Field(max_length=URL_LENGTH)] = ""
    panel_members: Users = Field(default_factory=list)
    panel_chair: str = ""
    panel_go_ahead: list[str] = Field(default_factory=list)


class _ScheduleAnswers(_Common):
    panel_date: date
    panel_start: time
    panel_end: time
    panel_override: Annotated[str, Field(max_length=REASON_LENGTH)] = ""


class _FindAnswers(_Common):
    panel_duration: int = 0


def london(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=LONDON).astimezone(UTC)


def _typed(model: type[Answers], values: Mapping[str, Any]) -> Answers:
    clean = {k: v for k, v in values.items() if v not in (None, "")}
    try:
        return model.model_validate(clean)
    except ValidationError as exc:
        errors: Errors = {}
        for err in exc.errors():
            block = str(err["loc"][0]) if err["loc"] else PanelBlock.DATE.value
            errors.setdefault(block, _friendly(err))
        raise InvalidFormError(errors) from None


def _friendly(err: Any) -> str:
    kind = str(err["type"])
    if kind == "missing":
        return "This is required."
    if kind in {"string_too_long", "too_long"}:
        return f"Please keep this under {err['ctx']['max_length']} characters."
    if kind.startswith("date"):
        return "Please give a valid date."
    if kind.startswith("time"):
        return "Please give a valid time."
    return "Please check this answer."


def _venue(answers: _Common, errors: Errors) -> Venue:
    video = answers.panel_video or None
    if video is not None and (not video.startswith("https://") or any(c.isspace() for c in video)):
        errors[PanelBlock.VIDEO.value] = "Please give the meeting link, starting https://"
    if not answers.panel_location and video is None:
        errors[PanelBlock.LOCATION.value] = "Give a place to meet, a video link, or both."
    return Venue(answers.panel_location or None, video)


def _people(answers: _Common, errors: Errors) -> PanelPeople:
    chair = answers.panel_chair
    if not chair:
        errors[PanelBlock.CHAIR.value] = "Choose who chairs the panel."
    members = tuple(u for u in dict.fromkeys(answers.panel_members) if u != chair)
    if not members:
        errors[PanelBlock.MEMBERS.value] = "Choose the panel members (besides the chair)."
    return PanelPeople(chair, members)


def parse_schedule(values: Mapping[str, Any], *, now: datetime, deadline: date) -> SchedulePlan:
    """A date after ``deadline`` needs an override reason; a time must be in the future.
    Every wrong answer is an `InvalidFormError` naming its input."""
    typed = _typed(_ScheduleAnswers, values)
    errors: Errors = {}
    start = london(typed.panel_date, typed.panel_start)
    end = london(typed.panel_date, typed.panel_end)
    if start <= now:
        errors[PanelBlock.DATE.value] = "Choose a date and time that are still to come."
    elif typed.panel_date > deadline and not typed.panel_override:
        errors[PanelBlock.DATE.value] = (
            f"That is after the one-month deadline ({_day(deadline)}). Choose an earlier "
            "date, or give the reason for the delay below."
        )
    if end <= start:
        errors[PanelBlock.END.value] = "The meeting must end after it starts."
    venue = _venue(typed, errors)
    people = _people(typed, errors)
    if errors:
        raise InvalidFormError(errors)
    override = typed.panel_override if typed.panel_date > deadline else ""
    return SchedulePlan(
        start=start,
        end=end,
        venue=venue,
        people=people,
        override_reason=override or None,
        go_ahead=GO_AHEAD in typed.panel_go_ahead,
    )


def parse_find(values: Mapping[str, Any], *, now: datetime, deadline: date) -> FindPlan:
    """Up to five proposed times, each before the deadline; the first is required."""
    typed = _typed(_FindAnswers, values)
    errors: Errors = {}
    if typed.panel_duration not in DURATIONS:
        errors[PanelBlock.DURATION.value] = "Choose how long the meeting lasts."
    duration = timedelta(minutes=typed.panel_duration)
    slots: list[tuple[datetime, datetime]] = []
    for index, (date_block, time_block) in enumerate(SLOT_BLOCKS):
        start = _slot_start(values, date_block, time_block, required=index == 0, errors=errors)
        if start is None:
            continue
        if start <= now:
            errors[date_block.value] = "This time has passed."
        elif start.astimezone(LONDON).date() > deadline:
            errors[date_block.value] = f"Propose times by the deadline, {_day(deadline)}."
        elif any(start == s for s, _ in slots):
            errors[date_block.value] = "This time is proposed twice."
        else:
            slots.append((start, start + duration))
    venue = _venue(typed, errors)
    people = _people(typed, errors)
    if errors:
        raise InvalidFormError(errors)
    return FindPlan(
        slots=tuple(slots),
        duration=duration,
        venue=venue,
        people=people,
        go_ahead=GO_AHEAD in typed.panel_go_ahead,
    )


def _slot_start(
    values: Mapping[str, Any],
    date_block: PanelBlock,
    time_block: PanelBlock,
    *,
    required: bool,
    errors: Errors,
) -> datetime | None:
    raw_date, raw_time = values.get(date_block.value), values.get(time_block.value)
    if not raw_date and not raw_time:
        if required:
            errors[date_block.value] = "Propose at least one time."
        return None
    if not raw_date or not raw_time:
        errors[date_block.value if not raw_date else time_block.value] = "Give a date and a time."
        return None
    try:
        return london(date.fromisoformat(str(raw_date)), time.fromisoformat(str(raw_time)))
    except ValueError:
        errors[date_block.value] = "Please give a valid date and time."
        return None


# Meeting on a day the Board is closed ----------------------------------------------------


@dataclass(frozen=True)
class DayToConfirm:
    """A date chosen for the panel that is not a working day (``closure``: "weekend", "bank
    holiday"...), which the organiser has not yet confirmed by submitting it again."""

    block: str
    day: date
    closure: str


def days_to_confirm(
    values: Mapping[str, Any],
    cal: WorkingCalendar,
    confirmed: Collection[date],
    *,
    find: bool,
) -> list[DayToConfirm]:
    """The modal's dates (the one date, or each proposed time's) that fall on a weekend or
    bank holiday and are not among ``confirmed``; read once the answers are valid."""
    blocks = [date_block for date_block, _ in SLOT_BLOCKS] if find else [PanelBlock.DATE]
    found = []
    for block in blocks:
        try:
            chosen = date.fromisoformat(str(values.get(block.value) or ""))
        except ValueError:
            continue
        closure = cal.closure(chosen)
        if closure is not None and chosen not in confirmed:
            found.append(DayToConfirm(block.value, chosen, closure))
    return found


# What the views draw -------------------------------------------------------------------


@dataclass(frozen=True)
class PanelDeadline:
    """The date the Initial Panel must meet by, the last working day on or before it, and
    the day it is read on: what the modals need to word it."""

    due: date
    last_working_day: date
    today: date


@dataclass(frozen=True)
class MeetingFacts:
    meeting_id: int
    reference: str
    sequence: int
    start: datetime
    end: datetime
    location: str | None
    video_url: str | None
    chair: str
    organiser: str
    channel_id: str | None
    title: str = INITIAL_TITLE
    """What the meeting is called in Slack: the Initial Panel, or a review panel meeting."""

    @property
    def initial(self) -> bool:
        return self.title == INITIAL_TITLE


@dataclass(frozen=True)
class MemberState:
    partstat: str
    involvement: str
    role: str
    by_email: bool = False
    """The answer came from their calendar, by e-mail."""


@dataclass(frozen=True)
class SlotLine:
    slot_id: int
    start: datetime
    end: datetime
    available: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()
    mine: bool | None = None


@dataclass(frozen=True)
class PanelDefaults:
    """What the schedule modal starts with (the meeting as it stands, when changing it)."""

    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    video_url: str | None = None
    members: Sequence[str] = ()
    chair: str | None = None


@dataclass(frozen=True)
class PanelCardState:
    """``status`` is none, proposed, scheduled, held or cancelled (the latest meeting)."""

    status: str
    deadline: date
    today: date
    last_working_day: date | None = None
    """The last working day on or before ``deadline``."""
    meeting_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    video_url: str | None = None
    organiser: str | None = None
    chair: str | None = None
    override_by: str | None = None
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    asked: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    declared: tuple[str, ...] = ()
    excepted: tuple[str, ...] = ()
    """Members the CPU recorded an exception for."""
    slots: Sequence[SlotLine] = ()
    attended: tuple[str, ...] = ()
    by_email: tuple[str, ...] = ()
    """Members whose answer came from their calendar, by e-mail."""


class HeldForm(BaseModel):
    """Marking the panel held: who attended, and the review panel it names (its chair and
    members), should the Board Chair decide on a review."""

    model_config = ConfigDict(extra="ignore")

    panel_attendance: list[str] = Field(default_factory=list)
    panel_review_chair: str | None = None
    panel_review_members: Users = Field(default_factory=list)


class ExceptionForm(BaseModel):
    """The CPU's exception for a member who has not confirmed no previous involvement."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    panel_exception_member: str = ""
    panel_exception_reason: str = ""


class DeclareForm(BaseModel):
    """A member's declaration of a previous involvement (checked by the service)."""

    model_config = ConfigDict(extra="ignore")

    panel_declaration: str = ""
