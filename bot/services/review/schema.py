"""The review's forms and states, shared by its services and views: the terms of reference,
an extension agreed with OFSTED, a management review's request, submission and return, an
interview and its outcome, the overview report's acceptance; the ids each modal carries.

Field names are the modals' block ids (`bot.ids.ReviewBlock`). Checks that need the
database (the latest completion date a form may name) are the services'."""

from __future__ import annotations

from datetime import date, time
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

from bot.ids import ReviewBlock
from bot.process.states import Stage, TaskKind
from bot.services.refusal import FormFieldError

LONG_TEXT = 3000
SHORT_TEXT = 200
REVIEW_MONTHS = 4
MAX_ID = 2**31 - 1

Long = Annotated[str, Field(max_length=LONG_TEXT)]
Required = Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
SlackUser = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")]
Id = Annotated[int, Field(gt=0, le=MAX_ID)]

IMR_KINDS = {Stage.REVIEW: TaskKind.IMR, Stage.MANAGEMENT_REVIEWS: TaskKind.MANAGEMENT_REVIEW}
"""The management review's task kind on each path that has them."""
FINDINGS_PATHS = {
    Stage.AUDIT: "smaller-scale audit",
    Stage.MANAGEMENT_REVIEWS: "individual management reviews",
}
"""The "not met" paths whose findings the panel chair records, in words."""


def today_of(info: ValidationInfo, key: str = "today") -> date:
    """A date the form's check needs from its caller (``context[key]``)."""
    value = (info.context or {}).get(key)
    if not isinstance(value, date):
        raise RuntimeError(f"form validation needs context[{key!r}]")
    return value


# The ids a review modal carries --------------------------------------------------------------


class CaseMeta(BaseModel):
    case: Id


class ReviewMeta(BaseModel):
    """A management review's modals; ``slots``: the submission form's recommendation rows."""

    review: Id
    slots: Annotated[int, Field(ge=1, le=100)] = 1


class InterviewMeta(BaseModel):
    interview: Id


class DraftMeta(BaseModel):
    """An agency's answer on a draft of the overview report."""

    draft: Id
    agency: Id


def draft_and_agency(value: str | None) -> DraftMeta | None:
    """A draft button's value ``<draft id>:<agency id>``, or None when it is not one."""
    draft, _, agency = (value or "").partition(":")
    if not (draft.isdigit() and agency.isdigit() and len(draft) <= 10 and len(agency) <= 10):
        return None
    if not (0 < int(draft) <= MAX_ID and 0 < int(agency) <= MAX_ID):
        return None
    return DraftMeta(draft=int(draft), agency=int(agency))


# The panel chair -------------------------------------------------------------------------------


class ChairStatus(StrEnum):
    """A panel chair's appointment: in post only once confirmed."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    REPLACED = "replaced"


class ChairForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    panel_chair_user: SlackUser | None = None

    @model_validator(mode="after")
    def _chosen(self) -> ChairForm:
        if not self.panel_chair_user:
            raise FormFieldError("panel_chair_user", "Who chairs it?")
        return self


# Terms of reference and extension -------------------------------------------------------------


class Proceeding(StrEnum):
    CORONER = "coroner"
    CRIMINAL = "criminal"
    OTHER = "other"


PROCEEDING_LABELS = {
    Proceeding.CORONER: "Coroner's inquest",
    Proceeding.CRIMINAL: "Criminal proceedings",
    Proceeding.OTHER: "Other proceedings",
}
TERMS_TEXTS = ("key_issues", "others", "family_involvement", "liaison", "media")
TERMS_LABELS = {
    "key_issues": "key issues",
    "others": "others asked",
    "family_involvement": "family involvement",
    "liaison": "liaison",
    "media": "media handling",
    "period_from": "period under review",
    "period_to": "period under review",
    "agency_ids": "agencies",
    "proceedings": "parallel proceedings",
    "completion_date": "completion date",
}
"""What a new version says it changed, by field."""


class TermsForm(BaseModel):
    """The terms of reference. The latest completion date allowed is checked on saving."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key_issues: Required
    period_from: date
    period_to: date
    agency_ids: Annotated[list[int], Field(min_length=1)]
    others: Long = ""
    family_involvement: Long = ""
    proceedings: list[Proceeding] = Field(default_factory=list)
    liaison: Long = ""
    media: Long = ""
    completion_date: date

    @model_validator(mode="after")
    def _dates(self, info: ValidationInfo) -> TermsForm:
        today = today_of(info)
        if self.period_to < self.period_from:
            raise FormFieldError("period_to", "The period cannot end before it starts.")
        if self.period_to > today:
            raise FormFieldError("period_to", "The period under review cannot end in the future.")
        if self.proceedings and not self.liaison:
            raise FormFieldError("liaison", "Please say how the review will liaise with them.")
        if self.completion_date <= today:
            raise FormFieldError("completion_date", "The completion date must be in the future.")
        return self

    def texts(self) -> dict[str, str]:
        """The free text, by block id (screened for the child's identifying details)."""
        return {key: str(getattr(self, key)) for key in TERMS_TEXTS}

    @staticmethod
    def labels() -> dict[str, str]:
        """The free-text fields as the person reads them, by block id."""
        return {key: TERMS_LABELS.get(key, key.replace("_", " ")) for key in TERMS_TEXTS}

    def sealed(self) -> dict[str, Any]:
        """What is stored encrypted: the free text and the period under review."""
        return {
            **self.texts(),
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
        }


class ExtensionForm(BaseModel):
    """An extension agreed with OFSTED. That it moves the date on is checked on saving."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agreed_on: date
    new_completion: date
    extension_reason: Required

    @model_validator(mode="after")
    def _dates(self, info: ValidationInfo) -> ExtensionForm:
        if self.agreed_on > today_of(info):
            raise FormFieldError("agreed_on", "The date agreed cannot be in the future.")
        return self


# Management reviews ------------------------------------------------------------------------------


class ImrStatus(StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


SECTIONS = ("chronology", "analysis", "learning")
REC_FIELDS = (
    (ReviewBlock.REC_ACTION, "action", "Action"),
    (ReviewBlock.REC_BY_WHOM, "by_whom", "By whom"),
    (ReviewBlock.REC_BY_WHEN, "by_when", "By when"),
    (ReviewBlock.REC_OUTCOME, "expected_outcome", "Expected outcome"),
    (ReviewBlock.REC_REVIEW, "review_of_outcome", "Review of outcome"),
)
"""A recommendation row's inputs: (block id prefix, field, label)."""
MAX_RECOMMENDATIONS = 10


def rec_block(prefix: ReviewBlock, number: int) -> str:
    """The block id of the ``number``-th recommendation's input."""
    return f"{prefix.value}_{number}"


class ImrRequestForm(BaseModel):
    """The author and due date. That it is due before the review's end is checked on saving."""

    model_config = ConfigDict(extra="forbid")

    agency_id: int
    author: SlackUser
    due_on: date

    @model_validator(mode="after")
    def _due(self, info: ValidationInfo) -> ImrRequestForm:
        if self.due_on <= today_of(info):
            raise FormFieldError("due_on", "The due date must be in the future.")
        return self


class RecommendationRow(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    action: Required
    by_whom: Annotated[str, Field(max_length=SHORT_TEXT)] = ""
    by_when: date | None = None
    expected_outcome: Long = ""
    review_of_outcome: Long = ""


class ImrForm(BaseModel):
    """The four sections of Appendix 3 and/or the review as a document."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    chronology: Long = ""
    analysis: Long = ""
    learning: Long = ""
    recommendations: list[RecommendationRow] = Field(default_factory=list)
    document_file_id: Annotated[str | None, Field(pattern=r"^F[A-Z0-9]+$")] = None

    @model_validator(mode="after")
    def _something(self) -> ImrForm:
        if self.document_file_id is None:
            for section in SECTIONS:
                if not getattr(self, section):
                    raise FormFieldError(section, "Fill this in, or attach the review below.")
        return self

    def texts(self) -> dict[str, str]:
        """The free text, by block id (screened for the child's identifying details)."""
        texts = {section: str(getattr(self, section)) for section in SECTIONS}
        for number, rec in enumerate(self.recommendations, start=1):
            for prefix, key, _ in REC_FIELDS:
                if key != "by_when":
                    texts[rec_block(prefix, number)] = str(getattr(rec, key))
        return texts

    def labels(self) -> dict[str, str]:
        """The free-text fields as the person reads them, by block id."""
        return {
            rec_block(prefix, number): f"{label.lower()} of recommendation {number}"
            for number in range(1, len(self.recommendations) + 1)
            for prefix, _, label in REC_FIELDS
        }


class ReturnForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    comments: Required
    new_due: date

    @model_validator(mode="after")
    def _due(self, info: ValidationInfo) -> ReturnForm:
        if self.new_due <= today_of(info):
            raise FormFieldError("new_due", "The new due date must be in the future.")
        return self


# Interviews -----------------------------------------------------------------------------------


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    AGREED = "agreed"
    DISAGREED = "disagreed"


class InterviewForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agency_id: int
    interviewee: SlackUser | None = None
    interviewee_role: Annotated[str, Field(max_length=120)] = ""
    interview_date: date
    start_time: time
    end_time: time
    location: Annotated[str, Field(max_length=SHORT_TEXT)] = ""
    invite: bool = False

    @field_validator("invite", mode="before")
    @classmethod
    def _ticked(cls, value: object) -> bool:
        """The calendar checkbox: ticked when any option is chosen."""
        return bool(value)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> InterviewForm:
        if not self.interviewee and not self.interviewee_role:
            raise FormFieldError("interviewee_role", "Choose the interviewee, or give their role.")
        if self.interview_date < today_of(info):
            raise FormFieldError("interview_date", "The interview cannot be in the past.")
        if self.end_time <= self.start_time:
            raise FormFieldError("end_time", "The interview must end after it starts.")
        return self


class OutcomeForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    shared_on: date
    agreed: bool
    disagreement: Long = ""

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> OutcomeForm:
        if self.shared_on > today_of(info):
            raise FormFieldError("shared_on", "This date cannot be in the future.")
        if not self.agreed and not self.disagreement:
            raise FormFieldError("disagreement", "Please say where the interviewee disagrees.")
        return self


# The overview report ----------------------------------------------------------------------------


class DraftAnswer(StrEnum):
    """An agency's answer on a draft of the overview report."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


DRAFT_ANSWER_WORDS = {
    DraftAnswer.CONFIRMED: "✓ fully and fairly represented",
    DraftAnswer.DISPUTED: "✗ not fully represented",
}


class NotRepresentedForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    not_represented: Long = ""

    @model_validator(mode="after")
    def _said(self) -> NotRepresentedForm:
        if not self.not_represented:
            raise FormFieldError("not_represented", "Please say what is not represented.")
        return self


class AcceptanceForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted_on: date

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> AcceptanceForm:
        if self.accepted_on > today_of(info):
            raise FormFieldError("accepted_on", "This date cannot be in the future.")
        return self
