"""What the partners' decision's buttons, form and messages share: the outcomes, the
partners and the national panel's views with their words, the form (its fields named as the
modal's block ids), and the facts the messages are drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.ids import PartnersBlock
from bot.services.refusal import FormFieldError
from bot.words import listed

REASON_TEXT = 500


class LocalReview(StrEnum):
    HOLD = "hold"
    NONE = "none"


LOCAL_REVIEW_BUTTONS = {
    LocalReview.HOLD: "Hold a local review",
    LocalReview.NONE: "No local review",
}
LOCAL_REVIEW_ANSWERS = {
    LocalReview.HOLD: "hold a local review",
    LocalReview.NONE: "no local review",
}
"""A lead's answer, as a line of the request or the card says it."""
LOCAL_REVIEW_WORDS = {
    LocalReview.HOLD: "a local child safeguarding practice review will be held",
    LocalReview.NONE: "there will be no local review",
}


class Partner(StrEnum):
    """The three statutory safeguarding partners, as the partnership file names their leads."""

    LOCAL_AUTHORITY = "local_authority"
    POLICE = "police"
    HEALTH = "health"


PARTNER_WORDS = {
    Partner.LOCAL_AUTHORITY: "the local authority",
    Partner.POLICE: "the police",
    Partner.HEALTH: "health",
}


class PanelView(StrEnum):
    AGREES = "agrees"
    DISAGREES = "disagrees"
    NOT_GIVEN = "not_given"


PANEL_VIEW_LABELS = {
    PanelView.AGREES: "Agrees with the partners",
    PanelView.DISAGREES: "Disagrees with the partners",
    PanelView.NOT_GIVEN: "Not given yet",
}
PANEL_VIEW_WORDS = {
    PanelView.AGREES: "agrees",
    PanelView.DISAGREES: "disagrees",
    PanelView.NOT_GIVEN: "not given yet",
}


class PanelViewForm(BaseModel):
    """The national panel's view of the partners' decision, and its reason (needed when the
    panel disagrees)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    national_panel_view: PanelView
    national_panel_reason: Annotated[str, Field(max_length=REASON_TEXT)] = ""

    @model_validator(mode="after")
    def _reason_when_disagreeing(self) -> PanelViewForm:
        if self.national_panel_view is PanelView.DISAGREES and not self.national_panel_reason:
            raise FormFieldError(
                PartnersBlock.PANEL_REASON.value, "Please say why the national panel disagrees."
            )
        return self


class Answered(StrEnum):
    CONFIRMED = "confirmed"
    """Recorded; the other leads are awaited."""
    DIFFERS = "differs"
    """Recorded, but another lead gave the other answer: the decision waits."""
    DECIDED = "decided"
    UNCHANGED = "unchanged"
    """A repeat of the lead's own answer: nothing changed."""
    ALREADY = "already"
    REFUSED = "refused"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class Answer:
    """What a click came to. ``outcome``: the lead's answer (the decision, once made)."""

    result: Answered
    reference: str = ""
    outcome: LocalReview | None = None
    partners: tuple[Partner, ...] = ()
    """The partners the clicker answered for."""
    others: tuple[tuple[Partner, LocalReview], ...] = ()
    """Other partners' answers that differ from the clicker's."""
    awaited: tuple[Partner, ...] = ()
    decided_at: datetime | None = None


@dataclass(frozen=True)
class PartnerLine:
    """One partner: its lead(s) as the partnership file names them, and their answer."""

    partner: Partner
    leads: Sequence[str]
    answer: LocalReview | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class PanelViewLine:
    view: PanelView
    reason: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Due:
    """One of the case's next steps after the decision, and when it is due."""

    title: str
    on: date


@dataclass(frozen=True)
class PartnersState:
    """Where the partners' decision on a case stands."""

    reference: str
    case_id: int
    channel: str | None
    partners: Sequence[PartnerLine]
    decided: LocalReview | None = None
    decided_at: datetime | None = None
    panel_view: PanelViewLine | None = None
    due: Sequence[Due] = ()
    waiting_for: str | None = None
    """Once decided, while the rapid review's other tasks are open: the title of the stage
    that begins when they are done (``due`` then lists them)."""

    @property
    def awaited(self) -> list[PartnerLine]:
        return [line for line in self.partners if line.answer is None]

    @property
    def disagree(self) -> bool:
        """The leads who have answered did not all give the same answer."""
        return len({line.answer for line in self.partners if line.answer is not None}) > 1

    @property
    def leads(self) -> list[str]:
        """Everyone asked, once each, in the partners' order."""
        return list(dict.fromkeys(user for line in self.partners for user in line.leads))


def partners_named(lines: Sequence[PartnerLine]) -> str:
    """ "the local authority, the police and health" """
    return listed([PARTNER_WORDS[line.partner] for line in lines])
