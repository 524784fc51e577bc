"""The safeguarding partners' decision on a local review: each lead's buttons, and the
national panel's view (a button and its modal)."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers.adapter import Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction
from bot.ids import Job, PartnersAction, PartnersCallback
from bot.runtime import Runtime
from bot.services.partners.schema import Answered, LocalReview, PanelViewForm
from bot.services.partners.service import (
    NOT_A_LEAD,
    NOT_READY,
    case_deciding,
    confirm,
    partners_state,
    record_panel_view,
    view_refusal,
)
from bot.views.partners import (
    answer_text,
    panel_view_modal,
    partners_message,
)

OUTCOMES = {
    PartnersAction.HOLD.value: LocalReview.HOLD,
    PartnersAction.NO_REVIEW.value: LocalReview.NONE,
}
REFUSALS = {Answered.REFUSED: NOT_A_LEAD, Answered.NOT_READY: NOT_READY}


class CaseMeta(ViewMeta):
    case: int


listeners = Listeners()


@listeners.action(*OUTCOMES, value=True)
def partner_confirmed(req: Request[BlockAction]) -> str | None:
    outcome, case_id = OUTCOMES[req.payload.action.action_id], req.number or 0
    answer = confirm(req.session, req.calendar, req.now, case_id, outcome, actor=req.actor)
    if answer.result in REFUSALS:
        return REFUSALS[answer.result]
    req.enqueue(Job.PARTNERS_SHOWN, case_id=case_id)
    return answer_text(answer)


@listeners.action(PartnersAction.OPEN_DECISION.value, value=True)
def decision_shown(req: Request[BlockAction]) -> Reply | str:
    """From a lead's reminder or App Home: the request (or the decision), for them alone."""
    case_id = case_deciding(req.session, req.number or 0)
    state = partners_state(req.session, req.runtime.cipher, case_id) if case_id else None
    if state is None:
        return NOT_READY
    message = partners_message(state)
    return Reply(text=message.text, blocks=message.blocks)


@listeners.action(PartnersAction.OPEN_PANEL_VIEW.value, value=True)
def panel_view_button(req: Request[BlockAction]) -> str | None:
    case_id = req.number or 0
    refusal = view_refusal(req.session, req.now, case_id, req.actor)
    state = partners_state(req.session, req.runtime.cipher, case_id) if not refusal else None
    if state is None:
        return refusal or NOT_READY
    req.open_view(panel_view_modal(state.reference, case_id, state.panel_view))
    return None


@listeners.submission(PartnersCallback.PANEL_VIEW.value, form=PanelViewForm, meta=CaseMeta)
def panel_view_submitted(req: Submitted[PanelViewForm, CaseMeta]) -> None:
    case_id = req.ids.case
    cipher = req.runtime.cipher
    if record_panel_view(req.session, req.now, cipher, case_id, req.answers, actor=req.actor):
        req.enqueue(Job.PARTNERS_SHOWN, case_id=case_id)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
