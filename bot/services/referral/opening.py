"""Opening a case from a referral, and the record of its set-up in Slack.

The referral is kept, sealed, in the person's own transaction (two inserts: the referral and
the job that opens it), so they are answered at once; the job opens the case in one
transaction of its own, with the job that sets it up in Slack (the outbox); the set-up
(channel, invitations, card, DMs) runs from the outbox, one step at a time, and each step's
result is recorded here before the next begins, so a retry resumes where Slack stopped."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.crypto import FieldCipher
from bot.ids import Job, ReferralBlock
from bot.process.registry import DEFAULT_PROCESS_KEY, get_process, process_keys
from bot.process.working_days import LONDON, WorkingCalendar
from bot.services import outbox
from bot.services.cases import audit
from bot.services.cases.access import (
    AgencyRole,
    Role,
    active_agencies,
    agencies_of,
    is_partnership_member,
    load_case,
    roles_of,
    unique_in_order,
    users_with_roles,
)
from bot.services.cases.card import build_case_card, involved_agency_names
from bot.services.cases.identifying import identifiers_of
from bot.services.cases.schema import CaseCard
from bot.services.first_month.schema import Briefing
from bot.services.first_month.tasks import agency_briefings, done_by_referral
from bot.services.referral.schema import (
    NOT_A_MEMBER,
    NOT_A_PARTNER,
    OWN_AGENCY,
    AgencyChoice,
    ProcessChoice,
    ReferralSubmission,
    WaitingReferral,
    received_referral,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext, case_tasks, start_case
from storage.claim import conflict_insert, inserted, inserted_row
from storage.db import Database
from storage.models import (
    Agency,
    AgencyMember,
    Case,
    CaseMember,
    CaseReferenceCounter,
    ReceivedReferral,
    RoleAssignment,
    table_of,
)
from storage.states import SetupStatus

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class OpenedCase:
    case_id: int
    reference: str
    created: bool
    setup: outbox.ClaimedJob | None = None
    """The set-up job queued with the case, when it was queued taken (`outbox.Lease`)."""


@dataclass(frozen=True)
class ReferralChoices:
    """What the referral modal offers this person: the agencies they may refer for, and,
    for the business unit, the processes a case can follow (the partnership's default
    first; nobody else chooses)."""

    agencies: list[AgencyChoice]
    default_agency: int | None
    processes: list[ProcessChoice] = field(default_factory=list)


NOT_YOUR_CHOICE = "Only the Board business unit can choose the process a case follows."
UNKNOWN_PROCESS = "That process is not one the bot knows."


def process_choices(session: Session, user_id: str, default: str) -> list[ProcessChoice]:
    """The processes the business unit may pick from, the default first; none for others."""
    if Role.ADMIN not in roles_of(session, user_id):
        return []
    keys = [default, *(key for key in process_keys() if key != default)]
    return [ProcessChoice(key, get_process(key).title) for key in keys]


def chosen_process(session: Session, user_id: str, wanted: str | None, default: str) -> str:
    """The process a referral's case follows: the partnership's default, or another the
    business unit picked."""
    if wanted is None or wanted == default:
        return default
    if wanted not in process_keys():
        raise RefusedError(UNKNOWN_PROCESS, field=ReferralBlock.PROCESS.value)
    if Role.ADMIN not in roles_of(session, user_id):
        raise RefusedError(NOT_YOUR_CHOICE, field=ReferralBlock.PROCESS.value)
    return wanted


def format_reference(year: int, number: int) -> str:
    return f"SCR-{year}-{number:03d}"


REFER_FOR_ANY = frozenset({Role.CPU, Role.ADMIN, Role.BOARD_CHAIR})
"""The roles that refer on any agency's behalf."""


def _allowed_agency_ids(session: Session, user_id: str) -> set[int] | None:
    """None means any agency (CPU and Board admins refer on anyone's behalf)."""
    if roles_of(session, user_id) & REFER_FOR_ANY:
        return None
    return {a.id for a in agencies_of(session, user_id)}


def referral_choices(
    session: Session, user_id: str, default_process: str = DEFAULT_PROCESS_KEY
) -> ReferralChoices:
    """The agencies this person may refer for, their own first chosen, and the processes
    they may choose from; refused to anyone outside the partnership."""
    if not is_partnership_member(session, user_id):
        raise RefusedError(NOT_A_MEMBER)
    allowed = _allowed_agency_ids(session, user_id)
    own = [a.id for a in agencies_of(session, user_id)]
    return ReferralChoices(
        [
            AgencyChoice(a.id, a.name)
            for a in active_agencies(session)
            if allowed is None or a.id in allowed
        ],
        own[0] if own else None,
        process_choices(session, user_id, default_process),
    )


def _take_number(session: Session, case: Case, personal_data: bytes) -> None:
    """Give the case the next number of its year (the year's first makes its counter),
    written with its encrypted ``personal_data`` in one statement. The counter's row (on
    SQLite, the write lock) is held from here to the commit, so this comes last: concurrent
    referrals do the rest of their work side by side and queue only to number and commit, in
    that order, leaving no gap."""
    number = session.execute(
        conflict_insert(session)(CaseReferenceCounter)
        .values(year=case.year, last_number=1)
        .on_conflict_do_update(
            index_elements=["year"],
            set_={"last_number": CaseReferenceCounter.last_number + 1},
        )
        .returning(CaseReferenceCounter.last_number)
    ).scalar_one()
    written = {
        "number": int(number),
        "reference": format_reference(case.year, int(number)),
        "personal_data": personal_data,
    }
    # the table's own update, and the case told it is written: the commit has nothing left
    # to flush (a flush costs the request more than the row does)
    cases = table_of(Case)
    session.execute(update(cases).where(cases.c.id == case.id), written)
    for name, value in written.items():
        set_committed_value(case, name, value)


def _provisional() -> tuple[str, int]:
    """A reference and number no other case has, held until the case takes its own (in the
    same transaction, so no one else ever sees them)."""
    return f"~{secrets.token_hex(8)}", -1 - secrets.randbelow(2**31 - 1)


@dataclass(frozen=True)
class CheckedReferral:
    """A referral checked against the partnership, with what its case is first made from:
    read before the case is written, so on SQLite the reads do not hold the write lock that
    every other referral queues for."""

    actor: str
    view_id: str
    agency_id: int
    process_key: str
    members: list[tuple[str, str]]
    """Who is on the case from the start, and why."""
    designated: list[str]
    """The referring agency's designated persons."""
    existing: OpenedCase | None
    """The case this same modal already opened (a submission delivered twice)."""


def check_referral(
    session: Session,
    submission: ReferralSubmission,
    *,
    actor: str,
    view_id: str,
    process_key: str,
) -> CheckedReferral:
    """A member of the partnership referring for an agency they may refer for; refused
    (`RefusedError`, keyed by the agency field) otherwise. Reads only: the roles in one
    statement, the agencies in one, and the modal's case, if it opened one already."""
    field = ReferralBlock.AGENCY.value
    holders = _role_holders(session, actor)
    roles = {role for role, users in holders.items() if actor in users}
    agencies = _agency_people(session, actor, submission.referring_agency)
    own = {
        agency
        for agency, (active, people) in agencies.items()
        if active and any(user == actor for user, _ in people)
    }
    if not roles and not own:
        raise RefusedError(NOT_A_MEMBER, field=field)
    if not roles & REFER_FOR_ANY and submission.referring_agency not in own:
        raise RefusedError(OWN_AGENCY, field=field)
    active, people = agencies.get(submission.referring_agency, (False, []))
    if not active:
        raise RefusedError(NOT_A_PARTNER, field=field)
    designated = unique_in_order(u for u, role in people if role == AgencyRole.DESIGNATED_PERSON)
    members: dict[str, str] = {actor: "referrer"}
    for user in holders.get(Role.CPU, []):
        members.setdefault(user, "cpu")
    for user in holders.get(Role.ADMIN, []):
        members.setdefault(user, "admin")
    for user in designated:
        members.setdefault(user, "designated_person")
    return CheckedReferral(
        actor=actor,
        view_id=view_id,
        agency_id=submission.referring_agency,
        process_key=process_key,
        members=list(members.items()),
        designated=designated,
        existing=find_by_view(session, view_id),
    )


def _role_holders(session: Session, actor: str) -> dict[Role, list[str]]:
    """The referrer's own roles, and who holds the roles every new case's channel takes in
    (the CPU, the business unit), in the order they were given them."""
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.slack_user_id)
        .where(
            or_(
                RoleAssignment.slack_user_id == actor,
                RoleAssignment.role.in_([Role.CPU.value, Role.ADMIN.value]),
            )
        )
        .order_by(RoleAssignment.id)
    )
    holders: dict[Role, list[str]] = {}
    for role, user in rows:
        holders.setdefault(Role(role), []).append(user)
    return holders


def _agency_people(
    session: Session, actor: str, agency_id: int
) -> dict[int, tuple[bool, list[tuple[str, str]]]]:
    """For the referring agency and each agency the referrer belongs to: whether it is
    active, and its people with their roles, one pair per role held (of the referring
    agency, all of them; of the others, the referrer), in the order they were named."""
    rows = session.execute(
        select(Agency.id, Agency.active, AgencyMember.slack_user_id, AgencyMember.role)
        .outerjoin(AgencyMember)
        .where(or_(Agency.id == agency_id, AgencyMember.slack_user_id == actor))
        .order_by(AgencyMember.id)
    )
    agencies: dict[int, tuple[bool, list[tuple[str, str]]]] = {}
    for found, active, user, role in rows:
        people = agencies.setdefault(found, (active, []))[1]
        if user is not None:
            people.append((user, role))
    return agencies


def receive_referral(
    session: Session,
    submission: ReferralSubmission,
    checked: CheckedReferral,
    *,
    now: datetime,
    cipher: FieldCipher,
) -> OpenedCase | None:
    """Keep a checked referral, sealed, with the job that opens its case: the submission's
    whole transaction is these two inserts, so the referrer is answered while the case is
    opened and set up from the queue. The case, when this modal opened one already (a
    submission delivered twice); None while it waits to be opened."""
    if checked.existing is not None:
        return checked.existing
    identifiers_of(submission.personal_data())  # its names are kept out of logs from now on
    sealed = cipher.seal(
        {
            "submission": submission.model_dump(mode="json"),
            "agency_id": checked.agency_id,
            "process_key": checked.process_key,
            "members": checked.members,
            "designated": checked.designated,
        }
    )
    view_id = checked.view_id
    received = {"referrer": checked.actor, "received_at": now, "sealed": sealed}
    if inserted(session, ReceivedReferral, source_view_id=view_id, **received):
        outbox.enqueue(
            session, Job.CASE_OPEN, now=now, dedupe_key=f"referral:{view_id}:open", view_id=view_id
        )
    return None


OPENING_LATE = timedelta(minutes=15)
"""A referral still waiting to be opened this long after it came in is late: its referrer
and the business unit are told (once)."""


@dataclass(frozen=True)
class LateReferral:
    """A referral kept and not yet opened, past `OPENING_LATE`: who made it, when, and
    who in the business unit is told."""

    referrer: str
    received_at: datetime
    admins: list[str]


def late_referral(db: Database, view_id: str, now: datetime) -> LateReferral | None:
    """The referral received from ``view_id``, if it is still waiting to be opened and
    late; None otherwise."""
    with db.reading() as session:
        row = session.execute(
            select(ReceivedReferral.referrer, ReceivedReferral.received_at).where(
                ReceivedReferral.source_view_id == view_id
            )
        ).first()
        if row is None or now - row.received_at < OPENING_LATE:
            return None
        admins = users_with_roles(session, (Role.ADMIN,))[Role.ADMIN]
    return LateReferral(row.referrer, row.received_at, admins)


def waiting_referrals(session: Session, referrer: str, now: datetime) -> list[WaitingReferral]:
    """The referrals ``referrer`` made that wait to be opened as cases, oldest first: what
    `/scr status` shows them while there is no case yet."""
    received = session.scalars(
        select(ReceivedReferral.received_at)
        .where(ReceivedReferral.referrer == referrer)
        .order_by(ReceivedReferral.received_at)
    )
    return [WaitingReferral(at, now - at >= OPENING_LATE) for at in received]


def open_received(
    session: Session,
    view_id: str,
    *,
    cipher: FieldCipher,
    cal: WorkingCalendar,
    setup_taken: outbox.Lease | None = None,
) -> OpenedCase | None:
    """Open the case of the referral received from the modal ``view_id``, as of when it was
    received (its deadlines run from then, however long it waited), and forget the sealed
    copy in the same transaction; its set-up job is queued ``setup_taken`` (by the drainer
    opening it, to run next). The case it opened already when it was opened before; None
    when no such referral was received.

    The sealed copy is taken out of the table as it is read, in one statement: should the
    opening fail, the transaction's rollback puts it back."""
    received = table_of(ReceivedReferral)
    row = session.execute(
        delete(received).where(received.c.source_view_id == view_id).returning(received)
    ).first()
    if row is None:
        return find_by_view(session, view_id)
    kept = cipher.unseal(row.sealed)
    submission = received_referral(kept["submission"], received_on=cal.london_date(row.received_at))
    checked = CheckedReferral(
        actor=row.referrer,
        view_id=view_id,
        agency_id=int(kept["agency_id"]),
        process_key=str(kept["process_key"]),
        members=[(str(user), str(reason)) for user, reason in kept["members"]],
        designated=[str(user) for user in kept["designated"]],
        existing=None,  # a case of this modal opened already is found by the case's insert
    )
    opened = open_case(
        session,
        submission,
        checked,
        now=row.received_at,
        cipher=cipher,
        cal=cal,
        setup_taken=setup_taken,
    )
    return opened


def open_case(
    session: Session,
    submission: ReferralSubmission,
    checked: CheckedReferral,
    *,
    now: datetime,
    cipher: FieldCipher,
    cal: WorkingCalendar,
    setup_taken: outbox.Lease | None = None,
) -> OpenedCase:
    """Store a checked referral: the case, its tasks and the job that sets it up in Slack
    (queued ``setup_taken``, when given), in writes alone. The same modal submitted twice
    opens one case."""
    if checked.existing is not None:
        return checked.existing
    case = _store(session, submission, checked, now)
    if case is None:  # opened meanwhile, by another delivery of the same modal
        again = find_by_view(session, checked.view_id)
        if again is None:
            raise LookupError("the case this referral conflicted with is gone")
        return again
    actor = checked.actor
    referred = audit.record(
        session,
        at=now,
        actor=actor,
        action="case.referred",
        case_id=case.id,
        agency_id=checked.agency_id,
        criteria=case.criteria,
    )
    today = now.astimezone(LONDON).date()
    referred_at = (
        now if submission.referral_date >= today else cal.day_start(submission.referral_date)
    )
    ctx = EngineContext(session, cal, now)
    done = done_by_referral(checked.agency_id, actor, checked.designated)
    start_case(ctx, case, actor=actor, referred_at=referred_at, done=done)
    setup_key = f"case:{case.id}:setup"
    setup = None
    if setup_taken is None:
        outbox.enqueue(session, Job.CASE_SETUP, now=now, dedupe_key=setup_key, case_id=case.id)
    else:
        setup = outbox.enqueue_taken(
            session, Job.CASE_SETUP, setup_taken, now=now, dedupe_key=setup_key, case_id=case.id
        )
    details = cipher.for_new_case(session, case.id).encrypt_json(submission.personal_data())
    _take_number(session, case, details)
    audit.amend(referred, reference=case.reference)
    return OpenedCase(case.id, case.reference, created=True, setup=setup)


def _store(
    session: Session, submission: ReferralSubmission, checked: CheckedReferral, now: datetime
) -> Case | None:
    """The case row and its first members, under a provisional reference; its personal data
    is encrypted once it has an id (the id names its key). None when a case of the same
    modal is there already: the insert says so itself, with no savepoint to roll back to."""
    reference, number = _provisional()
    identifiers_of(submission.personal_data())  # its names are kept out of logs from now on
    case = inserted_row(
        session,
        Case,
        "source_view_id",
        reference=reference,
        year=now.astimezone(LONDON).year,
        number=number,
        process_key=checked.process_key,
        stage=get_process(checked.process_key).first_stage.key,
        referring_agency_id=checked.agency_id,
        referred_by=checked.actor,
        referral_date=submission.referral_date,
        created_at=now,
        criteria=[c.value for c in submission.criteria],
        source_view_id=checked.view_id,
        setup_status=SetupStatus.PENDING,
    )
    if case is None:
        return None
    # in one statement, with nothing read back (the ORM would insert them one by one)
    session.execute(
        insert(table_of(CaseMember)),
        [{"case_id": case.id, "slack_user_id": u, "reason": r} for u, r in checked.members],
    )
    return case


def find_by_view(session: Session, view_id: str) -> OpenedCase | None:
    row = session.execute(
        select(Case.id, Case.reference).where(Case.source_view_id == view_id)
    ).first()
    return None if row is None else OpenedCase(row.id, row.reference, created=False)


# The set-up's record --------------------------------------------------------------------


@dataclass(frozen=True)
class SetupState:
    """Where a case's set-up stands: read once at its start (with the card to post, if it is
    not posted yet) and carried forward by the flow as each step is recorded."""

    reference: str
    referrer: str
    referring_agency: str
    channel_id: str | None
    card_ts: str | None
    card_pinned: bool
    tried_before: bool
    complete: bool
    uninvited: list[str]
    cpu: list[str]
    admins: list[str]
    """The Board business unit, told who could not be added to the channel."""
    card: CaseCard | None = None
    """The case card as it stands, when it is still to be posted (and asked for)."""
    briefings: list[tuple[Briefing, list[str]]] = field(default_factory=list)
    """The involved agencies' briefings and who each goes to (when the card was asked for),
    read with it before the channel was made."""
    channel_made: tuple[str, str] | None = None
    """The channel this run made (id, name), not on record yet: it is recorded with the
    card's attempt (`record_channel`), or with the set-up's postponement should Slack fail
    before that; a run that dies first leaves it to be adopted when the job is resumed."""


def setup_state(
    db: Database, case_id: int, *, card_on: tuple[date, WorkingCalendar] | None = None
) -> SetupState:
    """The set-up's state from one load of the case; with ``card_on`` (today, calendar), the
    card too, if it is not posted yet, and the agencies' briefings, from the same load. A
    read: on SQLite it does not hold the write lock (the referrals being submitted
    meanwhile) while they are built."""
    with db.reading() as session:
        case = load_case(session, case_id)
        card, briefings = None, []
        if card_on is not None:
            today, cal = card_on
            tasks, involved = case_tasks(session, case_id), involved_agency_names(session, case_id)
            if case.card_ts is None:
                card = build_case_card(session, case, today, cal, tasks, involved)
            agencies = [agency_id for agency_id, _ in involved]
            briefings = agency_briefings(session, case_id, agencies, cal, today, tasks)
        holders = users_with_roles(session, (Role.CPU, Role.ADMIN))
        return SetupState(
            reference=case.reference,
            referrer=case.referred_by,
            referring_agency=case.referring_agency.name,
            channel_id=case.channel_id,
            card_ts=case.card_ts,
            card_pinned=case.card_pinned,
            tried_before=case.setup_attempts > 0,
            complete=case.setup_status == SetupStatus.COMPLETE,
            uninvited=[m.slack_user_id for m in case.members if m.invited_at is None],
            cpu=holders[Role.CPU],
            admins=holders[Role.ADMIN],
            card=card,
            briefings=briefings,
        )


def _case(session: Session, case_id: int) -> Case:
    """The case row alone, for a step that records its result."""
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


def _record(session: Session, case_id: int, **values: object) -> None:
    """A set-up step's result written to the case row, without reading the row first (nor
    touching a case the session holds)."""
    cases = table_of(Case)
    done = session.execute(update(cases).where(cases.c.id == case_id).values(**values))
    if not isinstance(done, CursorResult) or done.rowcount != 1:
        raise LookupError(f"case {case_id} does not exist")


def record_channel(
    session: Session, case_id: int, channel_id: str, name: str, now: datetime
) -> None:
    """The case's channel, written with the attempt of the card that goes into it."""
    _record(session, case_id, channel_id=channel_id, channel_name=name)
    _audit_channel(session, case_id, channel_id, now)


def _audit_channel(session: Session, case_id: int, channel_id: str, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        actor="bot",
        action="case.channel_created",
        case_id=case_id,
        channel=channel_id,
    )


def record_invited(
    session: Session,
    case_id: int,
    users: Sequence[str],
    now: datetime,
    refused: Mapping[str, str] | None = None,
) -> None:
    """Who is in the case channel now; who Slack refused (with its code) stays uninvited."""
    members = table_of(CaseMember).c
    session.execute(
        update(table_of(CaseMember))
        .where(members.case_id == case_id, members.slack_user_id.in_(list(users)))
        .values(invited_at=now)
    )
    audit.record(
        session,
        at=now,
        actor="bot",
        action="case.members_invited",
        case_id=case_id,
        users=sorted(users),
        **({"refused": dict(sorted(refused.items()))} if refused else {}),
    )


def record_card(
    session: Session,
    case_id: int,
    now: datetime,
    *,
    ts: str | None = None,
    pinned: bool = False,
    complete: bool = False,
) -> None:
    """What the set-up has done with its card, written to the case in one statement with
    the ledger's entries (or attempts) of the posts it follows: the card's ``ts``, its pin,
    and the set-up ``complete`` (its last Slack calls made)."""
    values: dict[str, object] = {} if ts is None else {"card_ts": ts}
    if pinned:
        values["card_pinned"] = True
    if complete:
        values.update(setup_status=SetupStatus.COMPLETE, setup_retry_at=None, setup_last_error=None)
    if not values:
        return
    _record(session, case_id, **values)
    if pinned:
        audit.record(session, at=now, actor="bot", action="case.card_pinned", case_id=case_id)
    if complete:
        audit.record(session, at=now, actor="bot", action="case.setup_complete", case_id=case_id)


def postpone_setup(
    db: Database,
    case_id: int,
    code: str,
    now: datetime,
    channel_made: tuple[str, str] | None = None,
) -> None:
    """Leave the set-up for the worker to resume, later each time it fails; the channel it
    made, if Slack failed before the channel was recorded with the card."""
    with db.session() as session:
        case = _case(session, case_id)
        if channel_made is not None and case.channel_id is None:
            case.channel_id, case.channel_name = channel_made
            _audit_channel(session, case_id, channel_made[0], now)
        case.setup_attempts += 1
        wait = BACKOFF[min(case.setup_attempts, len(BACKOFF)) - 1]
        case.setup_status, case.setup_retry_at, case.setup_last_error = (
            SetupStatus.PENDING,
            now + wait,
            code,
        )
        audit.record(
            session,
            at=now,
            actor="bot",
            action="case.setup_postponed",
            case_id=case_id,
            error=code,
            attempt=case.setup_attempts,
        )
