"""The Board's round summary in Slack: the counts and the pro forma (Word and CSV) shared in
the DMs of the Board business unit, once per round and kind, whoever's worker gets there."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime import Runtime
from bot.services import audit
from bot.services import owner_changes as departures
from bot.services import round_summary as summaries
from bot.services.partnership import Role, users_with_role
from bot.services.pro_forma_export import file_stem, pro_forma_csv, pro_forma_docx
from bot.views.progress import summary_text
from storage.models import Case

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)


def send_summary(runtime: Runtime, client: WebClient, due: summaries.SummaryDue) -> bool:
    """The round's summary and pro forma (Word and CSV) to the Board business unit's DMs."""
    now = runtime.clock.now()
    if not summaries.claim(runtime.db, due, now):
        return False
    with runtime.db.session() as session:
        case = session.get(Case, due.case_id)
        assert case is not None
        summary = summaries.round_summary(
            session,
            case,
            due.round_no,
            kind=due.kind,
            now=now,
            cipher=runtime.cipher,
            cal=runtime.working_calendar(),
        )
        admins = [
            a for a in users_with_role(session, Role.ADMIN) if not departures.has_left(session, a)
        ]
        channel_id = case.channel_id
    stem = file_stem(summary.reference, summary.due)
    try:
        dms = [str(client.conversations_open(users=a)["channel"]["id"]) for a in admins]
        if dms:
            client.files_upload_v2(
                file_uploads=[
                    {
                        "content": pro_forma_docx(summary),
                        "filename": f"{stem}.docx",
                        "title": f"{stem}.docx",
                    },
                    {
                        "content": pro_forma_csv(summary),
                        "filename": f"{stem}.csv",
                        "title": f"{stem}.csv",
                    },
                ],
                **({"channel": dms[0]} if len(dms) == 1 else {"channels": dms}),
                initial_comment=summary_text(summary, channel_id),
            )
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("round summary for case %s not sent: %s", due.case_id, type(exc).__name__)
        summaries.release(runtime.db, due, now + RETRY_AFTER)
        return False
    summaries.mark_sent(runtime.db, due, now)
    with runtime.db.session() as session:
        audit.record(
            session,
            at=now,
            actor="bot",
            action="progress.summary_sent",
            case_id=due.case_id,
            round_no=due.round_no,
            kind=due.kind,
            recipients=len(dms),
            files=[f"{stem}.docx", f"{stem}.csv"],
        )
    return True
