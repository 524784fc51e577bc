"""What monitoring's services and views share: the action plan's and the progress returns'
forms (their aliases are the modals' block ids), limits, labels and states, and the plain
data the views draw (the plan's lines, the card's state, a return's subject, a round's
summary)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.ids import MonitoringBlock
from bot.process.definition import ActionPlan

LONG_TEXT = 3000
SHORT_TEXT = 1000
MAX_NUMBER = 999
SLACK_USER = r"^[UW][A-Z0-9]{2,30}$"
MAX_PROBLEMS_SHOWN = 20
COLUMNS_HELP = (
    "number, agency, action, owner, target date, expected outcome (and optionally source)"
)
"""The columns of an action plan's CSV file, as the import modal names them."""


class Source(StrEnum):
    OVERVIEW_REPORT = "overview_report"
    MANAGEMENT_REVIEW = "management_review"


SOURCE_LABELS = {
    Source.OVERVIEW_REPORT: "Overview report",
    Source.MANAGEMENT_REVIEW: "Management review",
}


class RecStatus(StrEnum):
    OPEN = "open"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"


class ReturnStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_IMPLEMENTED = "not_implemented"


STATUS_LABELS = {
    ReturnStatus.NOT_STARTED: "Not started",
    ReturnStatus.IN_PROGRESS: "In progress",
    ReturnStatus.IMPLEMENTED: "Implemented",
    ReturnStatus.NOT_IMPLEMENTED: "Not implemented",
}


class SummaryKind(StrEnum):
    """Why the Board is told about a round: it is complete, or its deadline passed first."""

    COMPLETE = "complete"
    DEADLINE = "deadline"


class RowState(StrEnum):
    """A pro forma row without a return to show (else its state is the return's status)."""

    OVERDUE = "overdue"
    AWAITING = "awaiting"
    MISSED = "missed"
    CLOSED = "closed"


# Forms ------------------------------------------------------------------------------------


class RecommendationForm(BaseModel):
    """One recommendation as the modal (or a CSV row) gives it; aliases are block ids."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)

    number: Annotated[int, Field(alias=MonitoringBlock.NUMBER, ge=1, le=MAX_NUMBER)]
    agency_id: Annotated[int, Field(alias=MonitoringBlock.AGENCY)]
    action: Annotated[str, Field(alias=MonitoringBlock.ACTION, min_length=1, max_length=LONG_TEXT)]
    owner: Annotated[str, Field(alias=MonitoringBlock.OWNER, pattern=SLACK_USER)]
    target_date: Annotated[date, Field(alias=MonitoringBlock.TARGET_DATE)]
    expected_outcome: Annotated[
        str, Field(alias=MonitoringBlock.OUTCOME, min_length=1, max_length=LONG_TEXT)
    ]
    source: Annotated[Source, Field(alias=MonitoringBlock.SOURCE)] = Source.OVERVIEW_REPORT


DEFAULT_INTERVAL_MONTHS = 6
INTERVAL_CHOICES = (1, 2, 3, 4, 6, 12)
"""The intervals between progress returns the Board may agree, in months; six unless it
says otherwise, as the framework has it."""


def interval_words(months: int) -> str:
    return "every month" if months == 1 else f"every {months} months"


class IntervalForm(BaseModel):
    """The Board's interval between progress returns."""

    model_config = ConfigDict(populate_by_name=True)

    months: Annotated[int, Field(alias=MonitoringBlock.INTERVAL)] = DEFAULT_INTERVAL_MONTHS

    @field_validator("months")
    @classmethod
    def _offered(cls, value: int) -> int:
        if value not in INTERVAL_CHOICES:
            raise ValueError("Please choose one of the intervals offered.")
        return value


class ReturnForm(BaseModel):
    """A progress return as the modal sends it; validated with ``context={"today": date}``."""

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True)

    progress: Annotated[
        str, Field(alias=MonitoringBlock.PROGRESS, min_length=1, max_length=LONG_TEXT)
    ]
    status: Annotated[ReturnStatus, Field(alias=MonitoringBlock.STATUS)]
    reason: Annotated[
        str, Field(alias=MonitoringBlock.REASON, max_length=SHORT_TEXT, validate_default=True)
    ] = ""
    evidence: Annotated[str, Field(alias=MonitoringBlock.EVIDENCE, max_length=SHORT_TEXT)] = ""
    as_of: Annotated[date, Field(alias=MonitoringBlock.AS_OF)]

    @field_validator("reason")
    @classmethod
    def _reason_when_not_implemented(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("status") == ReturnStatus.NOT_IMPLEMENTED and not value:
            raise ValueError("Say why it will not be implemented.")
        return value

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if not isinstance(today, date):
            raise RuntimeError("return validation needs context={'today': date}")
        if value > today:
            raise ValueError("This date is in the future.")
        return value


class CloseForm(BaseModel):
    """The Board's note on marking a recommendation implemented, or its reason to close it."""

    note: Annotated[str, Field(alias=MonitoringBlock.CLOSE_NOTE)] = ""


class ImportForm(BaseModel):
    """The import modal: the CSV file attached (its Slack file id)."""

    files: Annotated[list[str], Field(alias=MonitoringBlock.PLAN_FILE, validate_default=True)] = []

    @field_validator("files")
    @classmethod
    def _attached(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("Attach the CSV file.")
        return value


class OwnerLeftForm(BaseModel):
    person: Annotated[str, Field(alias=MonitoringBlock.LEFT_USER)] = ""


# What the views draw ----------------------------------------------------------------------


@dataclass(frozen=True)
class LatestReturn:
    round_no: int
    status: str
    as_of: date


@dataclass(frozen=True)
class PlanLine:
    """One recommendation as people see it. ``action`` is decrypted for the few surfaces that
    show it to the case's members; the card and the DMs leave it out."""

    id: int
    number: int
    agency: str
    owner: str | None
    target_date: date
    status: str
    source: str
    action: str
    latest: LatestReturn | None
    open_task_id: int | None


@dataclass(frozen=True)
class RecommendationValues:
    """A recommendation filling the modal in again (to edit it, or carried from a review)."""

    number: int
    agency_id: int
    action: str
    owner: str | None
    target_date: date | None
    expected_outcome: str
    source: str


@dataclass(frozen=True)
class RecommendationModal:
    """What the add or edit modal needs: the case, the partnership's agencies (id, name),
    and, to edit one (``rec_id``) or carry one over, its values."""

    case_id: int
    reference: str
    agencies: list[tuple[int, str]]
    rec_id: int | None = None
    values: RecommendationValues | None = None


@dataclass(frozen=True)
class CloseModal:
    """What the Board's closing modal names: the recommendation by number and agency."""

    rec_id: int
    reference: str
    number: int
    agency: str


@dataclass(frozen=True)
class PlanView:
    """`/scr actions` for one person: the plan, the round, and what they may do with it."""

    case_id: int
    reference: str
    lines: list[PlanLine]
    today: date
    round_no: int | None
    round_due: date | None
    can_manage: bool
    can_close: bool
    can_sign_off: bool
    blocker: str | None
    signed_off: bool
    words: ActionPlan
    """How the case's process speaks of its plan (who oversees it, where it comes from)."""
    carried_pending: int = 0
    """Management review recommendations not yet in the plan."""


@dataclass(frozen=True)
class RoundState:
    round_no: int
    due: date
    returns_in: int
    returns_asked: int
    last_working_day: date | None = None
    """The last working day on or before ``due`` (see ``deadline_words``)."""


@dataclass(frozen=True)
class SignedOff:
    by: str
    on: date
    archived: bool


@dataclass(frozen=True)
class MonitoringState:
    """What the case card shows of monitoring."""

    lines: list[PlanLine]
    current: RoundState | None
    overdue_earlier: int
    signed_off: SignedOff | None
    today: date


@dataclass(frozen=True)
class ReturnValues:
    """A stored return, decrypted to fill the form again for an amendment."""

    status: str
    progress: str
    reason: str
    evidence: str
    as_of: date


@dataclass(frozen=True)
class ReturnSubject:
    """What the return form shows its owner: the workflow and the recommendation itself."""

    task_id: int
    case_id: int
    reference: str
    round_no: int
    due_date: date
    number: int
    agency: str
    action: str
    target_date: date
    previous_status: str | None
    current: ReturnValues | None


@dataclass(frozen=True)
class ProFormaRow:
    number: int
    agency: str
    state: str
    """A ``ReturnStatus`` value, or a ``RowState``."""
    progress: str
    confirmed: bool = False
    """The Board has closed the recommendation (implemented, or with a reason)."""


@dataclass(frozen=True)
class RoundSummary:
    case_id: int
    reference: str
    round_no: int
    due: date
    kind: SummaryKind
    rows: tuple[ProFormaRow, ...]

    @property
    def counts(self) -> Counter[str]:
        return Counter(row.state for row in self.rows)

    @property
    def late(self) -> tuple[ProFormaRow, ...]:
        return tuple(row for row in self.rows if row.state == RowState.OVERDUE)
