"""What the panel modals must contain, and what makes an answer invalid.

Field names are the modals' block ids, so every error lands on the input it is about.
Times are London wall-clock times; what comes out is UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.ids import PanelBlock
from bot.views.format import LONDON, day

MAX_MEMBERS = 20
MAX_SLOTS = 5
LOCATION_LENGTH = 200
URL_LENGTH = 500
REASON_LENGTH = 1000
DECLARATION_LENGTH = 2000
DURATIONS = (60, 90, 120, 180)
GO_AHEAD = "go_ahead"

SLOT_BLOCKS: tuple[tuple[PanelBlock, PanelBlock], ...] = (
    (PanelBlock.SLOT_1_DATE, PanelBlock.SLOT_1_TIME),
    (PanelBlock.SLOT_2_DATE, PanelBlock.SLOT_2_TIME),
    (PanelBlock.SLOT_3_DATE, PanelBlock.SLOT_3_TIME),
    (PanelBlock.SLOT_4_DATE, PanelBlock.SLOT_4_TIME),
    (PanelBlock.SLOT_5_DATE, PanelBlock.SLOT_5_TIME),
)

Errors = dict[str, str]
Answers = TypeVar("Answers", bound=BaseModel)


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


def _typed(model: type[Answers], values: Mapping[str, Any]) -> Answers | Errors:
    clean = {k: v for k, v in values.items() if v not in (None, "")}
    try:
        return model.model_validate(clean)
    except ValidationError as exc:
        errors: Errors = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else PanelBlock.DATE.value
            errors.setdefault(field, _friendly(err))
        return errors


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


def parse_schedule(
    values: Mapping[str, Any], *, now: datetime, deadline: date
) -> SchedulePlan | Errors:
    """A date after ``deadline`` needs an override reason; a time must be in the future."""
    typed = _typed(_ScheduleAnswers, values)
    if isinstance(typed, dict):
        return typed
    errors: Errors = {}
    start = london(typed.panel_date, typed.panel_start)
    end = london(typed.panel_date, typed.panel_end)
    if start <= now:
        errors[PanelBlock.DATE.value] = "Choose a date and time that are still to come."
    elif typed.panel_date > deadline and not typed.panel_override:
        errors[PanelBlock.DATE.value] = (
            f"That is after the one-month deadline ({day(deadline)}). Choose an earlier "
            "date, or give the reason for the delay below."
        )
    if end <= start:
        errors[PanelBlock.END.value] = "The meeting must end after it starts."
    venue = _venue(typed, errors)
    people = _people(typed, errors)
    if errors:
        return errors
    override = typed.panel_override if typed.panel_date > deadline else ""
    return SchedulePlan(
        start=start,
        end=end,
        venue=venue,
        people=people,
        override_reason=override or None,
        go_ahead=GO_AHEAD in typed.panel_go_ahead,
    )


def parse_find(values: Mapping[str, Any], *, now: datetime, deadline: date) -> FindPlan | Errors:
    """Up to five proposed times, each before the deadline; the first is required."""
    typed = _typed(_FindAnswers, values)
    if isinstance(typed, dict):
        return typed
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
            errors[date_block.value] = f"Propose times by the deadline, {day(deadline)}."
        elif any(start == s for s, _ in slots):
            errors[date_block.value] = "This time is proposed twice."
        else:
            slots.append((start, start + duration))
    venue = _venue(typed, errors)
    people = _people(typed, errors)
    if errors:
        return errors
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
