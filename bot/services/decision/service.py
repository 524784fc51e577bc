"""The decision: the Initial Panel's recommendation, the Board Chair's decision, who outside
Slack was told of it. No Slack here: callers render and send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import DecisionBlock
from bot.process.bolton import ALWAYS_REVIEWED, DECISION_AUDIENCES, notification_kind
from bot.process.registry import get_process
from bot.process.states import Stage, TaskKind
from bot.process.working_days import WorkingCalendar, day, london_date
from bot.services.cases import audit
from bot.services.cases.access import Role, roles_of, users_with_role
from bot.services.cases.identifying import screen
from bot.services.decision.schema import (
    DIRECTION_WORDS,
    Direction,
    DirectionForm,
    Due,
    NoticeLine,
    Outcome,
    QuestionAnswer,
    RecommendationForm,
    Recommended,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import (
    EngineContext,
    begin_stage,
    complete_task,
    open_tasks,
    record_event,
)
from bot.services.review.access import is_board_chair, leads_review, lock_case
from bot.services.review.panel import start_review_panel
from storage.models import (
    Case,
    ChairDecision,
    DecisionNotice,
    PanelRecommendation,
    ReviewDirection,
    Task,
)
from storage.states import TaskStatus

NOT_THE_CHAIR = (
    "Only the Board Chair can make this decision. Nothing has changed, and your attempt "
    "has been recorded."
)
ONLY_CPU_OR_CHAIR = "Only the CPU or the panel chair can record the panel's recommendation."
BUSINESS_UNIT_RECORDS = "The Board business unit records who was told."
NO_DECISION_YET = "There is no decision to share yet."

PATH_STAGE = {
    Outcome.SCR: Stage.REVIEW,
    Outcome.AUDIT: Stage.AUDIT,
    Outcome.MANAGEMENT_REVIEWS: Stage.MANAGEMENT_REVIEWS,
    Outcome.NO_FURTHER_ACTION: Stage.NO_FURTHER_ACTION,
}
_ROUTE_EVENT = {
    Outcome.AUDIT: "decided_audit",
    Outcome.MANAGEMENT_REVIEWS: "decided_management_reviews",
    Outcome.NO_FURTHER_ACTION: "decided_no_further_action",
}
BUSINESS_UNIT_DIRECTS = "The Board business unit records a review directed from outside."


def _open_task(session: Session, case_id: int, kind: str) -> Task | None:
    return session.scalar(
        select(Task).where(
            Task.case_id == case_id, Task.kind == kind, Task.status == TaskStatus.OPEN
        )
    )


def _screened(session: Session, cipher: FieldCipher, case_id: int, texts: dict[str, str]) -> None:
    """Refuse (inline, on each field) any of ``texts`` that names the child."""
    screen(session, cipher, case_id, texts)


# The recommendation ------------------------------------------------------------------------


def may_recommend(session: Session, case_id: int, user_id: str) -> bool:
    return Role.CPU in roles_of(session, user_id) or leads_review(session, case_id, user_id)


def recommendation_of(session: Session, case_id: int) -> PanelRecommendation | None:
    return session.scalar(select(PanelRecommendation).where(PanelRecommendation.case_id == case_id))


def record_recommendation(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: RecommendationForm,
    *,
    actor: str,
) -> None:
    """Store the panel's recommendation and end the Initial Panel stage; the Chair's decision
    is then due. A repeat changes nothing; a refusal is a `RefusedError` on the rationale."""
    _screened(
        session, cipher, case_id, {DecisionBlock.RATIONALE.value: form.rationale, **form.notes()}
    )
    field = DecisionBlock.RATIONALE.value
    case = lock_case(session, case_id)
    if case is None or not may_recommend(session, case_id, actor):
        raise RefusedError(ONLY_CPU_OR_CHAIR, field=field)
    if recommendation_of(session, case_id) is not None:
        return
    task = _open_task(session, case_id, TaskKind.INITIAL_PANEL_OUTCOME)
    if task is None:
        raise RefusedError(
            "The recommendation is recorded once the Initial Panel has been held.", field=field
        )
    if case.stage != Stage.INITIAL_PANEL:
        raise RefusedError(
            "The CPU's referral actions are still open: complete them first.", field=field
        )
    criteria = [c.value for c in form.criteria]
    sealed = cipher.for_case(session, case_id)
    session.add(
        PanelRecommendation(
            case_id=case_id,
            criteria_met=form.criteria_met,
            criteria=criteria,
            rationale=sealed.encrypt_text(form.rationale),
            questions=sealed.encrypt_json([a.model_dump(mode="json") for a in form.answers]),
            recorded_by=actor,
            recorded_at=now,
        )
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="recommendation.recorded",
        case_id=case_id,
        criteria_met=form.criteria_met,
        criteria=criteria,
    )
    complete_task(EngineContext(session, cal, now), task, actor=actor, check_permission=False)


@dataclass(frozen=True)
class ChairRequest:
    """What the Board Chair is asked, whom, and the case channel that is told too."""

    recommended: Recommended
    chairs: list[str]
    channel: str | None


def chair_request(session: Session, cipher: FieldCipher, case_id: int) -> ChairRequest | None:
    """The request for the Chair's decision, while it is still to be made."""
    case = session.get(Case, case_id)
    rec = recommendation_of(session, case_id)
    if case is None or rec is None or decision_of(session, case_id) is not None:
        return None
    sealed = cipher.for_case(session, case_id)
    stored = sealed.decrypt_json(rec.questions) if rec.questions is not None else []
    recommended = Recommended(
        case.reference,
        case_id,
        rec.criteria_met,
        rec.criteria,
        sealed.decrypt_text(rec.rationale),
        rec.recorded_by,
        rec.recorded_at,
        answers=[QuestionAnswer.model_validate(a) for a in stored],
        always_scr=always_reviewed(session, case_id),
    )
    return ChairRequest(recommended, users_with_role(session, Role.BOARD_CHAIR), case.channel_id)


def always_reviewed(session: Session, case_id: int) -> bool:
    """Whether the referral or the panel named a child's death where abuse or neglect is
    known or suspected: such a case always has a Serious Case Review."""
    case = session.get(Case, case_id)
    rec = recommendation_of(session, case_id)
    named = set(case.criteria if case else ()) | set(rec.criteria if rec else ())
    return bool(named & ALWAYS_REVIEWED)


# The Chair's decision ----------------------------------------------------------------------


def decision_of(session: Session, case_id: int) -> ChairDecision | None:
    return session.scalar(select(ChairDecision).where(ChairDecision.case_id == case_id))


class Attempt(StrEnum):
    ALLOWED = "allowed"
    DECIDED = "decided"
    ALREADY = "already"
    REFUSED = "refused"
    NOT_READY = "not_ready"
    ALWAYS_SCR = "always_scr"


@dataclass(frozen=True)
class DecisionView:
    outcome: Outcome
    decided_by: str
    decided_at: datetime
    directed: str | None = None
    """For a review directed from outside the Board: by whom and when, in words."""


@dataclass(frozen=True)
class DecisionAttempt:
    result: Attempt
    decision: DecisionView | None = None
    reference: str = ""


def _view(decision: ChairDecision, direction: ReviewDirection | None = None) -> DecisionView:
    directed = None
    if direction is not None:
        directed = (
            f"{DIRECTION_WORDS[Direction(direction.directed_by)]} on {day(direction.directed_on)}"
        )
    return DecisionView(
        Outcome(decision.outcome), decision.decided_by, decision.decided_at, directed
    )


def direction_of(session: Session, case_id: int) -> ReviewDirection | None:
    return session.scalar(select(ReviewDirection).where(ReviewDirection.case_id == case_id))


def _check_chair(session: Session, case_id: int, user_id: str, now: datetime) -> DecisionAttempt:
    """What the attempt may lead to: a refused one is audited; a decided case says so."""
    case = session.get(Case, case_id)
    if case is None:
        return DecisionAttempt(Attempt.NOT_READY)
    if not is_board_chair(session, user_id):
        audit.record(session, at=now, actor=user_id, action="decision.refused", case_id=case_id)
        return DecisionAttempt(Attempt.REFUSED, reference=case.reference)
    existing = decision_of(session, case_id)
    if existing is not None:
        return DecisionAttempt(Attempt.ALREADY, _view(existing), case.reference)
    if _open_task(session, case_id, TaskKind.CHAIR_DECISION) is None:
        return DecisionAttempt(Attempt.NOT_READY, reference=case.reference)
    return DecisionAttempt(Attempt.ALLOWED, reference=case.reference)


def decide(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    outcome: Outcome,
    *,
    actor: str,
    reason: str | None = None,
) -> DecisionAttempt:
    """The Chair decides, once. Anyone else is refused (and audited); a second click, a
    redelivery or a stale button finds the decision made and changes nothing. A decision
    that the criteria are not met needs its reason: without one, the attempt is only checked
    (`Attempt.ALLOWED`: ask the Chair for it)."""
    if reason:
        _screened(session, cipher, case_id, {DecisionBlock.REASON.value: reason})
    case = lock_case(session, case_id)
    allowed = _check_chair(session, case_id, actor, now)
    if case is None or allowed.result is not Attempt.ALLOWED:
        return allowed
    if outcome is not Outcome.SCR and always_reviewed(session, case_id):
        audit.record(
            session,
            at=now,
            actor=actor,
            action="decision.refused",
            case_id=case_id,
            outcome=outcome,
            why="always_scr",
        )
        return DecisionAttempt(Attempt.ALWAYS_SCR, reference=case.reference)
    if outcome is not Outcome.SCR and not reason:
        return allowed
    decision = ChairDecision(
        case_id=case_id,
        outcome=outcome.value,
        reason=cipher.for_case(session, case_id).encrypt_text(reason) if reason else None,
        decided_by=actor,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    ctx = EngineContext(session, cal, now)
    if outcome in _ROUTE_EVENT:
        record_event(ctx, case, _ROUTE_EVENT[outcome], at=now, actor=actor)
    task = _open_task(session, case_id, TaskKind.CHAIR_DECISION)
    assert task is not None
    complete_task(ctx, task, actor=actor)
    if outcome is Outcome.SCR:
        start_review_panel(session, now, case_id)
    audit.record(
        session, at=now, actor=actor, action="decision.made", case_id=case_id, outcome=outcome
    )
    return DecisionAttempt(Attempt.DECIDED, _view(decision), case.reference)


@dataclass(frozen=True)
class Decided:
    """A made decision, as the case channel, the Chair and the Board are told of it."""

    reference: str
    channel: str | None
    decision: DecisionView
    due: list[Due]


def decided(session: Session, case_id: int) -> Decided | None:
    """The decision once made, and the case's first steps after it (other than the
    agencies' and the business unit's own)."""
    case = session.get(Case, case_id)
    decision = decision_of(session, case_id)
    if case is None or decision is None:
        return None
    process = get_process(case.process_key)
    due = [
        Due(process.task(task.kind).title, london_date(task.due_at))
        for task in open_tasks(session, case_id)
        if task.agency_id is None and task.owner_role != "admins"
    ]
    return Decided(
        case.reference, case.channel_id, _view(decision, direction_of(session, case_id)), due
    )


# A review directed from outside the Board --------------------------------------------------


def direct_review(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    form: DirectionForm,
    *,
    actor: str,
) -> bool:
    """A review directed by the Secretary of State or requested by OFSTED: recorded (who,
    when, and who recorded it), the decision made (a review), and the review stage opened at
    once, whatever stage the case had reached. False when it was recorded already; refused
    (on the form) when the Board has decided already, or the actor is not of the business
    unit."""
    field = DecisionBlock.DIRECTED_BY.value
    case = lock_case(session, case_id)
    if case is None or Role.ADMIN not in roles_of(session, actor):
        raise RefusedError(BUSINESS_UNIT_DIRECTS, field=field)
    if direction_of(session, case_id) is not None:
        return False
    if decision_of(session, case_id) is not None or case.closed_at is not None:
        raise RefusedError(
            f"{case.reference} has been decided already: nothing has changed.", field=field
        )
    session.add(
        ReviewDirection(
            case_id=case_id,
            directed_by=form.directed_by.value,
            directed_on=form.directed_on,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    session.add(
        ChairDecision(case_id=case_id, outcome=Outcome.SCR.value, decided_by=actor, decided_at=now)
    )
    session.flush()
    ctx = EngineContext(session, cal, now)
    record_event(ctx, case, "decision", at=now, actor=actor)
    if case.stage != Stage.REVIEW:
        begin_stage(ctx, case, get_process(case.process_key).stage(Stage.REVIEW), actor=actor)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review.directed",
        case_id=case_id,
        directed_by=form.directed_by.value,
        directed_on=form.directed_on.isoformat(),
    )
    return True


# Who outside Slack was told ----------------------------------------------------------------


def notices(session: Session, case_id: int) -> list[NoticeLine]:
    """Each audience, and when and by whom it was told (from the task if it was simply
    marked done)."""
    decision = decision_of(session, case_id)
    if decision is None:
        return []
    stage = PATH_STAGE[Outcome(decision.outcome)]
    recorded = {
        n.audience: n
        for n in session.scalars(select(DecisionNotice).where(DecisionNotice.case_id == case_id))
    }
    lines = []
    for audience, title in DECISION_AUDIENCES.items():
        notice = recorded.get(audience)
        if notice is not None:
            lines.append(NoticeLine(audience, title, notice.notified_on, notice.notified_by))
            continue
        task = session.scalar(
            select(Task).where(
                Task.case_id == case_id,
                Task.kind == notification_kind(audience, stage),
                Task.status == TaskStatus.DONE,
            )
        )
        done_on = london_date(task.completed_at) if task and task.completed_at else None
        lines.append(NoticeLine(audience, title, done_on, task.completed_by if task else None))
    return lines


def record_notice(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    audience: str,
    *,
    notified_on: date,
    notified_by: str,
    actor: str,
) -> bool:
    """That ``audience`` was told. False when it was recorded already. Refused (on the date)
    to anyone not of the Board business unit."""
    field = DecisionBlock.NOTIFIED_ON.value
    lock_case(session, case_id)
    decision = decision_of(session, case_id)
    if decision is None or audience not in DECISION_AUDIENCES:
        raise RefusedError(NO_DECISION_YET, field=field)
    kind = notification_kind(audience, PATH_STAGE[Outcome(decision.outcome)])
    task = session.scalar(select(Task).where(Task.case_id == case_id, Task.kind == kind))
    if task is None:
        raise RefusedError(NO_DECISION_YET, field=field)
    if not may_act_on(session, task, actor):
        raise RefusedError(BUSINESS_UNIT_RECORDS, field=field)
    existing = session.scalar(
        select(DecisionNotice).where(
            DecisionNotice.case_id == case_id, DecisionNotice.audience == audience
        )
    )
    if existing is not None:
        return False
    if task.status == TaskStatus.OPEN:
        complete_task(EngineContext(session, cal, now), task, actor=actor)
    session.add(
        DecisionNotice(
            case_id=case_id,
            audience=audience,
            notified_on=notified_on,
            notified_by=notified_by,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    audit.record(
        session, at=now, actor=actor, action="decision.notified", case_id=case_id, audience=audience
    )
    return True
