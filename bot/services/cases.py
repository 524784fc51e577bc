"""Opening a case from a referral, and finding cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext, start_case
from bot.services.partnership import AgencyRole, Role, users_with_role
from bot.services.referral_form import ReferralSubmission
from storage.db import Database
from storage.models import Agency, Case, CaseMember, CaseReferenceCounter

LONDON = ZoneInfo("Europe/London")
FIRST_STAGE = "referral"


class ReferralRefusedError(Exception):
    """Raised with a message that is safe to show the person referring."""


@dataclass(frozen=True)
class OpenedCase:
    case_id: int
    reference: str
    created: bool


def format_reference(year: int, number: int) -> str:
    return f"SCR-{year}-{number:03d}"


def _next_number(session: Session, year: int) -> int:
    """Increment the year's counter as the transaction's first write, so that concurrent
    referrals queue on it (row lock on PostgreSQL, the write lock on SQLite)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(CaseReferenceCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        update(CaseReferenceCounter)
        .where(CaseReferenceCounter.year == year)
        .values(last_number=CaseReferenceCounter.last_number + 1)
        .returning(CaseReferenceCounter.last_number)
    ).scalar_one()
    return int(number)


def open_case(
    db: Database,
    submission: ReferralSubmission,
    *,
    actor: str,
    view_id: str,
    now: datetime,
    cipher: FieldCipher,
    process_key: str,
    cal: WorkingCalendar,
) -> OpenedCase:
    """Store the referral. The same modal submitted twice opens one case."""
    existing = find_by_view(db, view_id)
    if existing is not None:
        return existing
    try:
        with db.session() as session:
            agency = session.get(Agency, submission.referring_agency)
            if agency is None or not agency.active:
                raise ReferralRefusedError("That agency is not part of the partnership.")
            year = now.astimezone(LONDON).year
            number = _next_number(session, year)
            case = Case(
                reference=format_reference(year, number),
                year=year,
                number=number,
                process_key=process_key,
                stage=FIRST_STAGE,
                referring_agency_id=agency.id,
                referred_by=actor,
                referral_date=submission.referral_date,
                created_at=now,
                criteria=[c.value for c in submission.criteria],
                personal_data=cipher.encrypt_json(submission.personal_data()),
                source_view_id=view_id,
                setup_status="pending",
            )
            session.add(case)
            for user, reason in _initial_members(session, actor, agency):
                case.members.append(CaseMember(slack_user_id=user, reason=reason))
            session.flush()
            audit.record(
                session,
                at=now,
                actor=actor,
                action="case.referred",
                case_id=case.id,
                reference=case.reference,
                agency_id=agency.id,
                criteria=case.criteria,
            )
            today = now.astimezone(LONDON).date()
            referred_at = (
                now
                if submission.referral_date >= today
                else cal.day_start(submission.referral_date)
            )
            start_case(EngineContext(session, cal, now), case, actor=actor, referred_at=referred_at)
            return OpenedCase(case.id, case.reference, created=True)
    except IntegrityError:
        again = find_by_view(db, view_id)
        if again is None:
            raise
        return again


def _initial_members(session: Session, actor: str, agency: Agency) -> list[tuple[str, str]]:
    members: dict[str, str] = {actor: "referrer"}
    for user in users_with_role(session, Role.CPU):
        members.setdefault(user, "cpu")
    for user in users_with_role(session, Role.ADMIN):
        members.setdefault(user, "admin")
    for user in agency.user_ids(AgencyRole.DESIGNATED_PERSON.value):
        members.setdefault(user, "designated_person")
    return list(members.items())


def find_by_view(db: Database, view_id: str) -> OpenedCase | None:
    with db.session() as session:
        case = session.scalar(select(Case).where(Case.source_view_id == view_id))
        return None if case is None else OpenedCase(case.id, case.reference, created=False)


def load_case(session: Session, case_id: int) -> Case:
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.members), selectinload(Case.referring_agency))
    )
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


def case_by_channel(session: Session, channel_id: str) -> Case | None:
    return session.scalar(select(Case).where(Case.channel_id == channel_id))


def case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalar(select(Case).where(Case.reference == reference.strip().upper()))


def is_case_member(session: Session, case: Case, user_id: str) -> bool:
    return (
        session.scalar(
            select(CaseMember.id).where(
                CaseMember.case_id == case.id, CaseMember.slack_user_id == user_id
            )
        )
        is not None
    )
