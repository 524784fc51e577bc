"""What the decision's forms and messages share: the outcomes and their words, the forms'
fields (named as their modals' block ids, so that an error lands on its input), and the facts
the messages are drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.process.bolton import REVIEW_QUESTIONS
from bot.services.referral.schema import Criterion
from bot.services.refusal import FormFieldError

LONG_TEXT = 3000
UP_TO_TODAY = "Please choose a date up to today."


class Outcome(StrEnum):
    SCR = "scr"
    AUDIT = "audit"
    MANAGEMENT_REVIEWS = "management_reviews"
    NO_FURTHER_ACTION = "no_further_action"


OUTCOME_BUTTONS = {
    Outcome.SCR: "Approve SCR",
    Outcome.AUDIT: "Not met: commission an audit",
    Outcome.MANAGEMENT_REVIEWS: "Not met: commission management reviews",
    Outcome.NO_FURTHER_ACTION: "Not met: no further action",
}
OUTCOME_WORDS = {
    Outcome.SCR: "a Serious Case Review will be held",
    Outcome.AUDIT: "the criteria are not met: a smaller-scale audit instead",
    Outcome.MANAGEMENT_REVIEWS: "the criteria are not met: individual management reviews only",
    Outcome.NO_FURTHER_ACTION: "the criteria are not met: no further action, and the case closes",
}
ALWAYS_AN_SCR = (
    "A child's death where abuse or neglect is known or suspected always leads to a Serious "
    'Case Review, so "not met" is not offered for this case.'
)


class Direction(StrEnum):
    """Who, outside the Board, directed or requested a review."""

    SECRETARY_OF_STATE = "secretary_of_state"
    OFSTED = "ofsted"


DIRECTION_WORDS = {
    Direction.SECRETARY_OF_STATE: "directed by the Secretary of State",
    Direction.OFSTED: "requested by OFSTED",
}
QUESTION_BLOCK = "question_"
"""Prefix of the recommendation form's blocks for the framework's questions: ``question_<key>``
(yes, no or not known) and ``question_<key>_note``."""
NOTE_TEXT = 300


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class QuestionAnswer(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key: str
    answer: Answer | None = None
    note: Annotated[str, Field(max_length=NOTE_TEXT)] = ""


def _today(info: ValidationInfo) -> date:
    today = (info.context or {}).get("today")
    if not isinstance(today, date):
        raise RuntimeError("form validation needs context['today']")
    return today


class RecommendationForm(BaseModel):
    """The Initial Panel's recommendation to the Board Chair, with its answers to the
    framework's questions (`bot.process.bolton.REVIEW_QUESTIONS`)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    criteria_met: bool
    criteria: list[Criterion] = Field(default_factory=list, validate_default=True)
    rationale: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    answers: list[QuestionAnswer] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _gather_answers(cls, data: Any) -> Any:
        """The questions' blocks, gathered into ``answers`` in the framework's order."""
        if not isinstance(data, dict) or "answers" in data:
            return data
        data = dict(data)
        answers = []
        for key, _ in REVIEW_QUESTIONS:
            answer = data.pop(f"{QUESTION_BLOCK}{key}", None)
            note = data.pop(f"{QUESTION_BLOCK}{key}_note", None) or ""
            answers.append({"key": key, "answer": answer or None, "note": note})
        data["answers"] = answers
        return data

    @model_validator(mode="after")
    def _all_answered(self) -> RecommendationForm:
        for given in self.answers:
            if given.answer is None:
                raise FormFieldError(
                    f"{QUESTION_BLOCK}{given.key}", "Please answer: yes, no or not known."
                )
        return self

    def notes(self) -> dict[str, str]:
        """The notes, by block id (screened for the child's identifying details)."""
        return {f"{QUESTION_BLOCK}{a.key}_note": a.note for a in self.answers if a.note}

    @field_validator("criteria")
    @classmethod
    def _criteria_when_met(cls, criteria: list[Criterion], info: ValidationInfo) -> list[Criterion]:
        if info.data.get("criteria_met") and not criteria:
            raise ValueError("Please say which criteria are met.")
        return criteria


class ReasonForm(BaseModel):
    """Why the Chair finds the criteria not met."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str = Field(default="", validate_default=True)

    @field_validator("reason")
    @classmethod
    def _given(cls, reason: str) -> str:
        if not reason:
            raise ValueError("Please give the reason.")
        return reason


class DirectionForm(BaseModel):
    """A review directed by the Secretary of State or requested by OFSTED."""

    model_config = ConfigDict(extra="forbid")

    directed_by: Direction
    directed_on: date

    @field_validator("directed_on")
    @classmethod
    def _up_to_today(cls, directed_on: date, info: ValidationInfo) -> date:
        if directed_on > _today(info):
            raise ValueError(UP_TO_TODAY)
        return directed_on


class NoticeForm(BaseModel):
    """When, and by whom, an audience outside Slack was told of the decision."""

    model_config = ConfigDict(extra="forbid")

    notified_on: date = Field(default=None, validate_default=True)
    notified_by: str = Field(default=None, validate_default=True)

    @field_validator("notified_on", mode="before")
    @classmethod
    def _date_given(cls, notified_on: object) -> object:
        if not notified_on:
            raise ValueError(UP_TO_TODAY)
        return notified_on

    @field_validator("notified_on")
    @classmethod
    def _up_to_today(cls, notified_on: date, info: ValidationInfo) -> date:
        if notified_on > _today(info):
            raise ValueError(UP_TO_TODAY)
        return notified_on

    @field_validator("notified_by", mode="before")
    @classmethod
    def _someone(cls, notified_by: object) -> object:
        if not notified_by:
            raise ValueError("Who told them?")
        return notified_by


class FindingsForm(BaseModel):
    """A "not met" path's findings, shared with the panel."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    findings_summary: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    shared_on: date
    document_file_id: Annotated[str | None, Field(pattern=r"^F[A-Z0-9]+$")] = None

    @field_validator("shared_on")
    @classmethod
    def _not_in_the_future(cls, shared_on: date, info: ValidationInfo) -> date:
        if shared_on > _today(info):
            raise ValueError("This date cannot be in the future.")
        return shared_on


@dataclass(frozen=True)
class Recommended:
    """The recorded recommendation, as the Chair is asked to decide on it."""

    reference: str
    case_id: int
    criteria_met: bool
    criteria: Sequence[str]
    rationale: str
    recorded_by: str
    recorded_at: datetime
    answers: Sequence[QuestionAnswer] = ()
    always_scr: bool = False
    """A death where abuse or neglect is known or suspected: "not met" is not offered."""


@dataclass(frozen=True)
class Due:
    """One of the case's next steps after the decision, and when it is due."""

    title: str
    on: date


@dataclass(frozen=True)
class NoticeLine:
    """One audience outside Slack, and when and by whom it was told (if it was)."""

    audience: str
    title: str
    notified_on: date | None = None
    notified_by: str | None = None
