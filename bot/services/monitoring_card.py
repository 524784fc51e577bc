"""The case card's monitoring lines, for `bot.services.case_card`."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.services.plan_views import monitoring_state
from bot.views.progress import card_lines
from storage.models import Case


def monitoring_notes(session: Session, case: Case, today: date) -> list[str]:
    return card_lines(monitoring_state(session, case, today))
