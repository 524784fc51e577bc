"""Sending the Initial Panel its papers: the integrated chronology exported (kept in the case
room when it is configured, else uploaded to the case channel, which the panel's members
join), each member told where it is, and the CPU's task done."""

from __future__ import annotations

import logging

from bot.flows.cases import refresh_card
from bot.flows.documents import case_page_link, kept_in_case_room
from bot.flows.first_month import exported_chronology
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.panel.papers import papers_sent, papers_to_send
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from bot.views.format import plural
from bot.views.panel import papers_dm

log = logging.getLogger(__name__)


def send_papers(runtime: Runtime, slack: SlackGateway, task_id: int, actor: str) -> str:
    """Send the panel the integrated chronology; a line for the CPU who asked."""
    with runtime.db.session() as session:
        try:
            papers = papers_to_send(session, task_id, actor)
        except RefusedError as exc:
            return exc.message
    exported, line = exported_chronology(runtime, slack, papers.case_id, actor)
    if not exported:
        return line
    where = (
        case_page_link(runtime, papers.reference)
        if kept_in_case_room(runtime)
        else f"<#{papers.channel_id}>"
    )
    told = 0
    for member in papers.members:
        try:
            slack.post_once(
                f"panel:{papers.meeting_id}:papers:{member}",
                member,
                papers_dm(papers.reference, papers.start, where),
                case_id=papers.case_id,
            )
            told += 1
        except SlackError as exc:
            log.warning("panel papers of %s: a member not told: %s", papers.reference, exc.code)
    with runtime.db.session() as session:
        ctx = EngineContext(
            session,
            runtime.working_calendar(),
            runtime.clock.now(),
            days_before=runtime.days_before,
        )
        papers_sent(ctx, papers, actor=actor, told=told)
    refresh_card(runtime, slack.client, papers.case_id)
    missed = len(papers.members) - told
    not_told = f" (Slack did not reach {plural(missed, 'member')})" if missed else ""
    return (
        f"{papers.reference}: the integrated chronology is in {where}, and the panel's "
        f"members have been told{not_told}."
    )
