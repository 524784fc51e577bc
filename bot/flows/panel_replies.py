"""Answers to the Initial Panel's invitations that come back by e-mail (the worker's step).

With IMAP settings, every tick reads the replies folder: each calendar REPLY (RFC 6047) is
matched to the meeting by UID and to the member by their address, recorded as their answer
in Slack would be (the case card and their invitation DM show it, "by e-mail"), and the
message is filed into the processed folder, whether it counted or not. A reply that does
not count (another meeting, a cancelled one, someone not on the panel, an earlier time) is
logged with the reason only: never a name, an address or a subject. A message that is no
calendar reply is left where it is, unread, for people, and not read again by this process.
The answer is committed before the message is filed, and a reply never counts twice (see
`answer_by_email`), so a message read again after a failure changes nothing.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from slack_sdk import WebClient

from bot.calendar.imap import ImapSettings, ReplyMailbox, open_mailbox
from bot.calendar.replies import CalendarReply, read_message
from bot.flows.cases import refresh_card
from bot.flows.panel import redraw_dm
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.panel.answers import EmailAnswer, answer_by_email
from bot.services.panel.delivery import snapshot
from bot.services.panel.meetings import PanelContext

log = logging.getLogger(__name__)

LEFT_FOR_PEOPLE = "imap_left_for_people"
"""``Runtime.extra`` key: the (UIDVALIDITY, UID) of messages this process left alone."""


def imap_settings(runtime: Runtime) -> ImapSettings | None:
    settings = runtime.settings
    if not settings.reads_calendar_replies:
        return None
    try:
        return ImapSettings(
            host=settings.imap_host or "",
            port=settings.imap_port,
            user=settings.imap_user or "",
            password=settings.imap_password,
            folder=settings.imap_folder,
            processed_folder=settings.imap_processed_folder,
            ssl=settings.imap_ssl,
        )
    except ValidationError:
        log.error("IMAP settings are incomplete: answers by e-mail are not read")
        return None


def read_calendar_replies(runtime: Runtime, client: WebClient) -> int:
    """One pass over the replies folder; how many answers it changed."""
    settings = imap_settings(runtime)
    if settings is None:
        return 0
    slack = SlackGateway(client, runtime.db, runtime.clock)
    left = runtime.extra.setdefault(LEFT_FOR_PEOPLE, set())
    assert isinstance(left, set)
    changed = 0
    with open_mailbox(settings) as mailbox:
        for uid in mailbox.uids():
            if (mailbox.uidvalidity, uid) not in left:
                changed += _handle(runtime, slack, mailbox, uid, left)
    return changed


def _handle(
    runtime: Runtime, slack: SlackGateway, mailbox: ReplyMailbox, uid: int, left: set[object]
) -> int:
    message = mailbox.fetch(uid)
    if message is None:
        return 0
    read = read_message(message.raw)
    if not read.is_reply:
        left.add((mailbox.uidvalidity, uid))
        return 0
    changed = 0
    for reply in read.replies:
        answer = _record(runtime, reply)
        if answer.changed:
            log.info("mail %s: an answer to panel %s recorded", uid, answer.meeting_id)
            _show(runtime, slack, answer)
            changed += 1
        else:
            log.info("mail %s: calendar reply not counted (%s)", uid, answer.outcome.value)
    if not read.replies:
        log.info("mail %s: calendar reply without an answer", uid)
    mailbox.file(uid)
    return changed


def _record(runtime: Runtime, reply: CalendarReply) -> EmailAnswer:
    with runtime.db.session() as session:
        ctx = PanelContext(
            session,
            runtime.working_calendar(),
            runtime.clock.now(),
            runtime.cipher,
            runtime.days_before,
        )
        return answer_by_email(ctx, reply)


def _show(runtime: Runtime, slack: SlackGateway, answer: EmailAnswer) -> None:
    """The member's invitation DM and the case card, redrawn with the answer."""
    assert answer.meeting_id is not None and answer.case_id is not None
    view = snapshot(runtime.db, answer.meeting_id)
    key = f"panel:{view.meeting_id}:{view.sequence}:invite:{answer.user_id}"
    posted = slack.sent(key)
    if posted is not None and answer.user_id is not None:
        redraw_dm(runtime, slack, view.meeting_id, answer.user_id, posted.channel, posted.ts)
    refresh_card(runtime, slack, answer.case_id)
