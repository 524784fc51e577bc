"""What the case card shows, as data: the card's services fill it in, its view draws it;
and who a command is for, which `/scr help` sorts by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.services.first_month.schema import CardActions
from bot.services.monitoring.schema import MonitoringState
from bot.services.national_panel.schema import NationalPanelCard
from bot.services.panel.schema import PanelCardState


class Audience(StrEnum):
    """Who a command is for. Everyone holds ``EVERYONE``; the rest follow from the
    partnership's roles and agencies and from the cases' assignments."""

    EVERYONE = "everyone"
    AGENCY = "agency"
    CPU = "cpu"
    BUSINESS_UNIT = "business_unit"
    BOARD_CHAIR = "board_chair"
    PANEL_CHAIR = "panel_chair"
    PARTNERS = "partners"
    """The three safeguarding partners' leads."""


EVERYONE: frozenset[Audience] = frozenset({Audience.EVERYONE})


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    done: bool = False
    note: str = ""
    last_working_day: date | None = None
    """The last working day on or before ``due`` (see ``deadline_words``)."""


@dataclass(frozen=True)
class AgencyRow:
    """One agency's line; each cell is already worded (e.g. "✓ 27 Nov", "overdue (due 1 Dec)")."""

    name: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CaseCard:
    reference: str
    stage_title: str
    referral_date: date
    referring_agency: str
    criteria: Sequence[str]
    today: date
    deadlines: Sequence[Deadline] = ()
    agency_columns: Sequence[str] = ()
    agency_rows: Sequence[AgencyRow] = ()
    notes: Sequence[str] = ()
    panel: PanelCardState | None = None
    first_month: CardActions | None = None
    monitoring: MonitoringState | None = None
    closed: bool = False
    review_case_id: int | None = None
    """The case's id while it is in the review stage (the card offers the report's
    skeleton)."""
    national_panel: NationalPanelCard | None = None
    """What was sent to the national panel, and the buttons that record it."""
