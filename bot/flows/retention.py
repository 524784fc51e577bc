"""The retention pass (a step of the worker's tick, and `scr-bot retention`): tell the
business unit 30 days before a signed-off case's personal data is erased, erase it on the
date, and tell them afterwards. Messages go by DM, in working hours, posted once each
(ledger keys `retention:<reference>:notice:<user>` and `retention:<reference>:erased:<user>`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.cases import retention
from bot.services.monitoring.board import board_business_unit
from bot.views.messages import Message
from bot.views.retention import erasure_done, erasure_notice

log = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    notices: int = 0
    erased: list[str] = field(default_factory=list)
    reported: int = 0


def retention_pass(runtime: Runtime, client: WebClient) -> RetentionReport:
    report = RetentionReport()
    cal = runtime.working_calendar()
    now = runtime.clock.now()
    today = cal.london_date(now)
    years = runtime.partnership.retention.years_after_sign_off
    slack = SlackGateway(client, runtime.db, runtime.clock)
    telling = cal.is_working_time(now)
    with runtime.db.reading() as session:
        due = retention.retained(session, cal, years, due_by=today)
        admins = board_business_unit(session)
    for item in due:
        if item.erasure_due(today):
            with runtime.db.session() as session:
                if retention.erase(session, runtime.cipher, item, now=now):
                    report.erased.append(item.reference)
        elif telling and item.notice_due(today):
            message = erasure_notice(item.reference, item.signed_off_on, item.erase_on, years)
            if _tell(slack, admins, f"retention:{item.reference}:notice", message, item.case_id):
                with runtime.db.session() as session:
                    retention.notice_sent(session, item, now=now, recipients=len(admins))
                report.notices += 1
    if telling:
        report.reported = _report_erasures(runtime, slack, admins)
    return report


def _report_erasures(runtime: Runtime, slack: SlackGateway, admins: list[str]) -> int:
    cal = runtime.working_calendar()
    with runtime.db.reading() as session:
        erased = retention.unreported(session, cal)
    told = 0
    for done in erased:
        message = erasure_done(done.reference, done.erased_on)
        if _tell(slack, admins, f"retention:{done.reference}:erased", message, done.case_id):
            with runtime.db.session() as session:
                retention.erasure_reported(
                    session, done, now=runtime.clock.now(), recipients=len(admins)
                )
            told += 1
    return told


def _tell(slack: SlackGateway, admins: list[str], key: str, message: Message, case_id: int) -> bool:
    """DM each of the business unit once; True when every one has it. With nobody in the
    business unit there is nobody to wait for (logged)."""
    if not admins:
        log.warning("case %s: no business unit to tell (%s)", case_id, key.rsplit(":", 1)[-1])
    return all(
        [slack.try_post_once(f"{key}:{admin}", admin, message, case_id=case_id) for admin in admins]
    )
