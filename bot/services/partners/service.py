"""The safeguarding partners' decision on a local review (a Child Safeguarding Practice
Review's rapid review ends with it): the lead of each partner, the local authority, the
police and health, confirms the same answer, and the decision is recorded once all three
have; the national panel's view of it is recorded beside it. No Slack here: callers render
and send.

A lead may change their answer until the three agree (a mistaken click is put right by
clicking the other button); answers that differ are shown, and the decision waits. Each
answer given or changed is audited once: a repeat changes nothing; concurrent clicks queue
on the case's lock, so the third agreeing answer makes exactly one decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import PartnersBlock
from bot.process.registry import get_process
from bot.process.states import TaskKind
from bot.process.working_days import WorkingCalendar, day, london_date
from bot.services.cases import audit
from bot.services.cases.access import Role, roles_of, users_with_role
from bot.services.cases.identifying import screen
from bot.services.partners.schema import (
    LOCAL_REVIEW_ANSWERS,
    LOCAL_REVIEW_WORDS,
    PANEL_VIEW_WORDS,
    PARTNER_WORDS,
    Answer,
    Answered,
    Due,
    LocalReview,
    PanelView,
    PanelViewForm,
    PanelViewLine,
    Partner,
    PartnerLine,
    PartnersState,
    partners_named,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import (
    EngineContext,
    complete_task,
    open_tasks,
    record_event,
    recorded_events,
)
from bot.services.review.access import lock_case
from storage.models import Case, LocalReviewDecision, NationalPanelView, PartnerAnswer, Task
from storage.states import TaskStatus

DECIDING_TASK = TaskKind.RAPID_REVIEW
"""The task the partners' decision completes (it records the ``decision`` event)."""
NO_REVIEW_EVENT = "decided_no_local_review"
"""Recorded with a decision on no local review: the definition's route to its side stage."""

PARTNER_ROLES = {
    Partner.LOCAL_AUTHORITY: Role.LOCAL_AUTHORITY_LEAD,
    Partner.POLICE: Role.POLICE_LEAD,
    Partner.HEALTH: Role.HEALTH_LEAD,
}
VIEW_RECORDERS = frozenset({*PARTNER_ROLES.values(), Role.DELEGATED_LEAD, Role.ADMIN})

NOT_A_LEAD = (
    "Only the safeguarding partners' leads (the local authority, the police and health) "
    "confirm this decision. Nothing has changed, and your attempt has been recorded."
)
NOT_FOR_VIEW = (
    "Only the safeguarding partners' leads, their delegated lead or the business unit record "
    "the national panel's view. Nothing has changed, and your attempt has been recorded."
)
NOT_READY = "This case is not waiting for the safeguarding partners' decision."


def partners_led_by(session: Session, user_id: str) -> list[Partner]:
    """The partners whose lead the partnership file names ``user_id``."""
    roles = roles_of(session, user_id)
    return [partner for partner, role in PARTNER_ROLES.items() if role in roles]


def decision_of(session: Session, case_id: int) -> LocalReviewDecision | None:
    return session.scalar(select(LocalReviewDecision).where(LocalReviewDecision.case_id == case_id))


def _answers(session: Session, case_id: int) -> dict[Partner, PartnerAnswer]:
    rows = session.scalars(select(PartnerAnswer).where(PartnerAnswer.case_id == case_id))
    return {Partner(row.partner): row for row in rows}


def _deciding_task(session: Session, case_id: int, *, open_only: bool = True) -> Task | None:
    query = select(Task).where(Task.case_id == case_id, Task.kind == DECIDING_TASK)
    if open_only:
        query = query.where(Task.status == TaskStatus.OPEN)
    return session.scalar(query.order_by(Task.id.desc()).limit(1))


def on_partners_path(session: Session, case_id: int) -> bool:
    """Whether the case reached the partners' decision (its task was ever created)."""
    return _deciding_task(session, case_id, open_only=False) is not None


def case_deciding(session: Session, task_id: int) -> int | None:
    """The case whose partners' decision the task ``task_id`` is."""
    task = session.get(Task, task_id)
    return task.case_id if task is not None and task.kind == DECIDING_TASK else None


def cases_awaiting_partners(session: Session) -> list[int]:
    """Open cases whose partners' decision is still to be made."""
    return list(
        session.scalars(
            select(Task.case_id)
            .join(Case, Case.id == Task.case_id)
            .where(
                Task.kind == DECIDING_TASK,
                Task.status == TaskStatus.OPEN,
                Case.closed_at.is_(None),
            )
            .distinct()
            .order_by(Task.case_id)
        )
    )


# A lead's answer ---------------------------------------------------------------------------


def confirm(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    outcome: LocalReview,
    *,
    actor: str,
) -> Answer:
    """``actor`` answers ``outcome`` for each partner they lead. Anyone else is refused (and
    audited); a repeat, a redelivery or a click after the decision changes nothing. The
    answer that makes all three agree records the decision, which ends the rapid review."""
    case = lock_case(session, case_id)
    if case is None:
        return Answer(Answered.NOT_READY)
    reference = case.reference
    led = partners_led_by(session, actor)
    if not led:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="partners_decision.refused",
            case_id=case_id,
            outcome=outcome.value,
        )
        return Answer(Answered.REFUSED, reference)
    made = decision_of(session, case_id)
    if made is not None:
        return Answer(
            Answered.ALREADY, reference, LocalReview(made.outcome), decided_at=made.decided_at
        )
    task = _deciding_task(session, case_id)
    if task is None or case.closed_at is not None:
        return Answer(Answered.NOT_READY, reference)
    answers = _answers(session, case_id)
    changed = [p for p in led if _answer(session, now, case_id, answers, p, outcome, actor)]
    awaited = tuple(p for p in Partner if p not in answers)
    others = tuple(
        (p, LocalReview(a.outcome)) for p, a in answers.items() if a.outcome != outcome.value
    )
    if not changed:
        return Answer(Answered.UNCHANGED, reference, outcome, tuple(led), others, awaited)
    if not awaited and not others:
        _decide(session, cal, now, case, task, outcome, answers, actor=actor)
        return Answer(Answered.DECIDED, reference, outcome, tuple(led), decided_at=now)
    result = Answered.DIFFERS if others else Answered.CONFIRMED
    return Answer(result, reference, outcome, tuple(led), others, awaited)


def _answer(
    session: Session,
    now: datetime,
    case_id: int,
    answers: dict[Partner, PartnerAnswer],
    partner: Partner,
    outcome: LocalReview,
    actor: str,
) -> bool:
    """Record ``partner``'s answer (audited) unless it is already ``outcome``."""
    given = answers.get(partner)
    if given is not None and given.outcome == outcome.value:
        return False
    before = {"changed_from": given.outcome} if given is not None else {}
    if given is None:
        given = PartnerAnswer(case_id=case_id, partner=partner.value)
        session.add(given)
        answers[partner] = given
    given.outcome, given.answered_by, given.answered_at = outcome.value, actor, now
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="partners_decision.confirmed",
        case_id=case_id,
        partner=partner.value,
        outcome=outcome.value,
        **before,
    )
    return True


def _decide(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    case: Case,
    task: Task,
    outcome: LocalReview,
    answers: dict[Partner, PartnerAnswer],
    *,
    actor: str,
) -> None:
    session.add(LocalReviewDecision(case_id=case.id, outcome=outcome.value, decided_at=now))
    session.flush()
    ctx = EngineContext(session, cal, now)
    if outcome is LocalReview.NONE:
        record_event(ctx, case, NO_REVIEW_EVENT, at=now, actor=actor)
    complete_task(ctx, task, actor=actor, check_permission=False)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="partners_decision.made",
        case_id=case.id,
        outcome=outcome.value,
        confirmed_by=sorted({a.answered_by for a in answers.values()}),
    )


# The national panel's view -----------------------------------------------------------------


def may_record_view(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & VIEW_RECORDERS)


def view_refusal(session: Session, now: datetime, case_id: int, actor: str) -> str | None:
    """Why ``actor`` may not record the national panel's view on the case (a refusal of
    someone without the role is audited), or None."""
    if not on_partners_path(session, case_id):
        return NOT_READY
    if may_record_view(session, actor):
        return None
    audit.record(
        session, at=now, actor=actor, action="national_panel_view.refused", case_id=case_id
    )
    return NOT_FOR_VIEW


def panel_view_of(session: Session, case_id: int) -> NationalPanelView | None:
    return session.scalar(select(NationalPanelView).where(NationalPanelView.case_id == case_id))


def record_panel_view(
    session: Session,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: PanelViewForm,
    *,
    actor: str,
) -> bool:
    """Record (or change) the national panel's view, its reason screened for the child's
    identifying details. False when it is recorded already as given; refused (on the form)
    for a case not at the partners' decision, or someone without the role."""
    field_id = PartnersBlock.PANEL_VIEW.value
    reason = form.national_panel_reason
    if reason:
        screen(session, cipher, case_id, {PartnersBlock.PANEL_REASON.value: reason})
    case = lock_case(session, case_id)
    if case is None or not on_partners_path(session, case_id):
        raise RefusedError(NOT_READY, field=field_id)
    if not may_record_view(session, actor):
        raise RefusedError(NOT_FOR_VIEW, field=field_id)
    sealed = cipher.for_case(session, case_id)
    row = panel_view_of(session, case_id)
    if row is not None and row.view == form.national_panel_view.value:
        stored = sealed.decrypt_text(row.reason) if row.reason is not None else ""
        if stored == reason:
            return False
    if row is None:
        row = NationalPanelView(case_id=case_id)
        session.add(row)
    row.view = form.national_panel_view.value
    row.reason = sealed.encrypt_text(reason) if reason else None
    row.recorded_by, row.recorded_at = actor, now
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="national_panel_view.recorded",
        case_id=case_id,
        view=form.national_panel_view.value,
    )
    return True


# Where it stands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    lines: list[PartnerLine]
    decision: LocalReviewDecision | None
    view: NationalPanelView | None


def _facts(session: Session, case_id: int) -> _Facts:
    answers = _answers(session, case_id)
    lines = []
    for partner, role in PARTNER_ROLES.items():
        given = answers.get(partner)
        lines.append(
            PartnerLine(
                partner,
                users_with_role(session, role),
                LocalReview(given.outcome) if given else None,
                given.answered_by if given else None,
                given.answered_at if given else None,
            )
        )
    return _Facts(lines, decision_of(session, case_id), panel_view_of(session, case_id))


def partners_state(session: Session, cipher: FieldCipher, case_id: int) -> PartnersState | None:
    """The partners' decision on the case as its messages show it (None for a case that has
    not reached it)."""
    case = session.get(Case, case_id)
    if case is None or not on_partners_path(session, case_id):
        return None
    facts = _facts(session, case_id)
    view = None
    if facts.view is not None:
        sealed = cipher.for_case(session, case_id)
        reason = sealed.decrypt_text(facts.view.reason) if facts.view.reason else ""
        view = PanelViewLine(
            PanelView(facts.view.view), reason, facts.view.recorded_by, facts.view.recorded_at
        )
    made = facts.decision
    due: list[Due] = []
    following = None
    if made is not None:
        due, following = _what_follows(session, case)
    return PartnersState(
        case.reference,
        case_id,
        case.channel_id,
        facts.lines,
        LocalReview(made.outcome) if made else None,
        made.decided_at if made else None,
        view,
        due,
        following,
    )


def _what_follows(session: Session, case: Case) -> tuple[list[Due], str | None]:
    """The case's next steps once decided: the new stage's (its title None), or, while the
    deciding stage waits on its other tasks (the rapid review report), those tasks and the
    title of the stage they lead to."""
    process = get_process(case.process_key)
    due = [
        Due(process.task(task.kind).title, london_date(task.due_at))
        for task in open_tasks(session, case.id)
        if task.agency_id is None
    ]
    deciding = process.stage_of(DECIDING_TASK)
    if case.stage != deciding.key:
        return due, None
    following = process.next_stage(deciding.key, recorded_events(session, case.id))
    return due, following.title if following else None


def card_lines(session: Session, case: Case) -> list[str]:
    """The case card's lines: who has confirmed and who is awaited while the partners
    decide; the decision once made; the national panel's view (its reason is in the
    decision's messages). A process without the decision has nothing to read."""
    if not any(t.kind == DECIDING_TASK for t in get_process(case.process_key).all_tasks):
        return []
    if not on_partners_path(session, case.id):
        return []
    facts = _facts(session, case.id)
    lines = []
    if facts.decision is not None:
        on = day(london_date(facts.decision.decided_at))
        words = LOCAL_REVIEW_WORDS[LocalReview(facts.decision.outcome)]
        lines.append(
            f"*The safeguarding partners' decision*: {words} ({on}), confirmed by "
            f"{partners_named(facts.lines)}"
        )
    elif _deciding_task(session, case.id) is not None:
        lines.append(_awaiting_line(facts))
    if facts.view is not None:
        on = day(london_date(facts.view.recorded_at))
        view = PANEL_VIEW_WORDS[PanelView(facts.view.view)]
        lines.append(f"*The national panel's view*: {view} (recorded {on})")
    return lines


def _awaiting_line(facts: _Facts) -> str:
    confirmed, awaited = [], []
    for line in facts.lines:
        who = PARTNER_WORDS[line.partner]
        if line.answer is not None and line.answered_by is not None:
            answer = LOCAL_REVIEW_ANSWERS[line.answer]
            confirmed.append(f"{who} (<@{line.answered_by}>: {answer})")
        elif line.leads:
            awaited.append(f"{who} (" + ", ".join(f"<@{u}>" for u in line.leads) + ")")
        else:
            awaited.append(f"{who} (no lead named in the partnership file)")
    parts = []
    if confirmed:
        parts.append("confirmed by " + "; ".join(confirmed))
    if awaited:
        parts.append("awaited: " + "; ".join(awaited))
    text = "*Awaiting the safeguarding partners' decision on a local review*: " + " · ".join(parts)
    if len({line.answer for line in facts.lines if line.answer}) > 1:
        text += " · the leads' answers differ: the decision waits until all three agree"
    return text
