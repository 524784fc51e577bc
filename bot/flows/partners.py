"""The safeguarding partners' decision in Slack: the request to each partner's lead (a DM)
and to the case channel, redrawn after every answer (who has confirmed, who is awaited, the
national panel's view) and replaced by the decision once the three agree; the case card
follows.

Every post is keyed in the sent-message ledger and safe to repeat: the worker's tick asks
the leads of each case newly at the decision, and a later click catches up whatever Slack
refused the first time."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows.asking import ask_once, redraw_all
from bot.flows.cases import refresh_card
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.partners.schema import PartnersState
from bot.services.partners.service import cases_awaiting_partners, partners_state
from bot.views.partners import partners_message


def _request_key(case_id: int) -> str:
    return f"case:{case_id}:partners-request:"


def _state(runtime: Runtime, case_id: int) -> PartnersState | None:
    with runtime.db.session() as session:
        return partners_state(session, runtime.cipher, case_id)


def ask_partners(runtime: Runtime, slack: SlackGateway, case_id: int) -> list[str]:
    """Ask each lead, and the case channel, once (not once decided): what was posted now."""
    state = _state(runtime, case_id)
    if state is None or state.decided:
        return []
    prefix = _request_key(case_id)
    posted = ask_once(
        slack, prefix, state.leads, state.channel, partners_message(state), case_id=case_id
    )
    if posted:
        refresh_card(runtime, slack, case_id)
    return posted


def show_partners(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """After an answer or the national panel's view: ask whoever was not reached yet, redraw
    every request (or put the decision in its place), then the case card."""
    state = _state(runtime, case_id)
    if state is None:
        return
    prefix = _request_key(case_id)
    message = partners_message(state)
    posted: list[str] = []
    if not state.decided:
        posted = ask_once(slack, prefix, state.leads, state.channel, message, case_id=case_id)
    redraw_all(slack, prefix, message, skip=posted)
    refresh_card(runtime, slack, case_id)


def ask_waiting_partners(runtime: Runtime, client: WebClient) -> int:
    """The tick's step: ask the leads of every case at the partners' decision that has not
    been asked yet (an asked case costs no Slack call): how many cases were asked now."""
    with runtime.db.reading() as session:
        waiting = cases_awaiting_partners(session)
    slack = SlackGateway(client, runtime.db, runtime.clock)
    return sum(1 for case_id in waiting if ask_partners(runtime, slack, case_id))
