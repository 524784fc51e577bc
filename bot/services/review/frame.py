"""The Serious Case Review's frame: the review panel chair's appointment and answer, the terms
of reference (every edit a new version) and the completion date, which only an extension
agreed with OFSTED moves past four months from the decision.

The completion date and its extension are the process definition's (`CompletionLimit`): a
Child Safeguarding Practice Review's local review is published within six months of the
partners' decision unless they record an extension, through the same machinery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher
from bot.process.definition import CompletionLimit, StageDefinition
from bot.process.registry import get_process
from bot.process.states import Stage, TaskKind
from bot.process.working_days import WorkingCalendar, add_calendar_months, day, london_date
from bot.services.cases import audit
from bot.services.cases.identifying import screen
from bot.services.decision.schema import Outcome
from bot.services.decision.service import decision_of
from bot.services.first_month.chronology import set_review_period
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import role_holders
from bot.services.reminders.tasks import (
    EngineContext,
    add_agency,
    complete_task,
    event_time,
    involved_agencies,
    move_deadline,
    open_tasks,
    remove_agency,
    stage_has_ended,
)
from bot.services.review.access import (
    NOT_ELIGIBLE_CHAIR,
    ensure_member,
    leads_review,
    lock_case,
    may_appoint_panel_chair,
    may_chair_review,
)
from bot.services.review.panel import require_cleared
from bot.services.review.schema import (
    FINDINGS_PATHS,
    TERMS_TEXTS,
    ChairStatus,
    ExtensionForm,
    ExtensionWords,
    Proceeding,
    TermsForm,
)
from storage.claim import claim
from storage.models import (
    Case,
    CaseAssignment,
    PanelChairAppointment,
    ReviewExtension,
    Task,
    TermsOfReference,
)
from storage.states import TaskStatus

NOT_IN_REVIEW = "This case is not in a Serious Case Review."
NOT_FOUND = "That is no longer open to you."
APPOINTERS = "The Board Chair, the CPU or the business unit appoint the panel chair."
TERMS_SETTER = "The panel chair sets the terms of reference."
NO_LIMIT = "This case has no review under way whose date can move."
ROLE_NAMES = {
    "admins": "the business unit",
    "board_chair": "the Board Chair",
    "panel_chair": "the panel chair",
    "partner_leads": "the safeguarding partners' leads",
    "delegated_lead": "the lead they delegate to",
    "cpu": "the CPU",
}


def open_task(session: Session, task_id: int) -> tuple[Task, Case]:
    """An open task and its case, for the button that opens the form completing it."""
    task = session.get(Task, task_id)
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or task.status != TaskStatus.OPEN:
        raise RefusedError(NOT_FOUND)
    return task, case


def findings_path(session: Session, case: Case, actor: str) -> str:
    """The "not met" path whose findings ``actor`` may record on this case, in words."""
    if case.stage not in FINDINGS_PATHS or case.closed_at is not None:
        raise RefusedError("Findings are recorded on the audit or management review path.")
    if not leads_review(session, case.id, actor):
        raise RefusedError("The panel chair records the findings.")
    return FINDINGS_PATHS[Stage(case.stage)]


# The review and its completion date ---------------------------------------------------------


def review_case(session: Session, case_id: int) -> Case:
    """The case, locked, while it is in a Serious Case Review; otherwise a refusal."""
    case = lock_case(session, case_id)
    decision = decision_of(session, case_id)
    if case is None or decision is None or decision.outcome != Outcome.SCR.value:
        raise RefusedError(NOT_IN_REVIEW)
    if case.stage != Stage.REVIEW or case.closed_at is not None:
        raise RefusedError("The review stage of this case is over.")
    return case


def decided_on(session: Session, case_id: int) -> date:
    decision = decision_of(session, case_id)
    if decision is None:
        raise RefusedError(NOT_IN_REVIEW)
    return london_date(decision.decided_at)


def _extended_to(session: Session, case_id: int) -> date | None:
    return session.scalar(
        select(ReviewExtension.new_completion)
        .where(ReviewExtension.case_id == case_id)
        .order_by(ReviewExtension.id.desc())
        .limit(1)
    )


def limited_stage(session: Session, case: Case) -> tuple[StageDefinition, CompletionLimit]:
    """The stage of the case's process that must finish by a date, and its limit."""
    process = get_process(case.process_key)
    for stage in process.all_stages:
        if stage.limit is not None:
            return stage, stage.limit
    raise RefusedError(NO_LIMIT)


def limit_of(session: Session, case_id: int) -> CompletionLimit:
    case = session.get(Case, case_id)
    if case is None:
        raise RefusedError(NOT_FOUND)
    return limited_stage(session, case)[1]


def limited_case(session: Session, case_id: int) -> tuple[Case, CompletionLimit]:
    """The case, locked, while it is in the stage its process limits; otherwise a refusal
    (saying so once that stage has ended, when the case has moved on to monitoring)."""
    case = lock_case(session, case_id)
    if case is None:
        raise RefusedError(NOT_FOUND)
    stage, limit = limited_stage(session, case)
    later = get_process(case.process_key).stages_after(stage.key)
    if case.stage in later or (case.stage == stage.key and stage_has_ended(session, case, stage)):
        raise RefusedError(f"The review of {case.reference} is {limit.finished}: nothing moves.")
    if case.stage != stage.key or case.closed_at is not None:
        raise RefusedError(NO_LIMIT)
    return case, limit


def _limit_starts(session: Session, case_id: int, limit: CompletionLimit) -> date:
    at = event_time(session, case_id, limit.anchor)
    return london_date(at) if at is not None else decided_on(session, case_id)


def completion_limit(session: Session, case_id: int) -> date:
    """The process's months from the decision (four for an SCR), or the latest extension."""
    limit = limit_of(session, case_id)
    extended = _extended_to(session, case_id)
    return extended or add_calendar_months(_limit_starts(session, case_id, limit), limit.months)


def completion_date(session: Session, case_id: int) -> date:
    """When the review is to be complete: the latest extension, else the terms of reference."""
    extended = _extended_to(session, case_id)
    terms = current_terms(session, case_id)
    return extended or (terms.completion_date if terms else completion_limit(session, case_id))


def move_dependents(
    ctx: EngineContext, case_id: int, completion: date, actor: str, why: str
) -> list[Task]:
    """The tasks due on the completion date (the process's limit names them) fall due on
    ``completion``, their reminders planned again."""
    kinds = limit_of(ctx.session, case_id).tasks
    moved = []
    new_due = ctx.cal.day_end(completion)
    for task in open_tasks(ctx.session, case_id):
        if task.kind in kinds and task.due_at != new_due:
            move_deadline(ctx, task, new_due=new_due, actor=actor, reason=why)
            moved.append(task)
    return moved


# The panel chair -------------------------------------------------------------------------------


def appoint_panel_chair(
    session: Session, now: datetime, case_id: int, user_id: str, *, actor: str
) -> PanelChairAppointment:
    """A pending appointment; it counts once the appointee confirms no previous involvement."""
    if not may_appoint_panel_chair(session, actor):
        raise RefusedError(APPOINTERS)
    review_case(session, case_id)
    if not may_chair_review(session, user_id):
        raise RefusedError(NOT_ELIGIBLE_CHAIR)
    claim(
        session,
        PanelChairAppointment,
        PanelChairAppointment.case_id == case_id,
        PanelChairAppointment.status == ChairStatus.PENDING,
        status=ChairStatus.REPLACED.value,
    )
    appointment = PanelChairAppointment(
        case_id=case_id,
        slack_user_id=user_id,
        status=ChairStatus.PENDING.value,
        appointed_by=actor,
        appointed_at=now,
    )
    session.add(appointment)
    session.flush()
    audit.record(
        session, at=now, actor=actor, action="panel_chair.appointed", case_id=case_id, user=user_id
    )
    return appointment


@dataclass(frozen=True)
class AppointmentAnswer:
    changed: bool
    appointment_id: int
    case_id: int
    user: str
    appointed_by: str
    status: ChairStatus


def _answer(row: PanelChairAppointment, changed: bool) -> AppointmentAnswer:
    return AppointmentAnswer(
        changed, row.id, row.case_id, row.slack_user_id, row.appointed_by, ChairStatus(row.status)
    )


def answer_appointment(
    session: Session, now: datetime, appointment_id: int, *, actor: str, no_involvement: bool
) -> AppointmentAnswer:
    """The appointee confirms no previous involvement (and becomes the panel chair) or
    declares some (and the appointer must find someone else). Answered once."""
    row = session.get(PanelChairAppointment, appointment_id)
    if row is None or row.slack_user_id != actor:
        raise RefusedError("This appointment is someone else's to answer.")
    lock_case(session, row.case_id)
    session.refresh(row)
    if row.status != ChairStatus.PENDING:
        return _answer(row, False)
    row.responded_at = now
    if not no_involvement:
        row.status = ChairStatus.DECLINED.value
        audit.record(
            session, at=now, actor=actor, action="panel_chair.declined", case_id=row.case_id
        )
        return _answer(row, True)
    row.status = ChairStatus.CONFIRMED.value
    claim(
        session,
        PanelChairAppointment,
        PanelChairAppointment.case_id == row.case_id,
        PanelChairAppointment.status == ChairStatus.CONFIRMED,
        PanelChairAppointment.id != row.id,
        status=ChairStatus.REPLACED.value,
    )
    for old in session.scalars(
        select(CaseAssignment).where(
            CaseAssignment.case_id == row.case_id, CaseAssignment.role == "panel_chair"
        )
    ):
        session.delete(old)
    session.add(
        CaseAssignment(
            case_id=row.case_id, role="panel_chair", slack_user_id=actor, assigned_at=now
        )
    )
    ensure_member(session, row.case_id, actor, "panel_chair")
    audit.record(session, at=now, actor=actor, action="panel_chair.confirmed", case_id=row.case_id)
    return _answer(row, True)


def appointment(session: Session, appointment_id: int) -> PanelChairAppointment:
    row = session.get(PanelChairAppointment, appointment_id)
    if row is None:
        raise RefusedError(NOT_FOUND)
    return row


def latest_appointment(session: Session, case_id: int) -> PanelChairAppointment | None:
    """The appointment pending or in post, if any."""
    return session.scalar(
        select(PanelChairAppointment)
        .where(
            PanelChairAppointment.case_id == case_id,
            PanelChairAppointment.status.in_((ChairStatus.PENDING, ChairStatus.CONFIRMED)),
        )
        .order_by(PanelChairAppointment.id.desc())
        .limit(1)
    )


# Terms of reference ----------------------------------------------------------------------------


def current_terms(session: Session, case_id: int) -> TermsOfReference | None:
    return terms_version(session, case_id)


def terms_version(
    session: Session, case_id: int, version: int | None = None
) -> TermsOfReference | None:
    """One version of the terms (the latest when ``version`` is None)."""
    query = select(TermsOfReference).where(TermsOfReference.case_id == case_id)
    if version is not None:
        query = query.where(TermsOfReference.version == version)
    return session.scalar(query.order_by(TermsOfReference.version.desc()).limit(1))


def terms_form(cipher: CaseCipher, row: TermsOfReference) -> TermsForm:
    """A stored version back as the form that made it (to show, or to edit)."""
    sealed = cipher.decrypt_json(row.content)
    recorded_on = london_date(row.recorded_at)
    return TermsForm.model_construct(
        **{key: sealed.get(key, "") for key in TERMS_TEXTS},
        period_from=date.fromisoformat(sealed["period_from"]),
        period_to=date.fromisoformat(sealed["period_to"]),
        liaison_lead=sealed.get("liaison_lead", row.recorded_by),
        start_date=date.fromisoformat(sealed.get("start_date", recorded_on.isoformat())),
        agency_ids=list(row.agency_ids),
        proceedings=[Proceeding(p) for p in row.proceedings],
        completion_date=row.completion_date,
    )


def may_set_terms(session: Session, case: Case, actor: str) -> None:
    limited_case(session, case.id)
    if not leads_review(session, case.id, actor):
        raise RefusedError(TERMS_SETTER)


def save_terms(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: TermsForm,
    *,
    actor: str,
) -> TermsOfReference:
    """A new version of the terms. The agencies asked to contribute become the involved
    agencies (each with its management review); the period under review bounds the
    chronologies; the completion date sets the overview report's deadline."""
    screen(session, cipher, case_id, form.texts(), form.labels())
    case, rule = limited_case(session, case_id)
    if not leads_review(session, case_id, actor):
        raise RefusedError(TERMS_SETTER)
    require_cleared(session, case_id)
    limit = completion_limit(session, case_id)
    if form.completion_date > limit:
        raise RefusedError(
            f"The review must be {rule.finished} by {day(limit)}; a later date needs an "
            f"extension {rule.agreed_with}.",
            field="completion_date",
        )
    previous = current_terms(session, case_id)
    row = TermsOfReference(
        case_id=case_id,
        version=(previous.version + 1) if previous else 1,
        content=cipher.for_case(session, case_id).encrypt_json(form.sealed()),
        agency_ids=sorted(set(form.agency_ids)),
        proceedings=[p.value for p in form.proceedings],
        completion_date=form.completion_date,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    ctx = EngineContext(session, cal, now)
    set_review_period(session, case, form.period_from, form.period_to, actor=actor, now=now)
    _contributors(ctx, case, set(form.agency_ids), row.version, actor, cipher)
    move_dependents(ctx, case_id, form.completion_date, actor, f"terms of reference v{row.version}")
    if previous is None:
        for task in open_tasks(session, case_id):
            if task.kind == TaskKind.TERMS_OF_REFERENCE:
                complete_task(ctx, task, actor=actor, check_permission=False)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="terms.saved",
        case_id=case_id,
        version=row.version,
        agencies=row.agency_ids,
        completion=form.completion_date.isoformat(),
    )
    return row


def _contributors(
    ctx: EngineContext, case: Case, wanted: set[int], version: int, actor: str, cipher: FieldCipher
) -> None:
    involved = {a.agency_id for a in involved_agencies(ctx.session, case.id)}
    for agency_id in sorted(wanted - involved):
        add_agency(ctx, case, agency_id, actor=actor)
    sealed = cipher.for_case(ctx.session, case.id)
    reason = sealed.encrypt_text(f"Not asked to contribute (terms of reference v{version}).")
    for agency_id in sorted(involved - wanted):
        remove_agency(ctx, case, agency_id, actor=actor, reason=reason)


# An extension agreed with OFSTED -------------------------------------------------------------


def words_of(limit: CompletionLimit) -> ExtensionWords:
    return ExtensionWords(agreed_with=limit.agreed_with, finished=limit.finished)


def who_may(roles: tuple[str, ...], act: str) -> str:
    """``roles`` doing ``act``, in words: "The panel chair, the Board Chair or ... record ..."."""
    names = [ROLE_NAMES[role] for role in dict.fromkeys(roles)]
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"{said[0].upper()}{said[1:]} {act}."


def extenders(limit: CompletionLimit) -> str:
    return who_may(limit.agreed_by, "record extensions")


def may_extend(session: Session, case: Case, actor: str) -> CompletionLimit:
    """The process's limit, when ``actor`` holds one of the roles that agree an extension
    on this case; else a refusal."""
    _, limit = limited_case(session, case.id)
    for role in limit.agreed_by:
        if actor in role_holders(session, case.id, role):
            return limit
    raise RefusedError(extenders(limit))


def agree_extension(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: ExtensionForm,
    *,
    actor: str,
) -> ReviewExtension:
    """Record the extension (its reason encrypted) and move every task due on the completion
    date, with its reminders."""
    screen(
        session,
        cipher,
        case_id,
        {"extension_reason": form.extension_reason},
        {"extension_reason": "reason for the extension"},
    )
    case, limit = limited_case(session, case_id)
    may_extend(session, case, actor)
    previous = completion_date(session, case_id)
    if form.new_completion <= previous:
        raise RefusedError(
            f"The review is already due to be {limit.finished} by {day(previous)}: "
            "choose a later date.",
            field="new_completion",
        )
    row = ReviewExtension(
        case_id=case_id,
        agreed_on=form.agreed_on,
        previous_completion=previous,
        new_completion=form.new_completion,
        reason=cipher.for_case(session, case_id).encrypt_text(form.extension_reason),
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    ctx = EngineContext(session, cal, now)
    moved = move_dependents(ctx, case_id, form.new_completion, actor, f"extension {row.id}")
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review.extended",
        case_id=case_id,
        previous=previous.isoformat(),
        completion=form.new_completion.isoformat(),
        tasks=[task.id for task in moved],
    )
    return row
