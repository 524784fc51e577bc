"""Delivering a panel meeting's revisions: what each revision is (a snapshot of the meeting,
its `.ics` as an RFC 5546 REQUEST or CANCEL, the people it goes to with their addresses),
what has been delivered of it (a ledger, so a retried delivery never sends anything twice),
and a lease on sending it, so that the worker and the request that changed the meeting
never send the same thing side by side. No Slack here: bot.flows.panel sends."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.calendar.invites import (
    Attendee,
    Meeting,
    Method,
    Organizer,
    build_cancel,
    build_request,
    build_uninvite,
    ics_filename,
    new_uid,
    no_mail_address,
)
from bot.services.cases import audit
from bot.services.panel.meetings import (
    INITIAL,
    load_meeting,
    meeting_case,
    panel_deadline,
)
from bot.services.panel.schema import (
    INITIAL_TITLE,
    PURPOSES,
    REVIEW_PURPOSE,
    MeetingFacts,
    MemberState,
    PartStat,
    SlotLine,
    calendar_title,
)
from storage.claim import claimed
from storage.db import Database
from storage.models import CaseMember, PanelDelivery, PanelMeeting, PanelMember
from storage.states import MeetingStatus

PANEL_REASON = "panel"


DISTRIBUTION_LEASE = timedelta(minutes=5)


def delivered_to(db: Database, meeting_id: int, sequence: int, channel: str) -> set[str]:
    with db.reading() as session:
        return set(
            session.scalars(
                select(PanelDelivery.target).where(
                    PanelDelivery.meeting_id == meeting_id,
                    PanelDelivery.sequence == sequence,
                    PanelDelivery.channel == channel,
                )
            )
        )


def record_delivery(
    db: Database,
    meeting_id: int,
    sequence: int,
    channel: str,
    target: str,
    *,
    ref: str | None,
    now: datetime,
) -> None:
    """Note one delivery; a second note of the same one (a concurrent retry) is ignored."""
    try:
        with db.session() as session:
            session.add(
                PanelDelivery(
                    meeting_id=meeting_id,
                    sequence=sequence,
                    channel=channel,
                    target=target,
                    ref=ref,
                    delivered_at=now,
                )
            )
    except IntegrityError:
        return


def claim_distribution(db: Database, meeting_id: int, now: datetime) -> bool:
    """Take the sending of the meeting's current revision for a while, so that the worker and
    the request that changed the meeting never send the same thing side by side."""
    with db.session() as session:
        return claimed(
            session,
            PanelMeeting,
            PanelMeeting.id == meeting_id,
            _not_being_sent(now),
            distributing_until=now + DISTRIBUTION_LEASE,
        )


def _not_being_sent(now: datetime) -> ColumnElement[bool]:
    return or_(
        PanelMeeting.distributing_until.is_(None),
        PanelMeeting.distributing_until <= now,
    )


def finish_distribution(db: Database, meeting_id: int, sequence: int, now: datetime) -> None:
    """The revision has reached everyone it concerns (audited once per revision)."""
    with db.session() as session:
        meeting = session.get(PanelMeeting, meeting_id)
        if meeting is None:
            return
        first_time = meeting.distributed_seq is None or meeting.distributed_seq < sequence
        meeting.distributed_seq = max(sequence, meeting.distributed_seq or 0)
        meeting.distributing_until = None
        if first_time:
            audit.record(
                session,
                at=now,
                actor="bot",
                action="panel.sent",
                case_id=meeting.case_id,
                meeting_id=meeting.id,
                sequence=sequence,
                status=meeting.status,
            )


def postpone_distribution(db: Database, meeting_id: int, until: datetime) -> None:
    with db.session() as session:
        meeting = session.get(PanelMeeting, meeting_id)
        if meeting is not None:
            meeting.distributing_until = until


def pending_distributions(db: Database, now: datetime) -> list[int]:
    """Meetings whose latest revision has not reached everyone yet (Slack or the mail relay
    failed part-way), while it still matters."""
    with db.reading() as session:
        return list(
            session.scalars(
                select(PanelMeeting.id)
                .where(
                    PanelMeeting.status.in_(
                        (MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED)
                    ),
                    or_(
                        PanelMeeting.distributed_seq.is_(None),
                        PanelMeeting.distributed_seq < PanelMeeting.sequence,
                    ),
                    _not_being_sent(now),
                    or_(PanelMeeting.end_at.is_(None), PanelMeeting.end_at > now),
                )
                .order_by(PanelMeeting.id)
            )
        )


# What a revision is ---------------------------------------------------------------------


@dataclass(frozen=True)
class PanelPerson:
    user_id: str
    state: MemberState


@dataclass(frozen=True)
class PanelSnapshot:
    meeting_id: int
    case_id: int
    reference: str
    channel_id: str | None
    status: str
    sequence: int
    start: datetime | None
    end: datetime | None
    location: str | None
    video_url: str | None
    chair: str
    organiser: str
    members: tuple[PanelPerson, ...]
    removed: tuple[tuple[str, int], ...]
    slots: tuple[SlotLine, ...]
    deadline: date
    attended: tuple[str, ...]
    title: str = INITIAL_TITLE

    @property
    def initial(self) -> bool:
        return self.title == INITIAL_TITLE

    @property
    def people(self) -> list[str]:
        """Everyone on the panel except the chair."""
        return [m.user_id for m in self.members if m.user_id != self.chair]

    def member(self, user: str) -> PanelPerson | None:
        return next((m for m in self.members if m.user_id == user), None)

    def facts(self) -> MeetingFacts:
        assert self.start is not None and self.end is not None
        return MeetingFacts(
            meeting_id=self.meeting_id,
            reference=self.reference,
            sequence=self.sequence,
            start=self.start,
            end=self.end,
            location=self.location,
            video_url=self.video_url,
            chair=self.chair,
            organiser=self.organiser,
            channel_id=self.channel_id,
            title=self.title,
        )


def meeting_title(session: Session, meeting: PanelMeeting) -> str:
    """The Initial Panel, or its purpose's title: "Rapid review meeting", or "Review panel
    meeting 2" when numbered (among the case's meetings of that purpose, cancelled ones
    included, in the order they were first arranged)."""
    if meeting.purpose == INITIAL:
        return INITIAL_TITLE
    purpose = PURPOSES[meeting.purpose]
    if not purpose.numbered:
        return purpose.title
    number = session.scalar(
        select(func.count()).where(
            PanelMeeting.case_id == meeting.case_id,
            PanelMeeting.purpose == meeting.purpose,
            PanelMeeting.id <= meeting.id,
        )
    )
    return f"{purpose.title} {number or 1}"


def snapshot(db: Database, meeting_id: int) -> PanelSnapshot:
    with db.reading() as session:
        meeting = load_meeting(session, meeting_id)
        case = meeting_case(session, meeting)
        return PanelSnapshot(
            meeting_id=meeting.id,
            case_id=case.id,
            reference=case.reference,
            channel_id=case.channel_id,
            status=meeting.status,
            sequence=meeting.sequence,
            start=meeting.start_at,
            end=meeting.end_at,
            location=meeting.location,
            video_url=meeting.video_url,
            chair=meeting.chair,
            organiser=meeting.organiser,
            members=tuple(
                PanelPerson(
                    m.slack_user_id,
                    MemberState(m.partstat, m.involvement, m.role, bool(m.answered_by_email)),
                )
                for m in meeting.current_members()
            ),
            removed=tuple(
                (m.slack_user_id, m.removed_seq)
                for m in meeting.members
                if m.removed_at is not None and m.removed_seq is not None
            ),
            slots=tuple(SlotLine(s.id, s.start_at, s.end_at) for s in meeting.slots),
            deadline=panel_deadline(session, case),
            attended=tuple(m.slack_user_id for m in meeting.members if m.attended),
            title=meeting_title(session, meeting),
        )


# The calendar invitations -----------------------------------------------------------

ICS_KIND = "initial-panel"
UID_DOMAIN = "scr-bot.local"
ORGANISER_COPY = "organiser-copy"
"""The delivery ledger's target for the copy kept in the organising mailbox."""


@dataclass(frozen=True)
class Recipient:
    """Someone an invitation e-mail goes to; ``user_id`` keys the delivery ledger.
    ``copied``: the convener, copied for information and not asked to answer."""

    user_id: str
    name: str
    email: str
    copied: bool = False


@dataclass(frozen=True)
class Invitation:
    """One revision's `.ics`, and the people it is e-mailed to (those with an address); in
    Slack it goes to everyone on the panel.

    ``removal``: a CANCEL for people taken off a panel that still meets, rather than the
    panel's cancellation. ``organiser_copy``: the organising mailbox (the ORGANIZER),
    which is sent a copy of every REQUEST and CANCEL.
    """

    reference: str
    filename: str
    method: Method
    sequence: int
    ics: bytes
    recipients: tuple[Recipient, ...]
    removal: bool = False
    organiser_copy: Recipient | None = None
    title: str = INITIAL_TITLE

    @property
    def subject(self) -> str:
        if self.removal:
            verb = "Taken off the panel"
        elif self.method == "CANCEL":
            verb = "Cancelled"
        elif self.sequence > 0:
            verb = "Updated invitation"
        else:
            verb = "Invitation"
        return f"{verb}: {self.reference} {calendar_title(self.title)}"


def summary(reference: str, title: str = INITIAL_TITLE) -> str:
    return f"{reference}: {calendar_title(title)}"


def description(
    reference: str,
    video_url: str | None,
    title: str = INITIAL_TITLE,
    about: str = REVIEW_PURPOSE.about,
) -> str:
    """``about``: what a meeting other than the Initial Panel is part of (its purpose's)."""
    panel = "Initial Serious Case Review Panel" if title == INITIAL_TITLE else f"{title} {about}"
    text = (
        f"{panel} for {reference}. Papers and discussion are in the case's private Slack channel."
    )
    return f"{text}\nJoin online: {video_url}" if video_url else text


def _recipient(member: PanelMember) -> Recipient | None:
    if not member.email:
        return None
    return Recipient(member.slack_user_id, member.name or member.slack_user_id, member.email)


def _organizer(meeting: PanelMeeting, board: Organizer | None) -> Organizer:
    """With a mailbox, the Board's organises and the person who convened the panel is its
    SENT-BY. Without one, the convener organises: a calendar's answer then reaches a
    person rather than an address nobody reads."""
    convener = meeting.organiser_email
    try:
        if board is not None:
            return Organizer(email=board.email, name=board.name, sent_by=convener or None)
        if convener:
            return Organizer(email=convener, name=meeting.organiser_name or "Panel organiser")
    except ValidationError:
        pass
    return board or Organizer(email=f"scr-bot@{UID_DOMAIN}", name="Panel organiser")


def _convener(meeting: PanelMeeting, people: list[PanelMember]) -> Recipient | None:
    """The convener, when not on the panel themselves, is copied for information."""
    if meeting.organiser in {m.slack_user_id for m in people} or not meeting.organiser_email:
        return None
    if meeting.organiser_email.lower() in {(m.email or "").lower() for m in people}:
        return None
    try:
        Attendee(email=meeting.organiser_email, name=meeting.organiser_name or "Organiser")
    except ValidationError:
        return None
    return Recipient(
        meeting.organiser,
        meeting.organiser_name or "Panel organiser",
        meeting.organiser_email,
        copied=True,
    )


def _copied(convener: Recipient) -> Attendee:
    """The convener, copied for information: not asked to reply."""
    return Attendee(
        email=convener.email,
        name=convener.name,
        role="NON-PARTICIPANT",
        partstat=PartStat.ACCEPTED,
        rsvp=False,
    )


def _attendee(member: PanelMember) -> Attendee:
    """Everyone on the panel is an ATTENDEE; someone with no e-mail address (reached only in
    Slack) under a ``urn:uuid:`` address that cannot be mailed, so that every copy of the
    file shows the whole panel."""
    return Attendee(
        email=member.email or None,
        name=member.name or member.slack_user_id,
        role="CHAIR" if member.role == "chair" else "REQ-PARTICIPANT",
        partstat=member.partstat,
        no_mail_address=None if member.email else no_mail_address(member.slack_user_id),
    )


def _meeting(
    meeting: PanelMeeting,
    reference: str,
    people: list[PanelMember],
    board: Organizer | None,
    *,
    with_convener: bool,
    title: str,
) -> tuple[Meeting, tuple[Recipient, ...]] | None:
    if not people or meeting.start_at is None or meeting.end_at is None:
        return None
    recipients = [r for r in (_recipient(m) for m in people) if r is not None]
    convener = _convener(meeting, people) if with_convener else None
    attendees = [_attendee(m) for m in people]
    if convener is not None:
        recipients.append(convener)
        attendees.append(_copied(convener))
    model = Meeting(
        uid=meeting.uid,
        sequence=meeting.sequence,
        case_reference=reference,
        summary=summary(reference, title),
        description=description(reference, meeting.video_url, title, _about(meeting)),
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location or ("Video call" if meeting.video_url else None),
        url=meeting.video_url,
        organizer=_organizer(meeting, board),
        attendees=attendees,
    )
    return model, tuple(recipients)


def _about(meeting: PanelMeeting) -> str:
    purpose = PURPOSES.get(meeting.purpose)
    return purpose.about if purpose is not None else ""


def request_invitation(
    session: Session, meeting_id: int, *, dtstamp: datetime, organizer: Organizer | None
) -> Invitation | None:
    """The current revision as a REQUEST, for Slack and for those with an e-mail address.
    ``organizer``: the Board's mailbox the e-mails come from, None when there is none."""
    meeting = load_meeting(session, meeting_id)
    return _invitation(session, meeting, meeting.current_members(), "REQUEST", dtstamp, organizer)


def cancel_invitation(
    session: Session,
    meeting_id: int,
    *,
    dtstamp: datetime,
    organizer: Organizer | None,
    only: Iterable[str] | None = None,
) -> Invitation | None:
    """A CANCEL for the whole panel, or for ``only`` the people taken off it (a panel that
    still meets: no STATUS:CANCELLED, and nobody else is sent it)."""
    meeting = load_meeting(session, meeting_id)
    wanted = set(only) if only is not None else None
    if wanted is not None and organizer is not None and meeting.organiser_email:
        # A convener who leaves the panel is still copied on it: no CANCEL for them.
        wanted.discard(meeting.organiser)
    people = [
        m
        for m in meeting.members
        if (wanted is None and m.removed_at is None)
        or (wanted is not None and m.slack_user_id in wanted)
    ]
    return _invitation(
        session, meeting, people, "CANCEL", dtstamp, organizer, removal=wanted is not None
    )


def _invitation(
    session: Session,
    meeting: PanelMeeting,
    people: list[PanelMember],
    method: Method,
    dtstamp: datetime,
    organizer: Organizer | None,
    *,
    removal: bool = False,
) -> Invitation | None:
    reference = meeting_case(session, meeting).reference
    with_convener = organizer is not None and not removal
    title = meeting_title(session, meeting)
    built = _meeting(
        meeting, reference, people, organizer, with_convener=with_convener, title=title
    )
    if built is None:
        return None
    model, recipients = built
    if removal:
        ics = build_uninvite(model, dtstamp=dtstamp)
    elif method == "CANCEL":
        ics = build_cancel(model, dtstamp=dtstamp)
    else:
        ics = build_request(model, dtstamp=dtstamp)
    copy_target = ORGANISER_COPY if not removal else f"{ORGANISER_COPY}:{people[0].slack_user_id}"
    copy = Recipient(copy_target, organizer.name, organizer.email) if organizer else None
    return Invitation(
        reference,
        ics_filename(reference, ICS_KIND if title == INITIAL_TITLE else title),
        method,
        meeting.sequence,
        ics,
        recipients,
        removal=removal,
        organiser_copy=copy,
        title=title,
    )


def people_without_contact(session: Session, meeting_id: int) -> list[str]:
    """Panel members (and the organiser) whose name and address are not looked up yet."""
    meeting = load_meeting(session, meeting_id)
    users = [m.slack_user_id for m in meeting.current_members() if m.name is None]
    if meeting.organiser_name is None:
        users.append(meeting.organiser)
    return list(dict.fromkeys(users))


def store_contacts(
    session: Session, meeting_id: int, contacts: dict[str, tuple[str, str | None]]
) -> None:
    """Record each person's display name and e-mail (``users.info``)."""
    meeting = load_meeting(session, meeting_id)
    for member in meeting.members:
        found = contacts.get(member.slack_user_id)
        if found is not None:
            member.name, member.email = found
    found = contacts.get(meeting.organiser)
    if found is not None:
        meeting.organiser_name, meeting.organiser_email = found


def uid_domain(sender: str | None) -> str:
    """UIDs are scoped to the mail domain the invitations come from, when there is one."""
    if sender and "@" in sender:
        domain = sender.rsplit("@", 1)[1].strip().lower()
        if domain:
            return domain
    return UID_DOMAIN


def new_panel_uid(sender: str | None) -> str:
    """A new meeting's UID, fixed for its life."""
    return new_uid(uid_domain(sender))


# The panel in the case channel -------------------------------------------------------------


def members_to_invite(db: Database, case_id: int, people: list[str]) -> list[str]:
    """Panel members join the case channel (the papers are there): those not invited yet,
    recorded as case members for the panel."""
    with db.session() as session:
        known = set(
            session.scalars(
                select(CaseMember.slack_user_id).where(
                    CaseMember.case_id == case_id, CaseMember.slack_user_id.in_(people)
                )
            )
        )
        for user in people:
            if user not in known:
                session.add(CaseMember(case_id=case_id, slack_user_id=user, reason=PANEL_REASON))
        session.flush()
        return list(
            session.scalars(
                select(CaseMember.slack_user_id).where(
                    CaseMember.case_id == case_id,
                    CaseMember.slack_user_id.in_(people),
                    CaseMember.invited_at.is_(None),
                )
            )
        )


def mark_invited(db: Database, case_id: int, users: list[str], now: datetime) -> None:
    with db.session() as session:
        for row in session.scalars(
            select(CaseMember).where(
                CaseMember.case_id == case_id, CaseMember.slack_user_id.in_(users)
            )
        ):
            row.invited_at = now
        audit.record(
            session,
            at=now,
            actor="bot",
            action="panel.members_invited",
            case_id=case_id,
            users=sorted(users),
        )
