"""The action plan: the review's recommendations (from the overview report and the management
reviews), who owns each, the Board closing them, and what people see of it (`/scr actions`,
its modals, the case card's lines). Every change is audited by ids only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import MonitoringBlock
from bot.process.registry import get_process
from bot.process.working_days import LONDON, WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import (
    Role,
    active_agencies,
    case_by_channel,
    case_by_reference,
    is_case_member,
    roles_of,
)
from bot.services.cases.identifying import screen
from bot.services.cases.records import Present
from bot.services.monitoring import rounds
from bot.services.monitoring.schema import (
    CloseModal,
    LatestReturn,
    MonitoringState,
    PlanLine,
    PlanView,
    RecommendationForm,
    RecommendationModal,
    RecommendationValues,
    RecStatus,
    RoundState,
    SignedOff,
    Source,
)
from bot.services.refusal import InvalidFormError, RefusedError
from bot.services.reminders.owners import role_holders
from bot.services.reminders.tasks import EngineContext
from bot.services.review.report import ReportRecommendation, report_recommendations
from storage.models import (
    Agency,
    Case,
    CaseAssignment,
    CaseSignOff,
    DeactivatedUser,
    MonitoringRound,
    ProgressReturn,
    Recommendation,
    Task,
)
from storage.states import TaskStatus

ACTION_OWNER = "action_owner"

MANAGERS = frozenset({Role.ADMIN, Role.BOARD_CHAIR, Role.CPU})
"""Who may enter and edit the action plan."""
CLOSERS = frozenset({Role.ADMIN, Role.BOARD_CHAIR})
"""The Board: who may say that someone has left, on any case. Who closes a case's
recommendations and signs it off is its process's (`may_close`)."""

NOT_ALLOWED = "Only the Board business unit, the Board Chair and the CPU can change the plan."
NOT_THE_BOARD = "Only the Board (its business unit or Chair) can close recommendations."
NOT_SHOWN = (
    "I can't show that. Use `/scr actions` in the channel of a case you are in, or "
    "`/scr actions SCR-YYYY-NNN`."
)
NOT_IN_PLAN = "This recommendation is no longer in the plan."


# Who may do what --------------------------------------------------------------------------


def may_manage(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & MANAGERS)


def is_board(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & CLOSERS)


def may_close(session: Session, case: Case, user_id: str) -> bool:
    """Whether ``user_id`` holds a role that oversees the case's action plan (the Board's
    business unit or Chair for an SCR; for a CSPR, the partners' business unit, leads or
    delegated lead): marks recommendations implemented, closes them, signs the case off."""
    plan = get_process(case.process_key).action_plan()
    return any(user_id in role_holders(session, case.id, role) for role in plan.overseen_by)


def not_overseer(case: Case) -> str:
    """The refusal to anyone else, in the process's words."""
    return (
        f"Only {get_process(case.process_key).action_plan().overseers} can close recommendations."
    )


def has_left(session: Session, user_id: str) -> bool:
    return session.get(DeactivatedUser, user_id) is not None


def plan_case(
    session: Session, user_id: str, *, channel_id: str | None, reference: str | None
) -> Case:
    """The case asked about (by reference, or by the channel it is asked in), if the user
    is one of its members, holds a Board or CPU role or oversees its plan; refused alike for
    an unknown case and for someone else's, so that the answer reveals nothing."""
    case = None
    if reference:
        case = case_by_reference(session, reference)
    elif channel_id:
        case = case_by_channel(session, channel_id)
    if case is None:
        raise RefusedError(NOT_SHOWN)
    if (
        is_case_member(session, case, user_id)
        or may_manage(session, user_id)
        or may_close(session, case, user_id)
    ):
        return case
    raise RefusedError(NOT_SHOWN)


def change_refusal(session: Session, case: Case | None, user_id: str) -> str | None:
    """Why ``user_id`` may not change the case's plan, if they may not."""
    if case is None:
        return NOT_IN_PLAN
    if not may_manage(session, user_id):
        return NOT_ALLOWED
    if case.closed_at is not None:
        return f"{case.reference} is closed."
    return None


def case_to_change(
    session: Session, case_id: int | None, user_id: str, *, field: str | None = None
) -> Case:
    """The case whose plan ``user_id`` is changing, once they may (and it is open); a
    refusal goes on the form's ``field``."""
    case = session.get(Case, case_id) if case_id else None
    refusal = change_refusal(session, case, user_id)
    if refusal is not None or case is None:
        raise RefusedError(refusal or NOT_IN_PLAN, field=field)
    return case


# Recommendations and their owners ---------------------------------------------------------


def recommendations(session: Session, case_id: int) -> list[Recommendation]:
    return list(
        session.scalars(
            select(Recommendation)
            .where(Recommendation.case_id == case_id)
            .order_by(Recommendation.number)
        )
    )


def owner_of(session: Session, rec: Recommendation) -> str | None:
    return session.scalar(
        select(CaseAssignment.slack_user_id)
        .where(
            CaseAssignment.case_id == rec.case_id,
            CaseAssignment.role == ACTION_OWNER,
            CaseAssignment.subject_key == rounds.subject_key(rec.id),
        )
        .order_by(CaseAssignment.id)
        .limit(1)
    )


def set_owner(ctx: EngineContext, rec: Recommendation, user_id: str) -> None:
    ctx.session.execute(
        delete(CaseAssignment).where(
            CaseAssignment.case_id == rec.case_id,
            CaseAssignment.role == ACTION_OWNER,
            CaseAssignment.subject_key == rounds.subject_key(rec.id),
        )
    )
    ctx.session.add(
        CaseAssignment(
            case_id=rec.case_id,
            role=ACTION_OWNER,
            agency_id=rec.agency_id,
            subject_key=rounds.subject_key(rec.id),
            slack_user_id=user_id,
            assigned_at=ctx.now,
        )
    )
    ctx.session.flush()


def problems(
    session: Session, case: Case, form: RecommendationForm, *, rec_id: int | None = None
) -> dict[str, str]:
    """What the case makes wrong with an otherwise valid recommendation, by block id."""
    errors: dict[str, str] = {}
    taken = session.scalar(
        select(Recommendation.id).where(
            Recommendation.case_id == case.id, Recommendation.number == form.number
        )
    )
    if taken is not None and taken != rec_id:
        errors[MonitoringBlock.NUMBER.value] = (
            f"Recommendation {form.number} is already in the plan."
        )
    agency = session.get(Agency, form.agency_id)
    if agency is None or not agency.active:
        errors[MonitoringBlock.AGENCY.value] = "Choose an agency of the partnership."
    if has_left(session, form.owner):
        errors[MonitoringBlock.OWNER.value] = "This person has left; choose someone else."
    return errors


def add_recommendation(
    ctx: EngineContext,
    case: Case,
    form: RecommendationForm,
    *,
    actor: str,
    cipher: FieldCipher,
    view_id: str | None,
) -> Recommendation:
    """Add a checked recommendation; its returns begin once the report is agreed."""
    refusal = change_refusal(ctx.session, case, actor)
    if refusal is not None:
        raise RefusedError(refusal, field=MonitoringBlock.NUMBER.value)
    sealed = cipher.for_case(ctx.session, case.id)
    rec = Recommendation(
        case_id=case.id,
        number=form.number,
        agency_id=form.agency_id,
        source=form.source.value,
        action=sealed.encrypt_text(form.action),
        target_date=form.target_date,
        expected_outcome=sealed.encrypt_text(form.expected_outcome),
        status=RecStatus.OPEN.value,
        created_at=ctx.now,
        created_by=actor,
        updated_at=ctx.now,
        source_view_id=view_id,
    )
    ctx.session.add(rec)
    ctx.session.flush()
    set_owner(ctx, rec, form.owner)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="recommendation.added",
        case_id=case.id,
        recommendation_id=rec.id,
        number=rec.number,
        agency_id=rec.agency_id,
        owner=form.owner,
    )
    rounds.start_returns_for(ctx, case, rec)
    return rec


def update_recommendation(
    ctx: EngineContext,
    rec: Recommendation,
    form: RecommendationForm,
    *,
    actor: str,
    cipher: FieldCipher,
) -> list[str]:
    """Apply an edit; returns the names of the fields that changed (none: nothing stored)."""
    if not may_manage(ctx.session, actor):
        raise RefusedError(NOT_ALLOWED, field=MonitoringBlock.NUMBER.value)
    changed = []
    for name in ("number", "agency_id", "target_date"):
        if getattr(rec, name) != getattr(form, name):
            setattr(rec, name, getattr(form, name))
            changed.append(name)
    if rec.source != form.source.value:
        rec.source = form.source.value
        changed.append("source")
    sealed = cipher.for_case(ctx.session, rec.case_id)
    for name in ("action", "expected_outcome"):
        if sealed.decrypt_text(getattr(rec, name)) != getattr(form, name):
            setattr(rec, name, sealed.encrypt_text(getattr(form, name)))
            changed.append(name)
    if "agency_id" in changed:
        for task in rounds.tasks_of(ctx.session, rec.case_id, rec_id=rec.id):
            if task.status == TaskStatus.OPEN:
                task.agency_id = rec.agency_id
    if "agency_id" in changed or owner_of(ctx.session, rec) != form.owner:
        set_owner(ctx, rec, form.owner)
        changed.append("owner")
    if changed:
        rec.updated_at = ctx.now
        audit.record(
            ctx.session,
            at=ctx.now,
            actor=actor,
            action="recommendation.updated",
            case_id=rec.case_id,
            recommendation_id=rec.id,
            fields=changed,
        )
    return changed


@dataclass(frozen=True)
class Saved:
    """A recommendation saved from the modal; ``tell``: its owner is new to it."""

    rec_id: int
    case_id: int
    tell: bool


RECOMMENDATION_LABELS = {
    MonitoringBlock.ACTION.value: "action",
    MonitoringBlock.OUTCOME.value: "expected outcome",
}


def _free_texts(form: RecommendationForm) -> dict[str, str]:
    return {
        MonitoringBlock.ACTION.value: form.action,
        MonitoringBlock.OUTCOME.value: form.expected_outcome,
    }


def save_recommendation(
    ctx: EngineContext,
    form: RecommendationForm,
    *,
    case_id: int | None,
    rec_id: int | None,
    actor: str,
    cipher: FieldCipher,
    view_id: str,
) -> Saved | None:
    """The add or edit modal's submission: refused inline, or stored once (None: this modal
    was stored already)."""
    rec = ctx.session.get(Recommendation, rec_id) if rec_id else None
    if rec_id and (rec is None or rec.case_id != case_id):
        raise RefusedError(NOT_IN_PLAN, field=MonitoringBlock.NUMBER.value)
    case = case_to_change(ctx.session, case_id, actor, field=MonitoringBlock.NUMBER.value)
    if rec is None and _saved_from(ctx.session, view_id):
        return None
    wrong = problems(ctx.session, case, form, rec_id=rec.id if rec else None)
    screen(ctx.session, cipher, case.id, _free_texts(form), RECOMMENDATION_LABELS)
    if wrong:
        raise InvalidFormError(wrong)
    if rec is None:
        rec = add_recommendation(ctx, case, form, actor=actor, cipher=cipher, view_id=view_id)
        return Saved(rec.id, case.id, tell=True)
    changed = update_recommendation(ctx, rec, form, actor=actor, cipher=cipher)
    return Saved(rec.id, case.id, tell="owner" in changed)


def _saved_from(session: Session, view_id: str) -> bool:
    found = session.scalar(
        select(Recommendation.id).where(Recommendation.source_view_id == view_id).limit(1)
    )
    return found is not None


def close_recommendation(
    ctx: EngineContext,
    rec: Recommendation,
    outcome: RecStatus,
    *,
    note: str,
    actor: str,
    cipher: FieldCipher,
) -> bool:
    """The Board marks it implemented, or closes it with a reason: it leaves the cycle and
    its outstanding returns stop. False when it was already closed."""
    case = ctx.session.get(Case, rec.case_id)
    if case is None or not may_close(ctx.session, case, actor):
        refusal = not_overseer(case) if case is not None else NOT_THE_BOARD
        raise RefusedError(refusal, field=MonitoringBlock.CLOSE_NOTE.value)
    if outcome == RecStatus.OPEN:
        raise ValueError("closing needs an outcome")
    if outcome == RecStatus.CLOSED and not note.strip():
        raise RefusedError(
            "Please give the reason for closing it.", field=MonitoringBlock.CLOSE_NOTE.value
        )
    note_block = MonitoringBlock.CLOSE_NOTE.value
    screen(ctx.session, cipher, rec.case_id, {note_block: note}, {note_block: "note"})
    if rec.status != RecStatus.OPEN:
        return False
    rec.status, rec.closed_at, rec.closed_by = outcome.value, ctx.now, actor
    sealed = cipher.for_case(ctx.session, rec.case_id)
    rec.closure_reason = sealed.encrypt_text(note.strip()) if note.strip() else None
    rec.updated_at = ctx.now
    stopped = rounds.close_tasks(
        ctx, rounds.tasks_of(ctx.session, rec.case_id, rec_id=rec.id), actor=actor
    )
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action=f"recommendation.{outcome.value}",
        case_id=rec.case_id,
        recommendation_id=rec.id,
        returns_stopped=stopped,
    )
    return True


def close_from_form(
    ctx: EngineContext,
    rec_id: int | None,
    outcome: RecStatus,
    *,
    note: str,
    actor: str,
    cipher: FieldCipher,
) -> tuple[int, str]:
    """The closing modal's submission: the case's id, and what the Board is told."""
    rec = ctx.session.get(Recommendation, rec_id) if rec_id else None
    case = ctx.session.get(Case, rec.case_id) if rec is not None else None
    if rec is None or case is None:
        raise RefusedError(NOT_THE_BOARD, field=MonitoringBlock.CLOSE_NOTE.value)
    close_recommendation(ctx, rec, outcome, note=note, actor=actor, cipher=cipher)
    text = f"{case.reference}: recommendation {rec.number} is {outcome.value}."
    if not rounds.open_recommendations(ctx.session, case.id):
        overseer = ctx.process(case).action_plan().overseer
        text += f" None is open now: {overseer} can sign the case off from `/scr actions`."
    return case.id, text


# The modals' contents ---------------------------------------------------------------------


def _agencies(session: Session) -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in active_agencies(session)]


def new_recommendation(session: Session, case: Case, user_id: str) -> RecommendationModal:
    """The add (or import) modal's content, once ``user_id`` may change the plan."""
    refusal = change_refusal(session, case, user_id)
    if refusal is not None:
        raise RefusedError(refusal)
    return RecommendationModal(case.id, case.reference, _agencies(session))


def carried_recommendation(
    session: Session, cipher: FieldCipher, case: Case, user_id: str
) -> RecommendationModal:
    """The recommendation form, filled in from the next management review recommendation
    not yet in the plan; the owner (a "by whom" in the review) is chosen in the form."""
    if not may_manage(session, user_id):
        raise RefusedError(NOT_ALLOWED)
    pending = carried_pending(session, cipher, case)
    if not pending:
        raise RefusedError("Every management review recommendation is in the plan.")
    first = pending[0]
    carried = first.recommendation
    values = RecommendationValues(
        first.number,
        carried.agency_id,
        carried.action,
        None,
        carried.target_date,
        carried.expected_outcome,
        Source.MANAGEMENT_REVIEW.value,
    )
    return RecommendationModal(case.id, case.reference, _agencies(session), values=values)


def _chosen(session: Session, rec_id: int) -> tuple[Recommendation, Case]:
    rec = session.get(Recommendation, rec_id)
    case = session.get(Case, rec.case_id) if rec is not None else None
    if rec is None or case is None:
        raise RefusedError(NOT_ALLOWED)
    return rec, case


def edited_recommendation(
    session: Session, cipher: FieldCipher, rec_id: int, user_id: str, *, now: datetime
) -> RecommendationModal:
    """The edit modal's content (audited as opened), once ``user_id`` may change the plan."""
    rec, case = _chosen(session, rec_id)
    if not may_manage(session, user_id):
        raise RefusedError(NOT_ALLOWED)
    sealed = cipher.for_case(session, case.id)
    values = RecommendationValues(
        rec.number,
        rec.agency_id,
        sealed.decrypt_text(rec.action),
        owner_of(session, rec),
        rec.target_date,
        sealed.decrypt_text(rec.expected_outcome),
        rec.source,
    )
    audit.record(
        session,
        at=now,
        actor=user_id,
        action="recommendation.form_opened",
        case_id=case.id,
        recommendation_id=rec.id,
    )
    return RecommendationModal(case.id, case.reference, _agencies(session), rec.id, values)


def recommendation_to_close(session: Session, rec_id: int, user_id: str) -> CloseModal:
    rec, case = _chosen(session, rec_id)
    if not may_close(session, case, user_id):
        raise RefusedError(not_overseer(case))
    if rec.status != RecStatus.OPEN:
        raise RefusedError(f"Recommendation {rec.number} is closed already.")
    agency = session.get(Agency, rec.agency_id)
    return CloseModal(rec.id, case.reference, rec.number, agency.name if agency else "?")


# What people see of the plan --------------------------------------------------------------


def plan_lines(session: Session, case: Case, cipher: FieldCipher | None) -> list[PlanLine]:
    recs = recommendations(session, case.id)
    if not recs:  # most cards: no plan yet, so nothing else to read
        return []
    names = {agency_id: name for agency_id, name in session.execute(select(Agency.id, Agency.name))}
    latest: dict[int, LatestReturn] = {}
    for row in session.scalars(
        select(ProgressReturn)
        .where(ProgressReturn.case_id == case.id)
        .order_by(ProgressReturn.round_no)
    ):
        latest[row.recommendation_id] = LatestReturn(row.round_no, row.status, row.as_of)
    open_tasks = {
        rounds.recommendation_id_of(t.subject_key): t.id
        for t in session.scalars(
            select(Task)
            .where(
                Task.case_id == case.id, Task.kind == rounds.KIND, Task.status == TaskStatus.OPEN
            )
            .order_by(Task.round_no.desc())
        )
    }
    sealed = cipher.for_case(session, case.id) if cipher is not None else None
    return [
        PlanLine(
            id=rec.id,
            number=rec.number,
            agency=names.get(rec.agency_id, "?"),
            owner=owner_of(session, rec),
            target_date=rec.target_date,
            status=rec.status,
            source=rec.source,
            action=sealed.decrypt_text(rec.action) if sealed is not None else "",
            latest=latest.get(rec.id),
            open_task_id=open_tasks.get(rec.id),
        )
        for rec in recs
    ]


@dataclass(frozen=True)
class SignOffState:
    """``blocker`` says, for the Board, why the case cannot be signed off yet."""

    allowed: bool
    blocker: str | None
    signed_off: CaseSignOff | None


def sign_off_state(ctx: EngineContext, case: Case) -> SignOffState:
    done = ctx.session.get(CaseSignOff, case.id)
    if done is not None:
        return SignOffState(False, f"{case.reference} was signed off already.", done)
    if not rounds.in_monitoring(ctx, case) or rounds.monitoring_began(ctx, case) is None:
        return SignOffState(False, ctx.process(case).action_plan().not_begun, None)
    recs = recommendations(ctx.session, case.id)
    if not recs:
        return SignOffState(False, "The action plan has no recommendations yet.", None)
    still_open = [r.number for r in recs if r.status == RecStatus.OPEN]
    if still_open:
        numbers = ", ".join(str(n) for n in still_open)
        return SignOffState(False, f"Recommendations still open: {numbers}.", None)
    return SignOffState(True, None, None)


def show_plan(ctx: EngineContext, cipher: FieldCipher, case: Case, user_id: str) -> PlanView:
    """`/scr actions` for ``user_id`` (audited as viewed)."""
    session = ctx.session
    in_monitoring = rounds.in_monitoring(ctx, case)
    round_no = rounds.current_round(ctx, case) if in_monitoring else None
    due = rounds.round_due(ctx, case, round_no) if round_no is not None else None
    state = sign_off_state(ctx, case)
    audit.record(session, at=ctx.now, actor=user_id, action="action_plan.viewed", case_id=case.id)
    return PlanView(
        case_id=case.id,
        reference=case.reference,
        lines=plan_lines(session, case, cipher),
        today=ctx.cal.london_date(ctx.now),
        round_no=round_no,
        round_due=ctx.cal.london_date(due) if due is not None else None,
        can_manage=may_manage(session, user_id),
        can_close=may_close(session, case, user_id),
        can_sign_off=state.allowed,
        blocker=state.blocker,
        signed_off=state.signed_off is not None,
        words=ctx.process(case).action_plan(),
        carried_pending=len(carried_pending(session, cipher, case)),
    )


def monitoring_state(
    session: Session, case: Case, today: date, cal: WorkingCalendar, present: Present
) -> MonitoringState:
    """What the case card shows of monitoring. ``present``: the tables the case has rows in
    (`holding_rows`)."""
    signed = session.get(CaseSignOff, case.id) if CaseSignOff in present else None
    if signed is not None:
        done = SignedOff(
            signed.signed_off_by,
            signed.signed_off_at.astimezone(LONDON).date(),
            signed.archived_at is not None,
        )
        return MonitoringState([], None, 0, done, today)
    lines = plan_lines(session, case, None) if Recommendation in present else []
    row = None
    if MonitoringRound in present:
        row = session.scalar(
            select(MonitoringRound)
            .where(MonitoringRound.case_id == case.id)
            .order_by(MonitoringRound.round_no.desc())
            .limit(1)
        )
    if row is None:
        return MonitoringState(lines, None, 0, None, today)
    tasks = rounds.tasks_of(session, case.id)
    this_round = [t for t in tasks if t.round_no == row.round_no and t.status != TaskStatus.WAIVED]
    due = row.due_at.astimezone(LONDON).date()
    current = RoundState(
        row.round_no,
        due,
        sum(1 for t in this_round if t.status == TaskStatus.DONE),
        len(this_round),
        last_working_day=cal.last_working_day(due),
    )
    overdue = sum(
        1
        for t in tasks
        if t.round_no < row.round_no
        and t.status == TaskStatus.OPEN
        and t.due_at.astimezone(LONDON).date() < today
    )
    return MonitoringState(lines, current, overdue, None, today)


@dataclass(frozen=True)
class Carried:
    number: int
    recommendation: ReportRecommendation


def carried_pending(session: Session, cipher: FieldCipher, case: Case) -> list[Carried]:
    """The accepted management reviews' recommendations whose action is not in the plan yet,
    each with the number it would take (its own, or the next free one)."""
    plan = recommendations(session, case.id)
    sealed = cipher.for_case(session, case.id)
    actions = {sealed.decrypt_text(rec.action).strip() for rec in plan}
    taken = {rec.number for rec in plan}
    pending = []
    for rec in report_recommendations(session, cipher, case.id):
        if rec.action.strip() in actions:
            continue
        number = rec.number if rec.number not in taken else max(taken | {0}) + 1
        taken.add(number)
        pending.append(Carried(number, rec))
    return pending
