"""Who may act on a case's decision and review, what they may write there, and the case's
write lock that makes a double click or a duplicate delivery take effect once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.cases.access import AgencyRole, Role, roles_of
from bot.services.reminders.owners import agency_people, assigned, role_holders
from storage.claim import claim
from storage.models import Case, CaseMember


def lock_case(session: Session, case_id: int) -> Case | None:
    """Take the case row's write lock (the write lock on SQLite), then read it: concurrent
    clicks on the same case queue here and each sees what the one before it did."""
    claim(session, Case, Case.id == case_id, stage=Case.stage)
    return session.get(Case, case_id)


def is_board_chair(session: Session, user_id: str) -> bool:
    return Role.BOARD_CHAIR in roles_of(session, user_id)


def panel_chairs(session: Session, case_id: int) -> list[str]:
    """The review panel chair once appointed; until then the CPU stands in."""
    return role_holders(session, case_id, "panel_chair")


def leads_review(session: Session, case_id: int, user_id: str) -> bool:
    return user_id in panel_chairs(session, case_id)


def may_appoint_panel_chair(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & {Role.BOARD_CHAIR, Role.CPU, Role.ADMIN})


NOT_ELIGIBLE_CHAIR = (
    "The review panel is chaired by a senior manager of the CPU or by someone the "
    "partnership file lists as eligible to chair it (review_chairs): choose one of them."
)


def may_chair_review(session: Session, user_id: str) -> bool:
    """A senior manager of the CPU (everyone the partnership file lists under ``cpu``) or
    someone it lists as eligible to chair a review panel (``review_chairs``)."""
    return bool(roles_of(session, user_id) & {Role.CPU, Role.REVIEW_CHAIR})


def may_record_for_board(session: Session, user_id: str) -> bool:
    """The Board's own acts (an extension agreed with OFSTED, the report's acceptance)."""
    return bool(roles_of(session, user_id) & {Role.BOARD_CHAIR, Role.ADMIN})


def agency_contacts(session: Session, case_id: int, agency_id: int) -> list[str]:
    """Who answers for an agency on a case: its designated persons, its review leads and its
    management review's author."""
    people = agency_people(session, agency_id, AgencyRole.DESIGNATED_PERSON)
    people += agency_people(session, agency_id, AgencyRole.REVIEW_LEAD)
    people += assigned(session, case_id, "imr_author", agency_id=agency_id)
    return list(dict.fromkeys(people))


def acts_for_agency(session: Session, case_id: int, agency_id: int, user_id: str) -> bool:
    return user_id in agency_contacts(session, case_id, agency_id)


def ensure_member(session: Session, case_id: int, user_id: str, reason: str) -> None:
    """The case needs this person: set-up or the caller invites them to its channel."""
    exists = session.scalar(
        select(CaseMember.id).where(
            CaseMember.case_id == case_id, CaseMember.slack_user_id == user_id
        )
    )
    if exists is None:
        session.add(CaseMember(case_id=case_id, slack_user_id=user_id, reason=reason))
        session.flush()
