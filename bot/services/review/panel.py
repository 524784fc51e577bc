"""The review panel as the framework sets it up: the Initial Panel names its chair and members
when it is held; once the Board Chair decides on a review, the chair is asked to take the
post (confirming no previous involvement, `bot.services.review.frame`) and each member to
confirm no previous involvement. The review starts (its terms of reference are set at the
first review panel meeting) only once each has, or the CPU has recorded an exception with
its reason. Someone already cleared on the Initial Panel is not asked again.

The framework is silent on what happens when nobody is named: the Board then appoints the
chair as before (`/scr review chair`) and nothing holds the review back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import PanelBlock
from bot.services.cases import audit
from bot.services.cases.access import Role, case_by_channel, roles_of
from bot.services.cases.identifying import screen
from bot.services.panel.schema import CLEARED, REASON_LENGTH, Involvement
from bot.services.refusal import InvalidFormError, RefusedError
from bot.services.review.access import NOT_ELIGIBLE_CHAIR, lock_case, may_chair_review
from bot.services.review.schema import ChairStatus
from storage.models import Case, PanelChairAppointment, PanelMember, ReviewPanelMember

CHAIR, MEMBER = "chair", "member"
NO_REVIEW_PANEL = "No review panel was named for this case when the Initial Panel was held."
NOT_ON_REVIEW_PANEL = "That person is not on the review panel."
ALREADY_CLEARED = "They have confirmed no previous involvement already: no exception is needed."
ONLY_CPU = "Only the CPU can record an exception to the no-previous-involvement rule."
NOT_CLEARED = (
    "The review starts once everyone on the review panel has confirmed no previous "
    "involvement: still to confirm {who}. The CPU can record an exception with its reason "
    "(`/scr review exception`)."
)


def check_named(session: Session, chair: str, members: Sequence[str]) -> None:
    """The review panel named on the held form: a chair who may chair it, and members; or
    nobody (the recommendation may be that the criteria are not met)."""
    if not chair and not members:
        return
    if not chair:
        raise InvalidFormError({PanelBlock.REVIEW_CHAIR.value: "Choose who chairs the review."})
    if not may_chair_review(session, chair):
        raise InvalidFormError({PanelBlock.REVIEW_CHAIR.value: NOT_ELIGIBLE_CHAIR})


def name_review_panel(
    session: Session,
    now: datetime,
    case_id: int,
    initial: Sequence[PanelMember],
    *,
    chair: str,
    members: Sequence[str],
    actor: str,
) -> None:
    """Record the review panel the Initial Panel named (checked by `check_named`). Whoever
    confirmed no previous involvement on the Initial Panel, or was excepted there, stays so."""
    if not chair:
        return
    cleared = {m.slack_user_id: m for m in initial if m.involvement in CLEARED}
    for old in review_panel(session, case_id):
        session.delete(old)
    session.flush()
    wanted = [(chair, CHAIR), *((u, MEMBER) for u in dict.fromkeys(members) if u != chair)]
    for user, role in wanted:
        before = cleared.get(user)
        session.add(
            ReviewPanelMember(
                case_id=case_id,
                slack_user_id=user,
                role=role,
                named_by=actor,
                named_at=now,
                involvement=before.involvement if before else Involvement.UNCONFIRMED.value,
                involvement_at=now if before else None,
                exception_reason=before.exception_reason if before else None,
                excepted_by=before.excepted_by if before else None,
            )
        )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review_panel.named",
        case_id=case_id,
        chair=chair,
        members=[u for u, role in wanted if role == MEMBER],
    )


def review_panel(session: Session, case_id: int) -> list[ReviewPanelMember]:
    return list(
        session.scalars(
            select(ReviewPanelMember)
            .where(ReviewPanelMember.case_id == case_id)
            .order_by(ReviewPanelMember.role, ReviewPanelMember.id)
        )
    )


def _chair_appointment(session: Session, case_id: int) -> PanelChairAppointment | None:
    return session.scalar(
        select(PanelChairAppointment)
        .where(
            PanelChairAppointment.case_id == case_id,
            PanelChairAppointment.status.in_((ChairStatus.PENDING, ChairStatus.CONFIRMED)),
        )
        .order_by(PanelChairAppointment.id.desc())
        .limit(1)
    )


def not_cleared(session: Session, case_id: int) -> list[str]:
    """The named review panel's people still to confirm no previous involvement: the chair
    confirms by taking the post; a chair the Board replaced since no longer counts."""
    latest = _chair_appointment(session, case_id)
    in_post = latest.slack_user_id if latest and latest.status == ChairStatus.CONFIRMED else None
    pending = []
    for row in review_panel(session, case_id):
        if row.role == CHAIR and latest is not None and row.slack_user_id != latest.slack_user_id:
            continue
        if row.involvement in CLEARED or row.slack_user_id == in_post:
            continue
        pending.append(row.slack_user_id)
    return pending


def require_cleared(session: Session, case_id: int) -> None:
    pending = not_cleared(session, case_id)
    if pending:
        raise RefusedError(NOT_CLEARED.format(who=", ".join(f"<@{u}>" for u in pending)))


@dataclass(frozen=True)
class ReviewPanelStart:
    """What the review's start asks: the chair's appointment, and the members to ask."""

    appointment_id: int | None
    to_ask: tuple[int, ...]


def start_review_panel(session: Session, now: datetime, case_id: int) -> ReviewPanelStart:
    """On the decision for a review: the named chair's appointment (pending until they
    confirm no previous involvement), unless the Board has appointed one already; and the
    members not yet cleared, to be asked."""
    rows = review_panel(session, case_id)
    chair = next((r for r in rows if r.role == CHAIR), None)
    appointment_id = None
    if chair is not None and _chair_appointment(session, case_id) is None:
        appointment = PanelChairAppointment(
            case_id=case_id,
            slack_user_id=chair.slack_user_id,
            status=ChairStatus.PENDING.value,
            appointed_by=chair.named_by,
            appointed_at=now,
        )
        session.add(appointment)
        session.flush()
        appointment_id = appointment.id
        audit.record(
            session,
            at=now,
            actor=chair.named_by,
            action="panel_chair.appointed",
            case_id=case_id,
            user=chair.slack_user_id,
        )
    asked = tuple(
        r.id for r in rows if r.role == MEMBER and r.involvement == Involvement.UNCONFIRMED
    )
    return ReviewPanelStart(appointment_id, asked)


@dataclass(frozen=True)
class ToAsk:
    """Who the review's start asks: the chair's pending appointment, and the members (row
    id, user) still to answer; the case's reference and who named them."""

    reference: str
    appointment_id: int | None
    members: tuple[tuple[int, str, str], ...]


def to_ask(session: Session, case_id: int) -> ToAsk:
    case = session.get(Case, case_id)
    latest = _chair_appointment(session, case_id)
    pending = latest.id if latest is not None and latest.status == ChairStatus.PENDING else None
    members = tuple(
        (r.id, r.slack_user_id, r.named_by)
        for r in review_panel(session, case_id)
        if r.role == MEMBER and r.involvement == Involvement.UNCONFIRMED
    )
    return ToAsk(case.reference if case else "", pending, members)


@dataclass(frozen=True)
class MemberAnswer:
    changed: bool
    row_id: int
    case_id: int
    user: str
    involvement: Involvement


def answer_involvement(
    session: Session, now: datetime, row_id: int, *, actor: str, no_involvement: bool
) -> MemberAnswer:
    """A review panel member's answer on their DM; answered once."""
    row = session.get(ReviewPanelMember, row_id)
    if row is None or row.slack_user_id != actor:
        raise RefusedError("This question is someone else's to answer.")
    lock_case(session, row.case_id)
    session.refresh(row)
    if row.involvement != Involvement.UNCONFIRMED:
        return MemberAnswer(False, row.id, row.case_id, actor, Involvement(row.involvement))
    answer = Involvement.NONE if no_involvement else Involvement.DECLARED
    row.involvement, row.involvement_at = answer.value, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"review_panel.{'no_involvement_confirmed' if no_involvement else 'declared'}",
        case_id=row.case_id,
    )
    return MemberAnswer(True, row.id, row.case_id, actor, answer)


def member_row(session: Session, row_id: int) -> ReviewPanelMember:
    row = session.get(ReviewPanelMember, row_id)
    if row is None:
        raise RefusedError("That is no longer open to you.")
    return row


def to_except(session: Session, case_id: int, actor: str) -> list[str]:
    """Whether ``actor`` may record an exception on the case's review panel; who is pending."""
    if Role.CPU not in roles_of(session, actor):
        raise RefusedError(ONLY_CPU)
    if not review_panel(session, case_id):
        raise RefusedError(NO_REVIEW_PANEL)
    return not_cleared(session, case_id)


def to_except_in(session: Session, channel: str | None, actor: str) -> tuple[Case, list[str]]:
    """The case of ``channel``, whose review panel the CPU ``actor`` may record an exception
    on, and who on it is still to confirm."""
    case = case_by_channel(session, channel) if channel else None
    if case is None:
        raise RefusedError("Use this in the case channel of the review it is about.")
    return case, to_except(session, case.id, actor)


def record_exception(
    session: Session,
    cipher: FieldCipher,
    now: datetime,
    case_id: int,
    *,
    member: str,
    reason: str,
    actor: str,
) -> bool:
    """The CPU lets a review panel member sit without their confirmation; False when one was
    recorded already."""
    text = reason.strip()
    reason_block, member_block = (
        PanelBlock.EXCEPTION_REASON.value,
        PanelBlock.EXCEPTION_MEMBER.value,
    )
    if not text or len(text) > REASON_LENGTH:
        raise InvalidFormError(
            {reason_block: f"Give the reason for the exception (under {REASON_LENGTH} characters)."}
        )
    to_except(session, case_id, actor)
    screen(session, cipher, case_id, {reason_block: text}, {reason_block: "reason"})
    lock_case(session, case_id)
    row = next((r for r in review_panel(session, case_id) if r.slack_user_id == member), None)
    if row is None:
        raise RefusedError(NOT_ON_REVIEW_PANEL, field=member_block)
    if member not in not_cleared(session, case_id):
        if row.involvement == Involvement.EXCEPTED:
            return False
        raise RefusedError(ALREADY_CLEARED, field=member_block)
    row.involvement, row.involvement_at = Involvement.EXCEPTED.value, now
    row.exception_reason = cipher.for_case(session, case_id).encrypt_text(text)
    row.excepted_by = actor
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review_panel.involvement_excepted",
        case_id=case_id,
        member=member,
    )
    return True
