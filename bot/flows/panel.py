"""Sending a panel meeting's latest revision to everyone it concerns: the channel
announcement and `.ics`, each member's invitation DM and `.ics`, the invitation e-mails, the
cancellations for people taken off it, or the request for available times.

Every piece is recorded once delivered (the sent-message ledger, the panel's delivery
ledger), so when Slack or the mail relay fails part-way the worker's next tick sends the
rest, and nothing twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.calendar.mailer import InviteMailError
from bot.flows.card_refresh import refresh_card
from bot.flows.panel_slack import (
    PanelSnapshot,
    invite_to_channel,
    look_up_contacts,
    mailer_for,
    organizer_for,
    snapshot,
    upload_ics,
)
from bot.flows.sent_once import post_once
from bot.runtime import Runtime
from bot.services.panel_delivery import (
    claim_distribution,
    delivered_to,
    finish_distribution,
    pending_distributions,
    postpone_distribution,
    record_delivery,
)
from bot.services.panel_invites import Invitation, cancel_invitation, request_invitation
from bot.views.messages import Message
from bot.views.panel import availability_dm, cancelled_dm, invitation_dm
from bot.views.panel_announcements import (
    cancelled_announcement,
    proposal_announcement,
    scheduled_announcement,
)

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)
MAX_ROUNDS = 3


class RetryLaterError(Exception):
    """Part of a revision could not be sent now; the worker tries again."""


class PanelFlow:
    def __init__(self, runtime: Runtime, client: WebClient) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.client = client
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
        except (SlackApiError, SlackClientError, OSError, RetryLaterError) as exc:
            log.warning("panel %s: sending postponed (%s)", meeting_id, _code(exc))
            postpone_distribution(self.db, meeting_id, now + RETRY_AFTER)
            return False
        except BaseException:
            postpone_distribution(self.db, meeting_id, now + RETRY_AFTER)
            raise
        finally:
            if case_id is not None:
                refresh_card(self.runtime, self.client, case_id)
        return True

    def _send(self, view: PanelSnapshot) -> None:
        if view.status == "proposed":
            self._ask_for_times(view)
        elif view.status == "scheduled":
            look_up_contacts(self.runtime, self.client, view.meeting_id)
            invite_to_channel(self.runtime, self.client, view)
            self._send_request(snapshot(self.db, view.meeting_id))
            self._tell_removed(view)
        elif view.status == "cancelled":
            look_up_contacts(self.runtime, self.client, view.meeting_id)
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
                facts, view.people, update=update, emailed=self._emailing(invitation)
            ),
        )
        self._share_in_channel(view, invitation)
        for member in view.members:
            self._post(
                f"panel:{view.meeting_id}:{view.sequence}:invite:{member.user_id}",
                member.user_id,
                invitation_dm(facts, member.state, update=update),
            )
            self._share_by_dm(view, invitation, member.user_id, "ics-dm")
        self._email(view, invitation, "email")

    def _tell_removed(self, view: PanelSnapshot) -> None:
        """People taken off the panel are sent the cancellation naming only them."""
        for user, removed_seq in view.removed:
            if user in delivered_to(self.db, view.meeting_id, removed_seq, "removed"):
                continue
            with self.db.session() as session:
                invitation = cancel_invitation(
                    session,
                    view.meeting_id,
                    dtstamp=self.runtime.clock.now(),
                    organizer=organizer_for(self.runtime),
                    only=[user],
                )
            self._post(
                f"panel:{view.meeting_id}:{removed_seq}:removed:{user}",
                user,
                cancelled_dm(view.reference, view.start, removed=True),
            )
            self._share_by_dm(view, invitation, user, "removed-ics")
            self._email(view, invitation, "removed-email")
            self._record(view.meeting_id, removed_seq, "removed", user, None)

    # a cancelled meeting ----------------------------------------------------------------

    def _send_cancellation(self, view: PanelSnapshot) -> None:
        invitation: Invitation | None = None
        if view.start is not None:
            with self.db.session() as session:
                invitation = cancel_invitation(
                    session,
                    view.meeting_id,
                    dtstamp=self.runtime.clock.now(),
                    organizer=organizer_for(self.runtime),
                )
        self._post(
            f"panel:{view.meeting_id}:{view.sequence}:cancelled",
            view.channel_id,
            cancelled_announcement(view.reference, view.start, view.deadline_text),
        )
        self._share_in_channel(view, invitation)
        for member in view.members:
            self._post(
                f"panel:{view.meeting_id}:{view.sequence}:cancelled:{member.user_id}",
                member.user_id,
                cancelled_dm(view.reference, view.start, removed=False),
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
        if channel is None:
            return
        post_once(
            self.db,
            self.client,
            key=key,
            channel=channel,
            message=message,
            now=self.runtime.clock.now(),
        )

    def _record(
        self, meeting_id: int, sequence: int, channel: str, target: str, ref: str | None
    ) -> None:
        record_delivery(
            self.db, meeting_id, sequence, channel, target, ref=ref, now=self.runtime.clock.now()
        )

    def _share_in_channel(self, view: PanelSnapshot, invitation: Invitation | None) -> None:
        channel = view.channel_id
        if invitation is None or channel is None:
            return
        if channel in delivered_to(self.db, view.meeting_id, invitation.sequence, "ics-channel"):
            return
        file_id = upload_ics(self.client, channel, invitation)
        self._record(view.meeting_id, invitation.sequence, "ics-channel", channel, file_id)

    def _share_by_dm(
        self, view: PanelSnapshot, invitation: Invitation | None, user: str, kind: str
    ) -> None:
        if invitation is None:
            return
        if user in delivered_to(self.db, view.meeting_id, invitation.sequence, kind):
            return
        opened = self.client.conversations_open(users=user)
        file_id = upload_ics(self.client, str(opened["channel"]["id"]), invitation)
        self._record(view.meeting_id, invitation.sequence, kind, user, file_id)

    def _emailing(self, invitation: Invitation | None) -> bool:
        return self.mailer is not None and invitation is not None and bool(invitation.recipients)

    def _email(self, view: PanelSnapshot, invitation: Invitation | None, kind: str) -> None:
        if self.mailer is None or invitation is None:
            return
        done = delivered_to(self.db, view.meeting_id, invitation.sequence, kind)
        pending = [r for r in invitation.recipients if r.user_id not in done]
        if not pending:
            return
        try:
            self.mailer.send_invite(
                to=[(r.name, r.email) for r in pending],
                subject=invitation.subject,
                text_body=view.email_text(invitation.method),
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


def send_pending(runtime: Runtime, client: WebClient) -> int:
    """The worker's catch-up: every revision that has not reached everyone yet."""
    sent = 0
    flow = PanelFlow(runtime, client)
    for meeting_id in pending_distributions(runtime.db, runtime.clock.now()):
        sent += flow.send(meeting_id)
    return sent


def _code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__
