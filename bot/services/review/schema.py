"""The review's forms and states, shared by its services and views: the terms of reference,
an extension agreed with OFSTED, a management review's request, submission and return, an
interview and its outcome, the overview report's acceptance; the ids each modal carries.

Field names are the modals' block ids (`bot.ids.ReviewBlock`). Checks that need the
database (the latest completion date a form may name) are the services'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
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
from bot.services.monitoring.schema import DEFAULT_INTERVAL_MONTHS, INTERVAL_CHOICES
from bot.services.refusal import FormFieldError

LONG_TEXT = 3000
SHORT_TEXT = 200
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
TERMS_TEXTS = (
    "key_issues",
    "independent_expert",
    "others",
    "other_areas",
    "family_involvement",
    "family_history",
    "liaison",
    "media",
)
TERMS_LABELS = {
    "key_issues": "key issues",
    "independent_expert": "independent or outside expert",
    "others": "others asked",
    "other_areas": "other areas involved",
    "family_history": "family history",
    "liaison_lead": "who links with outside interests",
    "start_date": "start date",
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
    """The terms of reference, covering every issue the framework lists for them: the key
    issues, whether an independent or outside expert is needed, the period under review and
    the family history to be covered, the agencies and others asked (and any other areas
    involved), the family's involvement, parallel proceedings and who links with outside
    interests (coroner, police, media), how the media are handled, and the review's start
    and completion dates. The latest completion date allowed is checked on saving."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key_issues: Required
    independent_expert: Required
    period_from: date
    period_to: date
    family_history: Required
    agency_ids: Annotated[list[int], Field(min_length=1)]
    others: Long = ""
    other_areas: Long = ""
    family_involvement: Long = ""
    proceedings: list[Proceeding] = Field(default_factory=list)
    liaison: Long = ""
    liaison_lead: SlackUser
    media: Long = ""
    start_date: date
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
        if self.start_date >= self.completion_date:
            raise FormFieldError("start_date", "The review must start before its completion date.")
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
            "liaison_lead": self.liaison_lead,
            "start_date": self.start_date.isoformat(),
        }


class ReviewerForm(BaseModel):
    """Who carries out a local review: a name and an organisation (no child's details, but
    screened like any free text)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reviewer_name: Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]
    reviewer_organisation: Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]

    def texts(self) -> dict[str, str]:
        return {
            "reviewer_name": self.reviewer_name,
            "reviewer_organisation": self.reviewer_organisation,
        }


REVIEWER_LABELS = {"reviewer_name": "reviewer's name", "reviewer_organisation": "organisation"}


class PlannedDateForm(BaseModel):
    """The date a review is planned to be finished by (a CSPR's publication date)."""

    model_config = ConfigDict(extra="forbid")

    planned_date: date


@dataclass(frozen=True)
class PlannedDate:
    """What the planning form shows: the case, the date planned (if any), the latest date
    it may be without an extension, and the process's words."""

    case_id: int
    reference: str
    planned: date | None
    latest: date
    finished: str
    agreed_with: str


@dataclass(frozen=True)
class DatePlanned:
    case_id: int
    reference: str
    planned: date
    previous: date | None
    moved: int
    finished: str


@dataclass(frozen=True)
class ExtensionWords:
    """How a process speaks of its completion date's extension: "agreed with OFSTED" and
    "complete", or "agreed by the safeguarding partners" and "published"."""

    agreed_with: str
    finished: str


class ExtensionForm(BaseModel):
    """An extension of the completion date (agreed with OFSTED, for an SCR). That it moves
    the date on is checked on saving."""

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


SECTIONS = (
    "agency_details",
    "author_role",
    "terms_addressed",
    "chronology",
    "analysis",
    "learning",
    "good_practice",
)
"""The management review's written sections in the order of Appendix 3 of the Bolton
procedure (the recommendations and action plan are rows of their own). Where the
framework's text is not to hand, the sections and prompts follow the Appendix's well-known
structure: the agency, its author and their independence, the terms of reference addressed,
the chronology and analysis of involvement, lessons learned, good practice, then the
recommendations as an action plan."""
SECTION_LABELS = {
    "agency_details": "1. Agency details",
    "author_role": "2. Author and independence",
    "terms_addressed": "3. Terms of reference addressed",
    "chronology": "4. Chronology of involvement",
    "analysis": "5. Analysis of involvement",
    "learning": "6. Lessons learned",
    "good_practice": "7. Good practice",
}
SECTION_PROMPTS = {
    "agency_details": "The agency, the services that were involved with the child and family, "
    "and the records read for this review.",
    "author_role": "Your role, and how you are independent of the case: no involvement with the "
    "child or family and no line management of those who were.",
    "terms_addressed": "How each issue in the terms of reference was addressed, and who was "
    "interviewed (by role).",
    "chronology": "One line per date: dd.mm.yy, worker (by role), event or action.",
    "analysis": "What was done, whether it followed policy and good practice, and why "
    "decisions were made; what was known and what could have been known.",
    "learning": "What your agency, and the agencies together, should learn from the case.",
    "good_practice": "Practice that went well and should be kept or shared (or 'none').",
}
OPTIONAL_SECTIONS = frozenset({"good_practice"})
"""A review may find no good practice to report; every other section is asked for."""
INDEPENDENCE = "I had no involvement in the case, and manage no one who had"
"""The author's confirmation of independence, as the form's checkbox says it."""
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
    """The sections of Appendix 3 (`SECTIONS`) and/or the review as a document; whichever it
    is, the author confirms their independence of the case."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agency_details: Long = ""
    author_role: Long = ""
    terms_addressed: Long = ""
    chronology: Long = ""
    analysis: Long = ""
    learning: Long = ""
    good_practice: Long = ""
    independent: bool = False
    recommendations: list[RecommendationRow] = Field(default_factory=list)
    document_file_id: Annotated[str | None, Field(pattern=r"^F[A-Z0-9]+$")] = None

    @field_validator("independent", mode="before")
    @classmethod
    def _ticked(cls, value: object) -> bool:
        return bool(value)

    @model_validator(mode="after")
    def _something(self) -> ImrForm:
        if self.document_file_id is None:
            for section in SECTIONS:
                if section not in OPTIONAL_SECTIONS and not getattr(self, section):
                    raise FormFieldError(section, "Fill this in, or attach the review below.")
        if not self.independent:
            raise FormFieldError(
                "independent",
                "The author must be independent of the case; if you are not, tell the "
                "panel chair so that they can name another.",
            )
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
        sections = {s: SECTION_LABELS[s].split(". ", 1)[1].lower() for s in SECTIONS}
        return sections | {
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
    CANCELLED = "cancelled"


class Matter(StrEnum):
    """What an interview covers (Appendix 2). Where the framework's text is not to hand,
    these follow the Appendix's well-known interview guide: the worker's part in the case
    and their role then, the support and supervision they had, their workload, training and
    knowledge of procedures, working with other agencies, and what they would now do
    differently."""

    INVOLVEMENT = "involvement"
    ROLE = "role"
    SUPERVISION = "supervision"
    WORKLOAD = "workload"
    TRAINING = "training"
    AGENCIES = "agencies"
    REFLECTION = "reflection"


MATTER_LABELS = {
    Matter.INVOLVEMENT: "Their involvement with the child and family",
    Matter.ROLE: "Their role and responsibilities at the time",
    Matter.SUPERVISION: "Supervision and management support",
    Matter.WORKLOAD: "Workload and resources",
    Matter.TRAINING: "Training and knowledge of procedures",
    Matter.AGENCIES: "Communication with other agencies",
    Matter.REFLECTION: "What they would do differently, and what helped",
}
STAFF_CARE = "Staff care is arranged for the interviewee"
BRIEFED = "The briefing pack has been sent"


def _ticked(value: object) -> bool:
    """A one-option checkbox: ticked when any option is chosen."""
    return bool(value)


@dataclass(frozen=True)
class InterviewFacts:
    """An interview as its messages and calendar invitation show it."""

    interview_id: int
    case_id: int
    reference: str
    agency: str
    status: InterviewStatus
    sequence: int
    uid: str
    starts: datetime
    ends: datetime
    reviewer: str
    interviewee: str | None
    role: str
    supporter: str
    location: str
    matters: tuple[Matter, ...]
    matters_covered: tuple[Matter, ...]
    briefing_sent_on: date | None
    staff_care: bool
    summary_shared_on: date | None


class InterviewTime(BaseModel):
    """When and where an interview is: the same checks when it is arranged and moved."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    interview_date: date
    start_time: time
    end_time: time
    location: Annotated[str, Field(max_length=SHORT_TEXT)] = ""

    @model_validator(mode="after")
    def _when(self, info: ValidationInfo) -> InterviewTime:
        if self.interview_date < today_of(info):
            raise FormFieldError("interview_date", "The interview cannot be in the past.")
        if self.end_time <= self.start_time:
            raise FormFieldError("end_time", "The interview must end after it starts.")
        return self


class InterviewForm(InterviewTime):
    """Arranging an interview (Appendix 2): who (their role and agency, never the child),
    the matters to cover, a supporter, and whether the briefing pack is sent and staff care
    arranged yet."""

    agency_id: int
    interviewee: SlackUser | None = None
    interviewee_role: Annotated[str, Field(max_length=120)] = ""
    matters: list[Matter] = Field(default_factory=list)
    supporter: Annotated[str, Field(max_length=120)] = ""
    briefed: bool = False
    staff_care: bool = False

    _checkboxes = field_validator("briefed", "staff_care", mode="before")(_ticked)

    @model_validator(mode="after")
    def _check(self) -> InterviewForm:
        if not self.interviewee and not self.interviewee_role:
            raise FormFieldError("interviewee_role", "Choose the interviewee, or give their role.")
        if not self.matters:
            raise FormFieldError("matters", "Choose the matters the interview will cover.")
        return self


class MoveForm(InterviewTime):
    """A new time (and place) for an interview."""


class OutcomeForm(BaseModel):
    """After the interview: the matters covered, the briefing pack and staff care as they
    were, and the summary shared and agreed (or where it is disputed)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    matters_covered: list[Matter] = Field(default_factory=list)
    briefed: bool = False
    staff_care: bool = False
    shared_on: date
    agreed: bool
    disagreement: Long = ""

    _checkboxes = field_validator("briefed", "staff_care", mode="before")(_ticked)

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


@dataclass(frozen=True)
class StepLine:
    """One of the Board's steps after the report, as its checklist shows it."""

    task_id: int
    title: str
    due: date
    done_on: date | None = None
    done_by: str | None = None
    waived: bool = False


class ReportStepForm(BaseModel):
    """One of the Board's steps after the report, done: on what date, by whom, a note."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    step_done_on: date
    step_done_by: SlackUser
    step_note: Long = ""

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> ReportStepForm:
        if self.step_done_on > today_of(info):
            raise FormFieldError("step_done_on", "This date cannot be in the future.")
        return self


class AcceptanceForm(BaseModel):
    """The Board accepts the report and agrees its action plan, with the interval of the
    progress returns on it."""

    model_config = ConfigDict(extra="forbid")

    accepted_on: date
    returns_interval: int = DEFAULT_INTERVAL_MONTHS

    @field_validator("returns_interval")
    @classmethod
    def _offered(cls, value: int) -> int:
        if value not in INTERVAL_CHOICES:
            raise ValueError("Please choose one of the intervals offered.")
        return value

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> AcceptanceForm:
        if self.accepted_on > today_of(info):
            raise FormFieldError("accepted_on", "This date cannot be in the future.")
        return self
