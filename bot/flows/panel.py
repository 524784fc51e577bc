"""The Initial Panel's side of Slack (and of the mail relay), all through the gateway.

Sending a meeting's latest revision to everyone it concerns: the channel announcement and
`.ics`, each member's invitation DM and `.ics`, the invitation e-mails, the cancellations
for people taken off it, or the request for available times. Every piece is recorded once
delivered (the sent-message ledger, the panel's delivery ledger), so when Slack or the mail
relay fails part-way the worker's next tick sends the rest, and nothing twice.

Then what follows an answer (the DM redrawn, the organiser told of a declared involvement,
the meeting's end announced) and the worker's panel job: catching up revisions, and the
reminders (a chase for answers, two working days before, one hour before).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from pydantic import ValidationError
from slack_sdk import WebClient

from bot.calendar.invites import Organizer
from bot.calendar.mailer import InviteMailer, InviteMailError, SmtpSettings
from bot.flows.cases import refresh_card
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.panel.answers import my_answers
from bot.services.panel.delivery import (
    Invitation,
    PanelSnapshot,
    Recipient,
    cancel_invitation,
    claim_distribution,
    delivered_to,
    finish_distribution,
    mark_invited,
    members_to_invite,
    pending_distributions,
    people_without_contact,
    postpone_distribution,
    record_delivery,
    request_invitation,
    snapshot,
    store_contacts,
)
from bot.services.panel.reminders import (
    CHASE,
    IN_WORKING_HOURS,
    PanelReminderClaim,
    claim_due,
    mark_cancelled,
    mark_failed,
    mark_sent,
    postpone,
)
from bot.services.panel.schema import MeetingFacts, MemberState, PartStat
from bot.views.format import deadline_words
from bot.views.messages import Message
from bot.views.panel import (
    availability_dm,
    cancelled_announcement,
    cancelled_dm,
    declaration_dm,
    email_text,
    held_announcement,
    ics_comment,
    invitation_dm,
    organiser_copy_text,
    proposal_announcement,
    reminder_dm,
    scheduled_announcement,
)
from storage.states import MeetingStatus

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)
MAX_ROUNDS = 3
RECIPIENT_GONE = frozenset(
    {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "channel_not_found"}
)


class RetryLaterError(Exception):
    """Part of a revision could not be sent now; the worker tries again."""


class PanelFlow:
    def __init__(self, runtime: Runtime, slack: SlackGateway) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.slack = slack
        self.mailer = mailer_for(runtime)

    def send(self, meeting_id: int) -> bool:
        """Send what the meeting's latest revision still owes anyone. False when another
        sender holds it, or when something failed and was left for the worker."""
        now = self.runtime.clock.now()
        if not claim_distribution(self.db, meeting_id, now):
            return False
        case_id: int | None = None
        try:
            for _ in range(MAX_ROUNDS):
                view = snapshot(self.db, meeting_id)
                case_id = view.case_id
                self._send(view)
                finish_distribution(self.db, meeting_id, view.sequence, self.runtime.clock.now())
                if snapshot(self.db, meeting_id).sequence == view.sequence:
                    break
                claim_distribution(self.db, meeting_id, self.runtime.clock.now())
        except (SlackError, OSError, RetryLaterError) as exc:
            log.warning("panel %s: sending postponed (%s)", meeting_id, _code(exc))
            postpone_distribution(self.db, meeting_id, now + RETRY_AFTER)
            return False
        except BaseException:
            postpone_distribution(self.db, meeting_id, now + RETRY_AFTER)
            raise
        finally:
            if case_id is not None:
                refresh_card(self.runtime, self.slack.client, case_id)
        return True

    def _send(self, view: PanelSnapshot) -> None:
        if view.status == MeetingStatus.PROPOSED:
            self._ask_for_times(view)
        elif view.status == MeetingStatus.SCHEDULED:
            self._look_up_contacts(view.meeting_id)
            self._invite_to_channel(view)
            self._send_request(snapshot(self.db, view.meeting_id))
            self._tell_removed(view)
        elif view.status == MeetingStatus.CANCELLED:
            self._look_up_contacts(view.meeting_id)
            self._send_cancellation(view)

    # a scheduled (or changed) meeting --------------------------------------------------

    def _send_request(self, view: PanelSnapshot) -> None:
        now = self.runtime.clock.now()
        with self.db.session() as session:
            invitation = request_invitation(
                session, view.meeting_id, dtstamp=now, organizer=organizer_for(self.runtime)
            )
        facts = view.facts()
        update = view.sequence > 0
        self._post(
            f"panel:{view.meeting_id}:{view.sequence}:announce",
            view.channel_id,
            scheduled_announcement(
                facts,
                view.people,
                update=update,
                emailed=self._emailing(invitation),
                with_file=invitation is not None,
            ),
        )
        self._share_in_channel(view, invitation)
        for member in view.members:
            self._post(
                f"panel:{view.meeting_id}:{view.sequence}:invite:{member.user_id}",
                member.user_id,
                invitation_dm(facts, member.state, update=update, with_file=invitation is not None),
            )
            self._share_by_dm(view, invitation, member.user_id, "ics-dm")
        self._email(view, invitation, "email")

    def _tell_removed(self, view: PanelSnapshot) -> None:
        """People taken off the panel are sent the cancellation naming only them."""
        for user, removed_seq in view.removed:
            if user in delivered_to(self.db, view.meeting_id, removed_seq, "removed"):
                continue
            invitation = self._cancellation(view, only=[user])
            self._post(
                f"panel:{view.meeting_id}:{removed_seq}:removed:{user}",
                user,
                cancelled_dm(
                    view.reference,
                    view.start,
                    removed=True,
                    with_file=invitation is not None,
                    title=view.title,
                ),
            )
            self._share_by_dm(view, invitation, user, "removed-ics")
            self._email(view, invitation, "removed-email")
            self._record(view.meeting_id, removed_seq, "removed", user, None)

    def _look_up_contacts(self, meeting_id: int) -> None:
        """Each person's name and e-mail for the invitation, from `users.info` (once)."""
        with self.db.session() as session:
            wanted = people_without_contact(session, meeting_id)
        found: dict[str, tuple[str, str | None]] = {}
        for user in wanted:
            try:
                profile = self.slack.user(user)
            except SlackError as exc:
                if exc.code != "user_not_found":
                    raise
                log.warning("panel member %s is not in the workspace", user)
                found[user] = (user, None)
                continue
            details = profile.get("profile") or {}
            name = (
                details.get("real_name") or profile.get("real_name") or profile.get("name") or user
            )
            found[user] = (str(name)[:120], details.get("email") or None)
        if found:
            with self.db.session() as session:
                store_contacts(session, meeting_id, found)

    def _invite_to_channel(self, view: PanelSnapshot) -> None:
        """Panel members join the case channel: the papers are there."""
        if view.channel_id is None:
            return
        pending = members_to_invite(self.db, view.case_id, [m.user_id for m in view.members])
        if not pending:
            return
        invited = self.slack.invite(view.channel_id, pending)
        mark_invited(self.db, view.case_id, invited.added, self.runtime.clock.now())

    # a cancelled meeting ----------------------------------------------------------------

    def _cancellation(
        self, view: PanelSnapshot, only: list[str] | None = None
    ) -> Invitation | None:
        with self.db.session() as session:
            return cancel_invitation(
                session,
                view.meeting_id,
                dtstamp=self.runtime.clock.now(),
                organizer=organizer_for(self.runtime),
                only=only,
            )

    def _by(self, deadline: date) -> str:
        """The panel's deadline in words, the last working day first when it is not one."""
        cal = self.runtime.working_calendar()
        today = cal.london_date(self.runtime.clock.now())
        return deadline_words(deadline, cal.last_working_day(deadline), today)

    def _send_cancellation(self, view: PanelSnapshot) -> None:
        invitation = self._cancellation(view) if view.start is not None else None
        self._post(
            f"panel:{view.meeting_id}:{view.sequence}:cancelled",
            view.channel_id,
            cancelled_announcement(
                view.reference,
                view.start,
                self._by(view.deadline) if view.initial else None,
                view.title,
            ),
        )
        self._share_in_channel(view, invitation)
        for member in view.members:
            self._post(
                f"panel:{view.meeting_id}:{view.sequence}:cancelled:{member.user_id}",
                member.user_id,
                cancelled_dm(
                    view.reference,
                    view.start,
                    removed=False,
                    with_file=invitation is not None,
                    title=view.title,
                ),
            )
            self._share_by_dm(view, invitation, member.user_id, "ics-dm")
        self._email(view, invitation, "email")

    # finding a time -----------------------------------------------------------------------

    def _ask_for_times(self, view: PanelSnapshot) -> None:
        self._post(
            f"panel:{view.meeting_id}:times-proposed",
            view.channel_id,
            proposal_announcement(view.reference, view.organiser, len(view.slots)),
        )
        for member in view.members:
            self._post(
                f"panel:{view.meeting_id}:times:{member.user_id}",
                member.user_id,
                availability_dm(
                    view.reference,
                    view.meeting_id,
                    view.organiser,
                    view.slots,
                    member.state.involvement,
                ),
            )

    # delivery ---------------------------------------------------------------------------

    def _post(self, key: str, channel: str | None, message: Message) -> None:
        if channel is not None:
            self.slack.post_once(key, channel, message)

    def _record(
        self, meeting_id: int, sequence: int, channel: str, target: str, ref: str | None
    ) -> None:
        record_delivery(
            self.db, meeting_id, sequence, channel, target, ref=ref, now=self.runtime.clock.now()
        )

    def _upload(self, channel: str, invitation: Invitation) -> str:
        """Share the `.ics` in a channel or DM; returns the file's id."""
        return self.slack.upload(
            channel,
            filename=invitation.filename,
            content=invitation.ics,
            comment=ics_comment(
                invitation.reference, invitation.method, invitation.sequence, invitation.title
            ),
        )

    def _share_in_channel(self, view: PanelSnapshot, invitation: Invitation | None) -> None:
        channel = view.channel_id
        if invitation is None or channel is None:
            return
        if channel in delivered_to(self.db, view.meeting_id, invitation.sequence, "ics-channel"):
            return
        file_id = self._upload(channel, invitation)
        self._record(view.meeting_id, invitation.sequence, "ics-channel", channel, file_id)

    def _share_by_dm(
        self, view: PanelSnapshot, invitation: Invitation | None, user: str, kind: str
    ) -> None:
        if invitation is None:
            return
        if user in delivered_to(self.db, view.meeting_id, invitation.sequence, kind):
            return
        file_id = self._upload(self.slack.dm_channel(user), invitation)
        self._record(view.meeting_id, invitation.sequence, kind, user, file_id)

    def _emailing(self, invitation: Invitation | None) -> bool:
        return self.mailer is not None and invitation is not None and bool(invitation.recipients)

    def _email(self, view: PanelSnapshot, invitation: Invitation | None, kind: str) -> None:
        """The people the revision concerns, each addressed alone, then the organising
        mailbox's copy; each recorded once delivered (or refused)."""
        if self.mailer is None or invitation is None:
            return
        texts = {
            copied: email_text(
                view.reference,
                invitation.method,
                view.start,
                view.end,
                view.location,
                view.video_url,
                update=invitation.sequence > 0,
                removed=invitation.removal,
                copied=copied,
                replies_read=self.runtime.settings.reads_calendar_replies,
                title=view.title,
            )
            for copied in (False, True)
        }
        for copied, body in texts.items():
            group = [r for r in invitation.recipients if r.copied == copied]
            self._mail(view, invitation, kind, group, invitation.subject, body)
        copy = invitation.organiser_copy
        if copy is not None:
            body = organiser_copy_text(
                view.reference,
                invitation.method,
                removed=invitation.removal,
                recipients=len(invitation.recipients),
                body=texts[False],
                title=view.title,
            )
            self._mail(view, invitation, kind, [copy], f"Copy: {invitation.subject}", body)

    def _mail(
        self,
        view: PanelSnapshot,
        invitation: Invitation,
        kind: str,
        recipients: list[Recipient],
        subject: str,
        body: str,
    ) -> None:
        assert self.mailer is not None
        done = delivered_to(self.db, view.meeting_id, invitation.sequence, kind)
        pending = [r for r in recipients if r.user_id not in done]
        if not pending:
            return
        try:
            self.mailer.send_invite(
                to=[(r.name, r.email) for r in pending],
                subject=subject,
                text_body=body,
                ics=invitation.ics,
                method=invitation.method,
                filename=invitation.filename,
            )
        except InviteMailError as exc:
            for index in exc.delivered:
                self._record(view.meeting_id, invitation.sequence, kind, pending[index].user_id, "")
            if exc.reason != "SMTPRecipientsRefused":
                raise RetryLaterError(exc.reason) from None
            for index, recipient in enumerate(pending):
                if index not in exc.delivered:
                    log.warning("panel %s: an invitation e-mail was refused", view.meeting_id)
                    self._record(
                        view.meeting_id, invitation.sequence, kind, recipient.user_id, "refused"
                    )
            return
        for recipient in pending:
            self._record(view.meeting_id, invitation.sequence, kind, recipient.user_id, "")


def organizer_for(runtime: Runtime) -> Organizer | None:
    """The ORGANIZER of every invitation: the Board's mailbox the e-mails come from
    (``SMTP_FROM``), which also receives the calendars' answers; the convener is its
    SENT-BY. None without a mailbox: the convener then organises."""
    sender = runtime.settings.smtp_from
    if not sender:
        return None
    try:
        return Organizer(email=sender, name=runtime.partnership.board.name)
    except ValidationError:
        return None


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


def _code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, SlackError) else type(exc).__name__


# After an answer --------------------------------------------------------------------------


def redraw_dm(
    runtime: Runtime, slack: SlackGateway, meeting_id: int, user: str, channel: str, ts: str
) -> None:
    """Show the person their answers as now stored, on the DM they clicked."""
    view = snapshot(runtime.db, meeting_id)
    me = view.member(user)
    if me is None:
        return
    message: Message
    if view.status == MeetingStatus.PROPOSED:
        with runtime.db.session() as session:
            mine = my_answers(session, meeting_id, user)
        slots = [replace(slot, mine=mine.get(slot.slot_id)) for slot in view.slots]
        message = availability_dm(
            view.reference, meeting_id, view.organiser, slots, me.state.involvement
        )
    elif view.status == MeetingStatus.SCHEDULED:
        message = invitation_dm(view.facts(), me.state, update=view.sequence > 0, with_file=True)
    else:
        return
    try:
        slack.update(channel, ts, message)
    except SlackError as exc:
        log.warning("panel DM not redrawn: %s", exc.code)


def after_answer(
    runtime: Runtime, slack: SlackGateway, meeting_id: int, case_id: int, dm: tuple[str, str, str]
) -> None:
    """A member answered on their DM (``dm``: who, channel, ts): the DM and the card."""
    user, channel, ts = dm
    if channel and ts:
        redraw_dm(runtime, slack, meeting_id, user, channel, ts)
    refresh_card(runtime, slack.client, case_id)


def tell_organiser(runtime: Runtime, slack: SlackGateway, meeting_id: int, member: str) -> None:
    view = snapshot(runtime.db, meeting_id)
    slack.post_once(
        f"panel:{meeting_id}:declared:{member}",
        view.organiser,
        declaration_dm(view.reference, meeting_id, member),
        case_id=view.case_id,
    )


def announce_held(runtime: Runtime, slack: SlackGateway, meeting_id: int) -> None:
    view = snapshot(runtime.db, meeting_id)
    if view.channel_id is None:
        return
    slack.post_once(
        f"panel:{meeting_id}:held",
        view.channel_id,
        held_announcement(view.reference, view.attended),
        case_id=view.case_id,
    )


# The worker's panel job -------------------------------------------------------------------


@dataclass(frozen=True)
class PanelTickReport:
    revisions_sent: int
    reminders_sent: int


@dataclass(frozen=True)
class _Target:
    facts: MeetingFacts
    people: tuple[tuple[str, MemberState], ...]


def panel_tick(runtime: Runtime, client: WebClient) -> PanelTickReport:
    slack = SlackGateway(client, runtime.db, runtime.clock)
    return PanelTickReport(
        revisions_sent=send_pending(runtime, slack),
        reminders_sent=send_due_panel_reminders(runtime, slack),
    )


def send_pending(runtime: Runtime, slack: SlackGateway) -> int:
    """The worker's catch-up: every revision that has not reached everyone yet."""
    sent = 0
    flow = PanelFlow(runtime, slack)
    for meeting_id in pending_distributions(runtime.db, runtime.clock.now()):
        sent += flow.send(meeting_id)
    return sent


def send_due_panel_reminders(runtime: Runtime, slack: SlackGateway) -> int:
    """Send what is due; stop at the first sign of Slack trouble and leave the rest."""
    now = runtime.clock.now()
    cal = runtime.working_calendar()
    sent = 0
    for claim in claim_due(runtime.db, now):
        if claim.kind in IN_WORKING_HOURS and not cal.is_working_time(now):
            postpone(runtime.db, claim, cal.next_working_moment(now))
            continue
        target = _target(runtime, claim, now)
        if target is None:
            mark_cancelled(runtime.db, claim, now)
            continue
        try:
            _remind(slack, claim, target)
        except (SlackError, OSError) as exc:
            log.warning("panel reminder %s not sent yet (%s)", claim.reminder_id, _code(exc))
            mark_failed(runtime.db, claim, now)
            break
        if mark_sent(runtime.db, claim, now):
            sent += 1
    return sent


def _target(runtime: Runtime, claim: PanelReminderClaim, now: datetime) -> _Target | None:
    """Re-read the meeting: a revision replaced, a cancellation or a meeting under way
    makes the reminder moot."""
    view = snapshot(runtime.db, claim.meeting_id)
    if view.status != MeetingStatus.SCHEDULED or view.sequence != claim.sequence:
        return None
    if view.start is None or view.start <= now:
        return None
    if claim.kind == CHASE:
        people = [m for m in view.members if m.state.partstat == PartStat.NEEDS_ACTION]
    else:
        people = [m for m in view.members if m.state.partstat != PartStat.DECLINED]
    if not people:
        return None
    return _Target(view.facts(), tuple((m.user_id, m.state) for m in people))


def _remind(slack: SlackGateway, claim: PanelReminderClaim, target: _Target) -> None:
    for user, state in target.people:
        try:
            slack.post_once(
                f"panel-reminder:{claim.reminder_id}:{user}",
                user,
                reminder_dm(claim.kind, target.facts, state),
            )
        except SlackError as exc:
            if exc.code not in RECIPIENT_GONE:
                raise
            log.warning("panel reminder %s not sent to %s", claim.reminder_id, user)
