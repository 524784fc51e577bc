"""Gathers what the case card shows from the database (the rendering is in bot.blocks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from bot.blocks.case_card import CaseCard, Deadline
from bot.blocks.format import LONDON
from bot.process.calendar import add_calendar_months
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.referral_form import CRITERION_SHORT, Criterion
from storage.models import Case

STAGE_TITLES = {"referral": "Initial Panel stage"}


def initial_panel_deadline(case: Case) -> date:
    return add_calendar_months(case.referral_date, 1)


def build_case_card(session: Session, case: Case, today: date) -> CaseCard:
    return CaseCard(
        reference=case.reference,
        stage_title=STAGE_TITLES.get(case.stage, case.stage.replace("_", " ").capitalize()),
        referral_date=case.referral_date,
        referring_agency=case.referring_agency.name,
        criteria=[CRITERION_SHORT[Criterion(c)] for c in case.criteria],
        today=today,
        deadlines=[
            Deadline("Initial Panel", initial_panel_deadline(case), note="not scheduled yet")
        ],
    )


def card_builder(runtime: Runtime) -> Callable[[int], CaseCard]:
    def build(case_id: int) -> CaseCard:
        today = runtime.clock.now().astimezone(LONDON).date()
        with runtime.db.session() as session:
            return build_case_card(session, load_case(session, case_id), today)

    return build
