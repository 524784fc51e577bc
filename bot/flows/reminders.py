"""Reminders reaching Slack: each person's one message of the day ("Your tasks today"),
and the Board business unit's daily digest. Every call goes through the gateway.

At a tick in working hours every due reminder is claimed, sorted by person (owners, and
the role holders an escalating nudge tells), and each person is sent one message listing
all of theirs, through ``_send_today``: at most one a London day, whatever the number of
cases. A reminder is recorded as sent once it has reached all its people; one whose person
had today's message already waits for their next working day's. When Slack fails, what was
sent is kept and the rest retried later: nothing lost, nothing sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.gateway import Posted, SlackError, SlackGateway
from bot.pacing import PacedSend
from bot.process.working_days import WorkingCalendar
from bot.runtime import Runtime
from bot.services.cases.access import Role, users_with_role
from bot.services.reminders import daily, delivery
from bot.services.reminders.daily import DailyKind
from bot.services.reminders.delivery import Claim, Delivered
from bot.services.reminders.my_tasks import build_digest
from bot.services.reminders.today import Inbox, Routing, record_carried, route, today_key
from bot.views.messages import Message
from bot.views.reminders import digest_message, today_message

log = logging.getLogger(__name__)

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
"""Slack refuses these for one person; the others still get their messages."""

SENDING_TIME = timedelta(seconds=2)
"""Lease added per person to be sent to, on top of ``delivery.LEASE``."""


@dataclass
class DeliveryReport:
    sent: int = 0
    """Reminders recorded as sent (each may have reached several people)."""
    messages: int = 0
    """Messages of the day posted."""
    failed: int = 0
    cancelled: int = 0
    undeliverable: int = 0
    postponed: int = 0
    refresh_cases: set[int] = field(default_factory=set)


@dataclass
class _Round:
    """What happened to each person this tick."""

    reached: dict[str, str] = field(default_factory=dict)
    """Person -> ts of the message that carried their items."""
    refused: dict[str, str] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)
    """People whose message of the day went before: their items wait for the next one."""
    failing: set[str] = field(default_factory=set)
    """The people Slack (or the bot) failed at: the claims they are in are retried later."""
    error: str = ""
    retry_after: timedelta | None = None


def deliver_due_reminders(runtime: Runtime, slack: SlackGateway) -> DeliveryReport:
    """Send each person their message of the day with everything due now, in working hours
    only, several at once within Slack's rate limits; stop at the first sign of Slack trouble
    and leave the rest for a later tick.

    One worker delivers at a time: two claiming side by side would split a person's items
    between them, and whichever wrote second would keep its share for the next working day."""
    report = DeliveryReport()
    cal = runtime.working_calendar()
    now = runtime.clock.now()
    if not cal.is_working_time(now):
        return report
    with runtime.db.exclusive("reminders.delivery") as ours:
        if ours:
            _deliver(runtime, slack, cal, now, report)
    return report


def _deliver(
    runtime: Runtime,
    slack: SlackGateway,
    cal: WorkingCalendar,
    now: datetime,
    report: DeliveryReport,
) -> None:
    claims = delivery.claim_all_due(runtime.db, now)
    if not claims:
        return
    try:
        routing = route(runtime.db, claims, now, cal)
    except BaseException:
        delivery.mark_failed(runtime.db, claims, now, "internal_error", not_before=now)
        raise
    delivery.cancel(runtime.db, routing.closed)
    report.cancelled += len(routing.closed)
    delivery.mark_undeliverable(runtime.db, routing.unowned, "no_recipients")
    report.undeliverable += len(routing.unowned)
    delivery.extend_lease(
        runtime.db, claims, now + delivery.LEASE + SENDING_TIME * len(routing.inboxes)
    )
    outcome = _Round()
    try:
        _send_all(runtime, slack, routing, cal.london_date(now), now, outcome, report)
    except BaseException:
        if not outcome.failing:
            unsent = {i.user for i in routing.inboxes} - outcome.reached.keys()
            outcome.failing, outcome.error = unsent, "internal_error"
        raise
    finally:
        _settle(runtime, routing, outcome, now, cal, report)


def _send_all(
    runtime: Runtime,
    slack: SlackGateway,
    routing: Routing,
    day: date,
    now: datetime,
    outcome: _Round,
    report: DeliveryReport,
) -> None:
    """Each person's message, several at once within Slack's rate limits (`bot.pacing`).
    After a failure that is not about one person, or once the process is stopping, nothing
    new is sent this tick."""
    inboxes = {}
    for inbox in routing.inboxes:
        if inbox.had_today:
            outcome.waiting.add(inbox.user)
        else:
            inboxes[inbox.user] = inbox

    def send(user: str) -> Posted | None:
        inbox = inboxes[user]
        posted = _send_today(slack, day, user, today_message(inbox.items, day))
        if posted is not None:
            _record(runtime, routing, inbox, posted, now)
        return posted

    pacer = PacedSend(
        send, clock=runtime.clock, stop=lambda exc: not _one_person(exc), halt=runtime.stopping
    )
    results = pacer.run(list(inboxes))
    crash: BaseException | None = None
    for user in inboxes:
        if user not in results:
            continue  # not started: retried with the rest
        result = results[user]
        if isinstance(result, SlackError) and _one_person(result):
            log.warning("message of the day not sent to %s: %s", user, result.code)
            outcome.refused[user] = result.code
        elif isinstance(result, SlackError):
            outcome.failing.add(user)
            outcome.error = outcome.error or result.code
            if result.retry_after is not None:
                wait = timedelta(seconds=result.retry_after)
                outcome.retry_after = max(outcome.retry_after or wait, wait)
            log.warning("Slack is failing (%s): messages of the day wait", result.code)
        elif isinstance(result, BaseException):
            outcome.failing.add(user)
            outcome.error = "internal_error"
            crash = crash or result
        elif result is None:
            outcome.waiting.add(user)
        else:
            report.messages += 1
            outcome.reached[user] = result.ts
    if crash is not None:
        raise crash


def _one_person(exc: BaseException) -> bool:
    """Slack refused this person alone; the others still get their messages."""
    return isinstance(exc, SlackError) and exc.code in RECIPIENT_GONE


def _send_today(slack: SlackGateway, day: date, person: str, message: Message) -> Posted | None:
    """The one way a message of the day is sent: at most once to ``person`` on ``day``,
    however many workers run (the day's claim, `daily`). Returns where it went; ``None``
    when today's went already or another worker is sending it."""
    key, db, now = today_key(day, person), slack.db, slack.clock.now()
    if slack.sent(key) is not None or not daily.claim_daily(db, DailyKind.TODAY, day, person, now):
        return None
    try:
        slack.post_once(key, person, message)
    except BaseException:
        daily.release_daily(db, DailyKind.TODAY, day, person)
        raise
    daily.mark_daily_sent(db, DailyKind.TODAY, day, person, now)
    return slack.sent(key)


def _record(
    runtime: Runtime, routing: Routing, inbox: Inbox, posted: Posted, now: datetime
) -> None:
    claims = [routing.claims[item.reminder_id] for item in inbox.items]
    record_carried(runtime.db, inbox.user, posted.channel, posted.ts, claims, now)


def _settle(
    runtime: Runtime,
    routing: Routing,
    outcome: _Round,
    now: datetime,
    cal: WorkingCalendar,
    report: DeliveryReport,
) -> None:
    """Record each live claim's fate: sent when all its people had it (or were refused),
    retried soon when Slack failed before someone, kept for tomorrow when someone had
    today's message already."""
    done: list[Delivered] = []
    failed: list[Claim] = []
    pending: list[Claim] = []
    tomorrow: list[Claim] = []
    nobody: list[Claim] = []
    for reminder_id, people in routing.waiting_on.items():
        claim = routing.claims[reminder_id]
        unsettled = people - outcome.reached.keys() - outcome.refused.keys()
        if outcome.failing & unsettled:
            failed.append(claim)
        elif unsettled - outcome.waiting:
            pending.append(claim)
        elif unsettled:
            tomorrow.append(claim)
        elif people and people <= outcome.refused.keys():
            nobody.append(claim)
        else:
            ts = next((outcome.reached[p] for p in sorted(people) if p in outcome.reached), None)
            note = next((outcome.refused[p] for p in sorted(people) if p in outcome.refused), None)
            done.append(Delivered(claim, ts, note))
    retry = now + (outcome.retry_after or timedelta())
    if failed:
        delivery.mark_failed(runtime.db, failed, now, outcome.error, not_before=retry)
        report.failed += 1
    delivery.postpone(runtime.db, pending, retry)
    delivery.postpone(
        runtime.db, tomorrow, cal.day_start(cal.next_working_day(cal.london_date(now)))
    )
    report.postponed += len(pending) + len(tomorrow)
    if nobody:
        delivery.mark_undeliverable(runtime.db, nobody, "recipients_refused")
        report.undeliverable += len(nobody)
    for claim in delivery.mark_sent(runtime.db, done, now, cal):
        report.sent += 1
        if claim.kind == "due" or (claim.kind == "overdue" and claim.sequence == 1):
            report.refresh_cases.add(claim.case_id)


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
    with runtime.db.reading() as session:
        admins = users_with_role(session, Role.ADMIN)
    waiting = daily.not_yet_done(runtime.db, DailyKind.DIGEST, today, admins)
    if not waiting:
        return 0
    with runtime.db.reading() as session:
        digest = build_digest(session, now, cal)
    if digest.empty:
        log.info("daily digest: nothing overdue or due this week")
        for user in waiting:
            if daily.claim_daily(runtime.db, DailyKind.DIGEST, today, user, now):
                daily.mark_daily_skipped(runtime.db, DailyKind.DIGEST, today, user, now)
        return 0
    message = digest_message(digest.overdue, digest.upcoming, today, digest.stuck)
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
