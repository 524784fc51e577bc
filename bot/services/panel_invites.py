"""The panel's calendar invitations as the database knows the meeting: the `.ics` for each
revision (RFC 5546 REQUEST or CANCEL), and the people it goes to with their addresses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.calendar.invites import (
    Attendee,
    Meeting,
    Method,
    Organizer,
    build_cancel,
    build_request,
    ics_filename,
)
from bot.services.panel import load_meeting
from storage.models import Case, PanelMeeting, PanelMember

ICS_KIND = "initial-panel"
UID_DOMAIN = "scr-bot.local"


@dataclass(frozen=True)
class Recipient:
    user_id: str
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    """One revision's `.ics`, and the attendees it names (those with an e-mail address)."""

    reference: str
    filename: str
    method: Method
    sequence: int
    ics: bytes
    recipients: tuple[Recipient, ...]

    @property
    def subject(self) -> str:
        verb = "Cancelled" if self.method == "CANCEL" else "Invitation"
        return f"{verb}: {self.reference} Initial SCR Panel"


def summary(reference: str) -> str:
    return f"{reference}: Initial SCR Panel"


def description(reference: str, video_url: str | None) -> str:
    text = (
        f"Initial Serious Case Review Panel for {reference}. Papers and discussion are in "
        "the case's private Slack channel."
    )
    return f"{text}\nJoin online: {video_url}" if video_url else text


def _recipient(member: PanelMember) -> Recipient | None:
    if not member.email:
        return None
    return Recipient(member.slack_user_id, member.name or member.slack_user_id, member.email)


def _organizer(meeting: PanelMeeting, fallback: Organizer) -> Organizer:
    if meeting.organiser_email:
        try:
            return Organizer(
                email=meeting.organiser_email, name=meeting.organiser_name or "Panel organiser"
            )
        except ValidationError:
            return fallback
    return fallback


def _meeting(
    meeting: PanelMeeting, reference: str, people: list[PanelMember], fallback: Organizer
) -> tuple[Meeting, tuple[Recipient, ...]] | None:
    recipients = [r for r in (_recipient(m) for m in people) if r is not None]
    if not recipients or meeting.start_at is None or meeting.end_at is None:
        return None
    roles = {m.slack_user_id: m for m in people}
    attendees = [
        Attendee(
            email=r.email,
            name=r.name,
            role="CHAIR" if roles[r.user_id].role == "chair" else "REQ-PARTICIPANT",
            partstat=roles[r.user_id].partstat,
        )
        for r in recipients
    ]
    model = Meeting(
        uid=meeting.uid,
        sequence=meeting.sequence,
        case_reference=reference,
        summary=summary(reference),
        description=description(reference, meeting.video_url),
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location or ("Video call" if meeting.video_url else None),
        url=meeting.video_url,
        organizer=_organizer(meeting, fallback),
        attendees=attendees,
    )
    return model, tuple(recipients)


def request_invitation(
    session: Session, meeting_id: int, *, dtstamp: datetime, organizer: Organizer
) -> Invitation | None:
    """The current revision as a REQUEST; None when nobody on the panel has an address."""
    meeting = load_meeting(session, meeting_id)
    reference = _reference(session, meeting)
    built = _meeting(meeting, reference, meeting.current_members(), organizer)
    if built is None:
        return None
    model, recipients = built
    return Invitation(
        reference,
        ics_filename(reference, ICS_KIND),
        "REQUEST",
        meeting.sequence,
        build_request(model, dtstamp=dtstamp),
        recipients,
    )


def cancel_invitation(
    session: Session,
    meeting_id: int,
    *,
    dtstamp: datetime,
    organizer: Organizer,
    only: Iterable[str] | None = None,
) -> Invitation | None:
    """A CANCEL for the whole panel, or for ``only`` the people taken off it."""
    meeting = load_meeting(session, meeting_id)
    reference = _reference(session, meeting)
    wanted = set(only) if only is not None else None
    people = [
        m
        for m in meeting.members
        if (wanted is None and m.removed_at is None)
        or (wanted is not None and m.slack_user_id in wanted)
    ]
    built = _meeting(meeting, reference, people, organizer)
    if built is None:
        return None
    model, recipients = built
    return Invitation(
        reference,
        ics_filename(reference, ICS_KIND),
        "CANCEL",
        meeting.sequence,
        build_cancel(model, dtstamp=dtstamp),
        recipients,
    )


def _reference(session: Session, meeting: PanelMeeting) -> str:
    case = session.get(Case, meeting.case_id)
    assert case is not None
    return case.reference


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
