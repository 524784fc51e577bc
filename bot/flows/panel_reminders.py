"""The worker's panel job: catch up revisions that did not reach everyone, and send the
panel's due reminders (a chase for answers, two working days before, one hour before).
Each reminder DM is sent once per person (the sent-message ledger), whatever retries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.flows.panel import send_pending
from bot.flows.panel_slack import snapshot
from bot.flows.sent_once import post_once
from bot.runtime import Runtime
from bot.services.panel_reminders import (
    CHASE,
    IN_WORKING_HOURS,
    PanelReminderClaim,
    claim_due,
    mark_cancelled,
    mark_failed,
    mark_sent,
    postpone,
)
from bot.views.panel import MeetingFacts, MemberState, reminder_dm

log = logging.getLogger(__name__)

RECIPIENT_GONE = frozenset(
    {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "channel_not_found"}
)


@dataclass(frozen=True)
class PanelTickReport:
    revisions_sent: int
    reminders_sent: int


@dataclass(frozen=True)
class _Target:
    facts: MeetingFacts
    people: tuple[tuple[str, MemberState], ...]


def panel_tick(runtime: Runtime, client: WebClient) -> PanelTickReport:
    return PanelTickReport(
        revisions_sent=send_pending(runtime, client),
        reminders_sent=send_due_panel_reminders(runtime, client),
    )


def send_due_panel_reminders(runtime: Runtime, client: WebClient) -> int:
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
            _send(runtime, client, claim, target)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning(
                "panel reminder %s not sent yet (%s)", claim.reminder_id, type(exc).__name__
            )
            mark_failed(runtime.db, claim, now)
            break
        if mark_sent(runtime.db, claim, now):
            sent += 1
    return sent


def _target(runtime: Runtime, claim: PanelReminderClaim, now: datetime) -> _Target | None:
    """Re-read the meeting: a revision replaced, a cancellation or a meeting under way
    makes the reminder moot."""
    view = snapshot(runtime.db, claim.meeting_id)
    if view.status != "scheduled" or view.sequence != claim.sequence:
        return None
    if view.start is None or view.start <= now:
        return None
    if claim.kind == CHASE:
        people = [m for m in view.members if m.state.partstat == "NEEDS-ACTION"]
    else:
        people = [m for m in view.members if m.state.partstat != "DECLINED"]
    if not people:
        return None
    return _Target(view.facts(), tuple((m.user_id, m.state) for m in people))


def _send(runtime: Runtime, client: WebClient, claim: PanelReminderClaim, target: _Target) -> None:
    for user, state in target.people:
        try:
            post_once(
                runtime.db,
                client,
                key=f"panel-reminder:{claim.reminder_id}:{user}",
                channel=user,
                message=reminder_dm(claim.kind, target.facts, state),
                now=runtime.clock.now(),
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in RECIPIENT_GONE:
                raise
            log.warning("panel reminder %s not sent to %s", claim.reminder_id, user)
