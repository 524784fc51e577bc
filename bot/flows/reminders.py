"""Reminders reaching Slack: the due nudges DMed to owners and watchers, and the Board
business unit's daily digest. Every call goes through the gateway."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from bot.gateway import SlackError, SlackGateway
from bot.process.working_days import WorkingCalendar
from bot.runtime import Runtime
from bot.services.cases.access import Role, users_with_role
from bot.services.reminders import daily, delivery
from bot.services.reminders.daily import DailyKind
from bot.services.reminders.delivery import Claim
from bot.services.reminders.my_tasks import Delivery, build_digest, describe, ledger_key
from bot.services.reminders.schema import Nudge
from bot.views.messages import Message
from bot.views.reminders import digest_message, owner_message, watcher_message
from storage.models import SentMessage

log = logging.getLogger(__name__)

BATCH = 50
MAX_BATCHES = 40
HISTORY_LOOKBACK = 100
METADATA_EVENT = "scr_reminder"
RECIPIENT_GONE = frozenset(
    {
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
    }
)
"""Slack refuses these for one person; the others still get the nudge."""


class SlackUnwellError(Exception):
    """Slack failed in a way worth retrying later (429 after retries, 5xx, a timeout)."""

    def __init__(self, code: str, retry_after: timedelta | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass
class DeliveryReport:
    sent: int = 0
    messages: int = 0
    failed: int = 0
    cancelled: int = 0
    undeliverable: int = 0
    postponed: int = 0
    refresh_cases: set[int] = field(default_factory=set)


def deliver_due_reminders(runtime: Runtime, slack: SlackGateway) -> DeliveryReport:
    """Send what is due now, in working hours only; stop at the first sign of Slack
    trouble and leave the rest for a later tick."""
    report = DeliveryReport()
    cal = runtime.working_calendar()
    for _ in range(MAX_BATCHES):
        now = runtime.clock.now()
        if not cal.is_working_time(now):
            break
        claims = delivery.claim_due(runtime.db, now, limit=BATCH)
        for index, claim in enumerate(claims):
            try:
                _deliver(runtime, slack, claim, now, cal, report)
            except SlackUnwellError as exc:
                report.failed += 1
                wait_until = now + (exc.retry_after or timedelta())
                delivery.mark_failed(runtime.db, claim, now, exc.code, not_before=wait_until)
                rest = claims[index + 1 :]
                delivery.postpone(runtime.db, rest, wait_until)
                report.postponed += len(rest)
                log.warning("Slack is failing (%s): %d reminders wait", exc.code, len(rest) + 1)
                return report
            except BaseException:
                delivery.mark_failed(runtime.db, claim, now, "internal_error")
                raise
        if len(claims) < BATCH:
            break
    return report


def _deliver(
    runtime: Runtime,
    slack: SlackGateway,
    claim: Claim,
    now: datetime,
    cal: WorkingCalendar,
    report: DeliveryReport,
) -> None:
    target = describe(runtime.db, claim, now, cal)
    if target is None:
        delivery.cancel(runtime.db, claim)
        report.cancelled += 1
        return
    outbox = _Outbox(runtime, claim, now)
    try:
        refused = _send_all(slack, claim, target, outbox)
    except BaseException:
        outbox.flush()
        report.messages += outbox.posted
        raise
    if outbox.first_ts is None:
        reason = refused or "no_recipients"
        log.warning("reminder %s reached nobody (%s)", claim.reminder_id, reason)
        delivery.mark_undeliverable(runtime.db, claim, reason)
        report.undeliverable += 1
        return
    report.messages += outbox.posted
    sent = delivery.mark_sent(
        runtime.db, claim, now, cal, ts=outbox.first_ts, note=refused, last_dm=outbox.pending
    )
    if sent:
        report.sent += 1
        if claim.kind == "due" or (claim.kind == "overdue" and claim.sequence == 1):
            report.refresh_cases.add(claim.case_id)


class _Outbox:
    """Ledger rows for the DMs of one reminder. Each is recorded before the next DM goes;
    the last one is recorded with the reminder's own outcome, in one transaction."""

    def __init__(self, runtime: Runtime, claim: Claim, now: datetime) -> None:
        self.runtime, self.claim, self.now = runtime, claim, now
        self.pending: SentMessage | None = None
        self.first_ts: str | None = None
        self.posted = 0

    def sent(self, user: str, channel: str, ts: str, *, recorded: bool) -> None:
        self.first_ts = self.first_ts or ts
        if recorded:
            return
        self.posted += 1
        self.flush()
        self.pending = SentMessage(
            key=ledger_key(self.claim.reminder_id, user),
            case_id=self.claim.case_id,
            channel=channel,
            ts=ts,
            sent_at=self.now,
        )

    def flush(self) -> None:
        if self.pending is None:
            return
        row, self.pending = self.pending, None
        try:
            with self.runtime.db.session() as session:
                session.add(row)
        except IntegrityError:
            log.info("reminder %s: another worker recorded the DM", self.claim.reminder_id)


def _send_all(slack: SlackGateway, claim: Claim, target: Delivery, outbox: _Outbox) -> str | None:
    """DM the owners, then the watchers; returns any per-person refusal."""

    def nudge(user: str) -> Nudge:
        return replace(target.nudge_for(user), can_waive=user in target.waivers)

    outgoing = [(user, owner_message(nudge(user))) for user in target.owners] + [
        (user, watcher_message(nudge(user))) for user in target.watchers
    ]
    refused: str | None = None
    for user, message in outgoing:
        if user in target.sent:
            outbox.sent(user, user, target.sent[user], recorded=True)
            continue
        try:
            channel, ts = _post(slack, claim, user, message)
        except SlackError as exc:
            if exc.code in RECIPIENT_GONE:
                log.warning("reminder %s not sent to %s: %s", claim.reminder_id, user, exc.code)
                refused = exc.code
                continue
            wait = None if exc.retry_after is None else timedelta(seconds=exc.retry_after)
            raise SlackUnwellError(exc.code, wait) from exc
        outbox.sent(user, channel, ts, recorded=False)
    return refused


def _post(slack: SlackGateway, claim: Claim, user: str, message: Message) -> tuple[str, str]:
    """DM ``user``; after an interrupted attempt, first look for that DM in Slack. The
    ledger key travels in the message's metadata for that check."""
    key = ledger_key(claim.reminder_id, user)
    found = _find_in_dm(slack, user, key) if claim.resumed else None
    if found is not None:
        return found
    posted = slack.post(
        user, message, metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}}
    )
    return posted.channel, posted.ts


def _find_in_dm(slack: SlackGateway, user: str, key: str) -> tuple[str, str] | None:
    """Our DM to ``user`` carrying ``key``, if an interrupted attempt did post it."""
    channel = slack.dm_channel(user)
    history = slack.call(
        "conversations.history", channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
    )
    for found in history.get("messages") or []:
        payload = (found.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == key:
            return channel, str(found["ts"])
    return None


DIGEST_TIME = time(8, 30)
"""The digest is due from this London time on each working day until working hours end."""


def digest_due(cal: WorkingCalendar, now: datetime) -> bool:
    local = cal.london(now)
    return cal.is_working_day(local.date()) and DIGEST_TIME <= local.time() < cal.end


def send_daily_digest(runtime: Runtime, slack: SlackGateway) -> int:
    """DM the digest to each admin who has not had today's; returns how many were sent now.

    Due from 08:30 on working days until working hours end, so a worker started late
    catches up; once per admin and day however many workers run (`daily`). Nothing on a
    bank holiday or closure day, and nothing when nothing is due (the day is then skipped)."""
    cal = runtime.working_calendar()
    now = runtime.clock.now()
    if not digest_due(cal, now):
        return 0
    today = cal.london_date(now)
    with runtime.db.session() as session:
        admins = users_with_role(session, Role.ADMIN)
    waiting = daily.not_yet_done(runtime.db, DailyKind.DIGEST, today, admins)
    if not waiting:
        return 0
    with runtime.db.session() as session:
        digest = build_digest(session, now, cal)
    if digest.empty:
        log.info("daily digest: nothing overdue or due this week")
        for user in waiting:
            if daily.claim_daily(runtime.db, DailyKind.DIGEST, today, user, now):
                daily.mark_daily_skipped(runtime.db, DailyKind.DIGEST, today, user, now)
        return 0
    message = digest_message(digest.overdue, digest.upcoming, today)
    return sum(_send_digest(runtime, slack, user, message, today, now) for user in waiting)


def _send_digest(
    runtime: Runtime, slack: SlackGateway, user: str, message: Message, today: date, now: datetime
) -> bool:
    """Post one admin's digest if this worker wins the day's claim for them. When Slack
    fails, the claim is given back for a later tick (a person Slack refuses is skipped)."""
    db, kind = runtime.db, DailyKind.DIGEST
    if not daily.claim_daily(db, kind, today, user, now):
        return False
    try:
        slack.post_once(f"digest:{today.isoformat()}:{user}", user, message)
    except SlackError as exc:
        if exc.code in RECIPIENT_GONE or exc.person_gone:
            log.warning("daily digest not sent to %s: %s", user, exc.code)
            daily.mark_daily_skipped(db, kind, today, user, now)
            return False
        wait = None if exc.retry_after is None else now + timedelta(seconds=exc.retry_after)
        daily.release_daily(db, kind, today, user, retry_at=wait)
        raise
    except BaseException:
        daily.release_daily(db, kind, today, user)
        raise
    daily.mark_daily_sent(db, kind, today, user, now)
    return True
