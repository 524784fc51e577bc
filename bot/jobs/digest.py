"""The daily digest job: 08:30 on working days, to the Board business unit, once a day."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.flows.sent_once import already_sent, post_once
from bot.runtime import Runtime
from bot.services.cases.access import Role, users_with_role
from bot.services.digest import build_digest
from bot.views.reminders import digest_message

log = logging.getLogger(__name__)


def send_daily_digest(runtime: Runtime, client: WebClient) -> int:
    """DM the digest to each admin; returns how many were sent now. Nothing on a bank
    holiday or closure day, nothing when nothing is due, and never twice on one day."""
    cal = runtime.working_calendar()
    now = runtime.clock.now()
    today = cal.london_date(now)
    if not cal.is_working_day(today):
        return 0
    with runtime.db.session() as session:
        digest = build_digest(session, now, cal)
        admins = users_with_role(session, Role.ADMIN)
    if digest.empty:
        log.info("daily digest: nothing overdue or due this week")
        return 0
    message = digest_message(digest.overdue, digest.upcoming, today)
    sent = 0
    for user in admins:
        key = f"digest:{today.isoformat()}:{user}"
        if already_sent(runtime.db, key) is None:
            post_once(runtime.db, client, key=key, channel=user, message=message, now=now)
            sent += 1
    return sent
