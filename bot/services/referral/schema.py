"""What a referral (Appendix 1 of the framework) must contain, and what makes one invalid:
the referral form's fields, limits, labels and answers, shared by its view and its service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.services.refusal import InvalidFormError

SHORT_TEXT = 120
LONG_TEXT = 3000
FAMILY_ROWS = 6
"""Rows of the family in the referral's forms (the web form's and the all-in-Slack modal's)."""
SERVICE_ROWS = 4
"""Rows of the services involved in the referral's Slack modal."""

NOT_A_MEMBER = (
    "Only members of the safeguarding partnership can refer a case. If you should be able "
    "to, ask the Board business unit to add you to the partnership configuration."
)
OWN_AGENCY = "You can refer on behalf of your own agency."
NOT_A_PARTNER = "That agency is not part of the partnership."


@dataclass(frozen=True)
class AgencyChoice:
    """An agency the person may pick in a form."""

    id: int
    name: str


@dataclass(frozen=True)
class ProcessChoice:
    """A process a case can follow, as the business unit picks it: its key and its name."""

    key: str
    title: str


class Criterion(StrEnum):
    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    SEXUAL_ABUSE = "sexual_abuse"
    PARENT_HOMICIDE = "parent_homicide"
    PARENT_MENTAL_ILLNESS = "parent_mental_illness"
    INTER_AGENCY = "inter_agency"


CRITERION_LABELS: dict[Criterion, str] = {
    Criterion.DEATH: "Death where abuse or neglect is known or suspected",
    Criterion.LIFE_THREATENING: (
        "Potentially life-threatening injury or serious and permanent impairment"
    ),
    Criterion.SEXUAL_ABUSE: "Particularly serious sexual abuse",
    Criterion.PARENT_HOMICIDE: "Parent murdered / domestic homicide review",
    Criterion.PARENT_MENTAL_ILLNESS: "Child killed by a parent with a mental illness",
    Criterion.INTER_AGENCY: "Concerns about inter-agency working",
}

CRITERION_SHORT: dict[Criterion, str] = {
    Criterion.DEATH: "death, abuse or neglect suspected",
    Criterion.LIFE_THREATENING: "life-threatening injury or permanent impairment",
    Criterion.SEXUAL_ABUSE: "serious sexual abuse",
    Criterion.PARENT_HOMICIDE: "parent murdered",
    Criterion.PARENT_MENTAL_ILLNESS: "killed by a parent with a mental illness",
    Criterion.INTER_AGENCY: "inter-agency working",
}


class CpPlanStatus(StrEnum):
    YES = "yes"
    PREVIOUSLY = "previously"
    NO = "no"
    NOT_KNOWN = "not_known"


CP_PLAN_LABELS = {
    CpPlanStatus.YES: "Yes, currently",
    CpPlanStatus.PREVIOUSLY: "Previously",
    CpPlanStatus.NO: "No",
    CpPlanStatus.NOT_KNOWN: "Not known",
}


class OtherChildren(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


OTHER_CHILDREN_LABELS = {
    OtherChildren.YES: "Yes",
    OtherChildren.NO: "No",
    OtherChildren.NOT_KNOWN: "Not known",
}

Short = Annotated[str, Field(max_length=SHORT_TEXT)]
Long = Annotated[str, Field(max_length=LONG_TEXT)]


def _today(info: ValidationInfo) -> date:
    context = info.context or {}
    today = context.get("today")
    if not isinstance(today, date):
        raise RuntimeError("referral validation needs context={'today': date}")
    return today


class FamilyMember(BaseModel):
    """One row of the family (Appendix 1's family composition): a person's name, their
    relationship to the child, date of birth and address (if not the child's)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]
    relationship: Annotated[str, Field(max_length=SHORT_TEXT, validate_default=True)] = ""
    dob: date | None = None
    address: Short = ""

    @field_validator("relationship")
    @classmethod
    def _related(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("name"):
            raise ValueError("Please give their relationship to the child.")
        return value

    @field_validator("dob")
    @classmethod
    def _born_already(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > _today(info):
            raise ValueError("This date is in the future.")
        return value

    def line(self) -> str:
        parts = [f"{self.name} ({self.relationship})" if self.relationship else self.name]
        if self.dob is not None:
            parts.append(f"born {self.dob:%d.%m.%Y}")
        if self.address:
            parts.append(self.address)
        return ", ".join(parts)


class ServiceInvolved(BaseModel):
    """A service involved with the child or family, and when: it names an agency or a
    service, never a person, so it may be asked in Slack."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    service: Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]
    involved_from: date
    involved_to: date | None = None

    @field_validator("involved_from", "involved_to")
    @classmethod
    def _not_in_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > _today(info):
            raise ValueError("This date is in the future.")
        return value

    @field_validator("involved_to")
    @classmethod
    def _after_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("involved_from")
        if value is not None and isinstance(start, date) and value < start:
            raise ValueError("This is before the date the involvement began.")
        return value


Telephone = Annotated[str, Field(max_length=40, pattern=r"^$|^\+?[0-9 ()-]{6,}$")]


class ReferralSubmission(BaseModel):
    """Field names are the modal's block ids, so an error lands on the right input."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    referring_agency: int
    referral_date: date
    child_name: Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]
    child_aka: Short = ""
    child_dob: date
    incident_date: date
    address: Long = ""
    child_telephone: Short = ""
    family_composition: Long = ""
    family: list[FamilyMember] = Field(default_factory=list, max_length=12)
    presenting_issues: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    background: Long = ""
    other_services: Long = ""
    services: list[ServiceInvolved] = Field(default_factory=list, max_length=SERVICE_ROWS)
    comments: Long = ""
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    cp_plan: CpPlanStatus
    other_children_at_risk: OtherChildren
    referrer_telephone: Telephone = ""

    @field_validator("referral_date", "child_dob", "incident_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _today(info):
            raise ValueError("This date is in the future.")
        return value

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, value: list[Criterion]) -> list[Criterion]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _dates_in_order(self) -> ReferralSubmission:
        """The framework covers children: born at most 18 years before the incident, and
        nothing happened or was referred before the birth."""
        errors: dict[str, str] = {}
        if self.incident_date < self.child_dob:
            errors["incident_date"] = "The incident cannot be before the date of birth."
        elif self.child_dob <= _eighteen_years_before(self.incident_date):
            errors["child_dob"] = (
                "The child must have been under 18 at the incident: the date of birth must "
                f"be after {_long_date(_eighteen_years_before(self.incident_date))}."
            )
        if self.referral_date < self.child_dob:
            errors["referral_date"] = "The referral cannot be before the date of birth."
        elif self.incident_date > self.referral_date:
            errors.setdefault("incident_date", "The incident cannot be after the referral date.")
        if errors:
            raise _FieldError(errors)
        if self.family and not self.family_composition:
            self.family_composition = "; ".join(m.line() for m in self.family)
        return self

    def personal_data(self) -> dict[str, Any]:
        """Everything that identifies or describes the child and family: stored encrypted."""
        return self.model_dump(
            mode="json",
            include={
                "child_name",
                "child_aka",
                "child_dob",
                "incident_date",
                "address",
                "child_telephone",
                "family_composition",
                "family",
                "presenting_issues",
                "background",
                "other_services",
                "services",
                "comments",
                "cp_plan",
                "other_children_at_risk",
                "referrer_telephone",
            },
        )


class _FieldError(ValueError):
    """Cross-field errors, each belonging to one field's input: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _eighteen_years_before(day: date) -> date:
    """The day 18 years before ``day``: a child born on or before it had turned 18 by ``day``
    (one born on 29 February turns 18 on 1 March in a year without one)."""
    if day.year <= 18:
        return date.min
    try:
        return day.replace(year=day.year - 18)
    except ValueError:
        return day.replace(year=day.year - 18, day=28)


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# The rows of the Slack modals: the family, the services involved -------------------------

ROW_PARTS: dict[str, tuple[str, ...]] = {
    "family": ("name", "relationship", "dob", "address"),
    "services": ("service", "involved_from", "involved_to"),
}
"""Each repeated set of inputs (by the submission's field) and its parts, the first the one
a row's error lands on when it is not a part's own."""
ROW_COUNTS = {"family": FAMILY_ROWS, "services": SERVICE_ROWS}


def row_block(group: str, row: int, part: str) -> str:
    """A row's input in a Slack modal (rows count from 1): ``family_2_name``."""
    return f"{group}_{row}_{part}"


def _gather(values: dict[str, Any], group: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of ``group`` taken out of ``values``: the rows with anything in them, and
    the modal's row number of each (blank rows are left out)."""
    listed: list[dict[str, Any]] = []
    kept: list[int] = []
    for row in range(1, ROW_COUNTS[group] + 1):
        parts = {
            part: values.pop(row_block(group, row, part))
            for part in ROW_PARTS[group]
            if row_block(group, row, part) in values
        }
        filled = {part: value for part, value in parts.items() if str(value or "").strip()}
        if filled:
            listed.append(filled)
            kept.append(row)
    return listed, kept


def _rows_in(
    values: dict[str, Any], groups: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    values = dict(values)
    rows: dict[str, list[int]] = {}
    for group in groups:
        values[group], rows[group] = _gather(values, group)
    return values, rows


def _on_blocks(errors: dict[str, str], rows: dict[str, list[int]]) -> dict[str, str]:
    """The schema's errors keyed by the modal's block ids: a row's by its row's input."""
    placed: dict[str, str] = {}
    for key, message in errors.items():
        group, _, rest = key.partition(".")
        if group in rows:
            index, _, part = rest.partition(".")
            kept = rows[group]
            row = kept[int(index)] if index.isdigit() and int(index) < len(kept) else 1
            key = row_block(group, row, part if part in ROW_PARTS[group] else ROW_PARTS[group][0])
        placed.setdefault(key, message)
    return placed


def validated_referral(values: dict[str, Any], *, today: date) -> ReferralSubmission:
    """The referral modal's answers (the family and the services as rows of inputs), or
    `InvalidFormError` with one message per input."""
    values, rows = _rows_in(values, ("family", "services"))
    try:
        return ReferralSubmission.model_validate(values, context={"today": today})
    except ValidationError as exc:
        raise InvalidFormError(_on_blocks(field_errors(exc), rows)) from None


def received_referral(values: dict[str, Any], *, received_on: date) -> ReferralSubmission:
    """A referral kept when it was received (`ReferralSubmission.model_dump`), read back as it
    was checked then: its dates against the day it came in."""
    return ReferralSubmission.model_validate(values, context={"today": received_on})


def field_errors(exc: Exception) -> dict[str, str]:
    """Map a validation failure to {field: message}, one message per field."""
    errors: dict[str, str] = {}
    if not isinstance(exc, ValidationError):
        return errors
    for err in exc.errors():
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _FieldError):
            for field, message in ctx_error.errors.items():
                errors.setdefault(field, message)
            continue
        loc = err["loc"]
        field = ".".join(str(part) for part in loc[:3]) if loc else "child_name"
        if loc and loc[0] not in ROW_PARTS:
            field = str(loc[0])
        errors.setdefault(field, _friendly(err))
    return errors


def _friendly(err: Any) -> str:
    kind = err["type"]
    if kind in {"missing", "string_too_short", "too_short"}:
        return "This is required."
    if kind == "string_too_long":
        return f"Please keep this under {err['ctx']['max_length']} characters."
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind.startswith("date"):
        return "Please give a valid date."
    if kind == "string_pattern_mismatch":
        return "Please give a telephone number: digits, spaces, brackets and + only."
    return "Please check this answer."


# A referral in two parts: Slack, then the web ----------------------------------------------

FIRST_PART = frozenset(
    {
        "referring_agency",
        "referral_date",
        "incident_date",
        "criteria",
        "cp_plan",
        "other_children_at_risk",
    }
)
"""What the Slack modal asks when the identifying details are entered on the web: nothing in
it identifies the child or the family."""

SLACK_ONLY_DATES = ("referral_date", "incident_date")


class ReferralFirstPart(BaseModel):
    """The Slack part of a referral whose identifying details are entered on the web."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    referring_agency: int
    referral_date: date
    incident_date: date
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    cp_plan: CpPlanStatus
    other_children_at_risk: OtherChildren
    services: list[ServiceInvolved] = Field(default_factory=list, max_length=SERVICE_ROWS)
    referrer_telephone: Telephone = ""

    @field_validator("referral_date", "incident_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _today(info):
            raise ValueError("This date is in the future.")
        return value

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, value: list[Criterion]) -> list[Criterion]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _in_order(self) -> ReferralFirstPart:
        if self.incident_date > self.referral_date:
            raise _FieldError({"incident_date": "The incident cannot be after the referral date."})
        return self

    def answers(self) -> dict[str, Any]:
        """Kept until the web part is in: nothing that identifies anyone."""
        return self.model_dump(mode="json", exclude={"referring_agency"})


def validated_first_part(values: dict[str, Any], *, today: date) -> ReferralFirstPart:
    """The Slack part's answers (the services as rows of inputs), or `InvalidFormError` with
    one message per input."""
    values, rows = _rows_in(values, ("services",))
    try:
        return ReferralFirstPart.model_validate(values, context={"today": today})
    except ValidationError as exc:
        raise InvalidFormError(_on_blocks(field_errors(exc), rows)) from None


def completed_referral(
    agency_id: int, answers: dict[str, Any], details: dict[str, Any], *, today: date
) -> ReferralSubmission:
    """The whole referral from the Slack part's answers and the web form's details, or
    `InvalidFormError` keyed by the web form's fields: a date of birth that does not fit the
    Slack part's dates is the date of birth's error."""
    values = {**details, **answers, "referring_agency": agency_id}
    try:
        submission = ReferralSubmission.model_validate(values, context={"today": today})
    except ValidationError as exc:
        errors = field_errors(exc)
        for field in SLACK_ONLY_DATES:
            message = errors.pop(field, None)
            if message is not None:
                errors.setdefault("child_dob", message)
        raise InvalidFormError(errors) from None
    return submission


@dataclass(frozen=True)
class WaitingReferral:
    """A referral kept and not yet opened as a case, as its referrer is shown it."""

    received_at: datetime
    late: bool
    """Waiting long enough that its referrer and the business unit have been told."""
