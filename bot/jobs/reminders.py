"""Sending the reminders that are due: claim, DM each recipient once, record the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import IntegrityError

from bot.blocks.messages import Message
from bot.blocks.reminders import owner_message, watcher_message
from bot.flows.sent_once import already_sent
from bot.process.calendar import WorkingCalendar
from bot.runtime import Runtime
from bot.services import reminder_delivery as delivery
from bot.services.reminder_delivery import Claim, Delivery
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


def deliver_due_reminders(runtime: Runtime, client: WebClient) -> DeliveryReport:
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
                _deliver(runtime, client, claim, now, cal, report)
            except SlackUnwellError as exc:
                report.failed += 1
                delivery.mark_failed(runtime.db, claim, now, exc.code)
                rest = claims[index + 1 :]
                delivery.postpone(runtime.db, rest, now + (exc.retry_after or timedelta()))
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
    client: WebClient,
    claim: Claim,
    now: datetime,
    cal: WorkingCalendar,
    report: DeliveryReport,
) -> None:
    target = delivery.describe(runtime.db, claim, now, cal)
    if target is None:
        delivery.cancel(runtime.db, claim)
        report.cancelled += 1
        return
    ts, refused = _send_all(runtime, client, claim, target, now)
    if ts is None:
        reason = refused or "no_recipients"
        log.warning("reminder %s reached nobody (%s)", claim.reminder_id, reason)
        delivery.mark_undeliverable(runtime.db, claim, reason)
        report.undeliverable += 1
        return
    if delivery.mark_sent(runtime.db, claim, now, cal, ts=ts, note=refused):
        report.sent += 1
        if claim.kind == "due" or (claim.kind == "overdue" and claim.sequence == 1):
            report.refresh_cases.add(claim.case_id)


def _send_all(
    runtime: Runtime, client: WebClient, claim: Claim, target: Delivery, now: datetime
) -> tuple[str | None, str | None]:
    """DM the owners, then the watchers; returns the first ts and any per-person refusal."""
    outgoing = [(user, owner_message(target.nudge)) for user in target.owners] + [
        (user, watcher_message(target.nudge)) for user in target.watchers
    ]
    first: str | None = None
    refused: str | None = None
    for user, message in outgoing:
        try:
            ts = _post_once(runtime, client, claim, user, message, now)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            if code in RECIPIENT_GONE:
                log.warning("reminder %s not sent to %s: %s", claim.reminder_id, user, code)
                refused = code
                continue
            raise _unwell(exc) from exc
        except (SlackClientError, OSError) as exc:
            raise SlackUnwellError(type(exc).__name__) from exc
        first = first or ts
    return first, refused


def _post_once(
    runtime: Runtime, client: WebClient, claim: Claim, user: str, message: Message, now: datetime
) -> str:
    """DM ``user`` unless the ledger (or, after an interrupted attempt, the DM itself) shows
    it went already. The ledger key travels in the message's metadata for that check."""
    key = f"reminder:{claim.reminder_id}:{user}"
    previous = already_sent(runtime.db, key)
    if previous is not None:
        return previous.ts
    found = _find_in_dm(client, user, key) if claim.resumed else None
    if found is None:
        response = client.chat_postMessage(
            channel=user,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            **message.as_kwargs(),  # type: ignore[arg-type]
        )
        found = (str(response.get("channel") or user), str(response["ts"]))
    channel, ts = found
    try:
        with runtime.db.session() as session:
            session.add(
                SentMessage(key=key, case_id=claim.case_id, channel=channel, ts=ts, sent_at=now)
            )
    except IntegrityError:
        pass  # another worker recorded the same DM first
    return ts


def _find_in_dm(client: WebClient, user: str, key: str) -> tuple[str, str] | None:
    """Our DM to ``user`` carrying ``key``, if an interrupted attempt did post it."""
    channel = str(client.conversations_open(users=user)["channel"]["id"])
    history = client.conversations_history(
        channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
    )
    for found in history.get("messages") or []:
        payload = (found.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == key:
            return channel, str(found["ts"])
    return None


def _unwell(exc: SlackApiError) -> SlackUnwellError:
    status = exc.response.status_code
    code = str(exc.response.get("error") or f"http_{status}")
    retry_after = None
    if status == 429:
        header = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        retry_after = timedelta(seconds=int(header or 60))
    return SlackUnwellError(code, retry_after)
