"""A referral whose identifying details are entered on the web: the referrer's one-time link
in a DM, the reminder the next working day (with a fresh link), the notice when it expires,
and the case's set-up once the web part is in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.referral.pending import expire_pending, release_reminder, take_reminders
from bot.views.referral import details_wanted, referral_expired

log = logging.getLogger(__name__)

FORM_PATH = "/portal/referrals/"


def details_url(runtime: Runtime, token: str) -> str:
    return f"{runtime.settings.public_url}{FORM_PATH}{token}"


def send_link(
    runtime: Runtime,
    slack: SlackGateway,
    pending_id: int,
    referrer: str,
    token: str,
    expires_at: datetime,
    *,
    reminder: bool = False,
) -> None:
    """The link by DM, once per link (a double submission issues one more, sent once too)."""
    kind = "reminder" if reminder else "link"
    message = details_wanted(
        details_url(runtime, token),
        runtime.working_calendar().london_date(expires_at),
        reminder=reminder,
    )
    slack.post_once(f"referral:{pending_id}:{kind}:{token[:12]}", referrer, message)


@dataclass
class PendingReport:
    reminded: int = 0
    expired: int = 0


def pending_referrals_pass(runtime: Runtime, slack: SlackGateway) -> PendingReport:
    """The worker's step: remind the referrers of referrals left half-finished (once, the next
    working day), and delete those 7 days old, telling their referrers."""
    report = PendingReport()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        reminders = take_reminders(session, now)
        expired = expire_pending(session, now)
    for reminder in reminders:
        try:
            send_link(
                runtime,
                slack,
                reminder.pending_id,
                reminder.referrer,
                reminder.token,
                reminder.expires_at,
                reminder=True,
            )
            report.reminded += 1
        except SlackError as exc:
            log.warning("referral reminder not delivered (%s); tried again later", exc.code)
            with runtime.db.session() as session:
                release_reminder(session, reminder.pending_id)
    for gone in expired:
        try:
            slack.post_once(
                f"referral:{gone.pending_id}:expired", gone.referrer, referral_expired()
            )
            report.expired += 1
        except SlackError as exc:
            log.warning("referral expiry notice not delivered (%s)", exc.code)
    return report
