"""The long forms a case's page offers (as Slack does): chronology entries in bulk for whoever
acts for an involved agency, the terms of reference for the review's panel chair, and a
management review for its author's agency. Which are offered is decided by the same checks
the Slack forms make; sending one re-checks them (in the same services) all the same."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from bot.process.states import Stage
from bot.services.first_month.agencies import acting_agencies
from bot.services.refusal import RefusedError
from bot.services.review.access import leads_review
from bot.services.review.imr import own_review
from storage.models import Case


class WebFormKind(StrEnum):
    CHRONOLOGY = "chronology"
    TERMS = "terms"
    MANAGEMENT_REVIEW = "management-review"


TITLES = {
    WebFormKind.CHRONOLOGY: "Add chronology entries",
    WebFormKind.TERMS: "Set or edit the terms of reference",
    WebFormKind.MANAGEMENT_REVIEW: "Write your agency's management review",
}


def _allowed(session: Session, case: Case, user_id: str, kind: WebFormKind) -> bool:
    try:
        if kind is WebFormKind.CHRONOLOGY:
            return bool(acting_agencies(session, case, user_id))
        if kind is WebFormKind.TERMS:  # `may_set_terms` without its lock on the case
            return case.stage == Stage.REVIEW and leads_review(session, case.id, user_id)
        else:
            own_review(session, case, user_id)
    except RefusedError:
        return False
    return True


def forms_for(session: Session, case: Case, user_id: str) -> list[WebFormKind]:
    """The forms ``user_id`` may fill in on ``case``'s page (none once the case is closed)."""
    if case.closed_at is not None:
        return []
    return [kind for kind in WebFormKind if _allowed(session, case, user_id, kind)]
