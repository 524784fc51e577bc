"""What the panel flows read and the small Slack and mail steps they share: a snapshot of
the meeting, looking people up (`users.info`, for their name and e-mail), inviting the
panel into the case channel, uploading an `.ics`, and the mailer when SMTP is set."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.calendar.invites import Organizer
from bot.calendar.mailer import InviteMailer, SmtpSettings
from bot.runtime import Runtime
from bot.services import audit
from bot.services.panel import load_meeting, panel_deadline
from bot.services.panel_invites import (
    UID_DOMAIN,
    Invitation,
    people_without_contact,
    store_contacts,
)
from bot.views.format import day
from bot.views.panel import MeetingFacts, MemberState, SlotLine, when, where
from storage.db import Database
from storage.models import Case, CaseMember

log = logging.getLogger(__name__)

INVITE_BATCH = 100
PANEL_REASON = "panel"
ONE_BY_ONE = frozenset({"already_in_channel", "user_not_found", "cant_invite_self"})


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
    deadline_text: str

    @property
    def people(self) -> list[str]:
        """Everyone on the panel except the chair."""
        return [m.user_id for m in self.members if m.user_id != self.chair]

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
        )

    def email_text(self, method: str) -> str:
        if method == "CANCEL" or self.start is None or self.end is None:
            return (
                f"The Initial Serious Case Review Panel for {self.reference} is cancelled. "
                "Your calendar will remove it when you open this message's invitation."
            )
        place = where(self.location, self.video_url)
        return (
            f"Initial Serious Case Review Panel for {self.reference}\n"
            f"When: {when(self.start, self.end)} (London time)\n"
            f"Where: {place}\n\n"
            "Please answer the invitation in your calendar or in Slack. Papers are in the "
            "case's private Slack channel."
        )


def snapshot(db: Database, meeting_id: int) -> PanelSnapshot:
    with db.session() as session:
        meeting = load_meeting(session, meeting_id)
        case = session.get(Case, meeting.case_id)
        assert case is not None
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
                PanelPerson(m.slack_user_id, MemberState(m.partstat, m.involvement, m.role))
                for m in meeting.current_members()
            ),
            removed=tuple(
                (m.slack_user_id, m.removed_seq)
                for m in meeting.members
                if m.removed_at is not None and m.removed_seq is not None
            ),
            slots=tuple(SlotLine(s.id, s.start_at, s.end_at) for s in meeting.slots),
            deadline_text=day(panel_deadline(session, case)),
        )


def look_up_contacts(runtime: Runtime, client: WebClient, meeting_id: int) -> None:
    """Each person's name and e-mail for the invitation, from `users.info` (once)."""
    with runtime.db.session() as session:
        wanted = people_without_contact(session, meeting_id)
    found: dict[str, tuple[str, str | None]] = {}
    for user in wanted:
        try:
            profile = client.users_info(user=user)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                raise
            log.warning("panel member %s is not in the workspace", user)
            found[user] = (user, None)
            continue
        details = profile.get("profile") or {}
        name = details.get("real_name") or profile.get("real_name") or profile.get("name") or user
        found[user] = (str(name)[:120], details.get("email") or None)
    if found:
        with runtime.db.session() as session:
            store_contacts(session, meeting_id, found)


def invite_to_channel(runtime: Runtime, client: WebClient, view: PanelSnapshot) -> None:
    """Panel members join the case channel: the papers are there."""
    if view.channel_id is None:
        return
    people = [m.user_id for m in view.members]
    with runtime.db.session() as session:
        known = {
            row.slack_user_id: row
            for row in session.scalars(
                select(CaseMember).where(
                    CaseMember.case_id == view.case_id, CaseMember.slack_user_id.in_(people)
                )
            )
        }
        for user in people:
            if user not in known:
                session.add(
                    CaseMember(case_id=view.case_id, slack_user_id=user, reason=PANEL_REASON)
                )
        session.flush()
        pending = [
            row.slack_user_id
            for row in session.scalars(
                select(CaseMember).where(
                    CaseMember.case_id == view.case_id,
                    CaseMember.slack_user_id.in_(people),
                    CaseMember.invited_at.is_(None),
                )
            )
        ]
    for start in range(0, len(pending), INVITE_BATCH):
        batch = pending[start : start + INVITE_BATCH]
        invited = _invite(client, view.channel_id, batch)
        with runtime.db.session() as session:
            now = runtime.clock.now()
            for row in session.scalars(
                select(CaseMember).where(
                    CaseMember.case_id == view.case_id, CaseMember.slack_user_id.in_(invited)
                )
            ):
                row.invited_at = now
            audit.record(
                session,
                at=now,
                actor="bot",
                action="panel.members_invited",
                case_id=view.case_id,
                users=sorted(invited),
            )


def _invite(client: WebClient, channel: str, users: Sequence[str]) -> list[str]:
    try:
        client.conversations_invite(channel=channel, users=",".join(users))
        return list(users)
    except SlackApiError as exc:
        if exc.response.get("error") not in ONE_BY_ONE:
            raise
    done = []
    for user in users:
        try:
            client.conversations_invite(channel=channel, users=user)
        except SlackApiError as exc:
            code = exc.response.get("error")
            if code not in ONE_BY_ONE:
                raise
            if code == "user_not_found":
                continue
        done.append(user)
    return done


def upload_ics(client: WebClient, channel: str, invitation: Invitation) -> str:
    """Share the `.ics` in a channel or DM (files_upload_v2); returns the file's id."""
    verb = "Cancellation" if invitation.method == "CANCEL" else "Calendar invitation"
    response = client.files_upload_v2(
        channel=channel,
        filename=invitation.filename,
        title=invitation.filename,
        content=invitation.ics,
        initial_comment=f"{verb} for the {invitation.reference} Initial Panel "
        f"(update {invitation.sequence}); open it to add it to your calendar.",
    )
    files = response.get("files") or [response.get("file") or {}]
    return str(files[0].get("id", ""))


def organizer_for(runtime: Runtime) -> Organizer:
    """Who the invitation comes from when the organiser's own address is not known."""
    settings = runtime.settings
    return Organizer(
        email=settings.smtp_from or f"scr-bot@{UID_DOMAIN}", name=runtime.partnership.board.name
    )


def mailer_for(runtime: Runtime) -> InviteMailer | None:
    """The invitation mailer when SMTP_HOST and SMTP_FROM are set; otherwise Slack only."""
    settings = runtime.settings
    if not settings.smtp_host or not settings.smtp_from:
        return None
    try:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            sender_name=runtime.partnership.board.name,
            starttls=settings.smtp_starttls,
        )
    except ValidationError:
        log.error("SMTP settings are incomplete: invitations go by Slack only")
        return None
    return InviteMailer(smtp, now=runtime.clock.now)
