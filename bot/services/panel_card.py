"""What the case card shows about the Initial Panel, gathered from the database (the
rendering is in bot.views.panel_card)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.services.panel import has_panel, latest_meeting, panel_deadline
from bot.services.panel_slots import tallies
from bot.views.case_card import Deadline
from bot.views.panel import SlotLine
from bot.views.panel_card import PanelCardState, deadline_note, panel_card_blocks
from storage.models import Case, PanelMeeting

PANEL_LABEL = "Initial Panel"
PANEL_STAGES = frozenset({"referral", "initial_panel", "decision"})
"""The card shows the panel until the Board Chair's decision is made."""


@dataclass(frozen=True)
class PanelOnCard:
    state: PanelCardState | None

    def deadlines(self, others: Sequence[Deadline]) -> list[Deadline]:
        """The card's deadlines with the Initial Panel's line worded from the meeting."""
        kept = [d for d in others if d.label != PANEL_LABEL]
        if self.state is None:
            return list(others)
        line = Deadline(
            PANEL_LABEL,
            self.state.deadline,
            done=self.state.status == "held",
            note=deadline_note(self.state),
        )
        return sorted([*kept, line], key=lambda d: d.due)

    @property
    def blocks(self) -> list[Block]:
        return panel_card_blocks(self.state) if self.state is not None else []


def panel_on_card(session: Session, case: Case, today: date) -> PanelOnCard:
    if not has_panel(case) or case.closed_at is not None or case.stage not in PANEL_STAGES:
        return PanelOnCard(None)
    deadline = panel_deadline(session, case)
    meeting = latest_meeting(session, case.id)
    if meeting is None:
        return PanelOnCard(PanelCardState(status="none", deadline=deadline, today=today))
    return PanelOnCard(_state(session, meeting, deadline, today))


def _state(session: Session, meeting: PanelMeeting, deadline: date, today: date) -> PanelCardState:
    members = meeting.current_members()
    answers: dict[str, tuple[str, ...]] = {}
    for member in members:
        answers[member.partstat] = (*answers.get(member.partstat, ()), member.slack_user_id)
    slots = [
        SlotLine(t.slot_id, t.start, t.end, t.available, t.unavailable)
        for t in (tallies(session, meeting) if meeting.status == "proposed" else [])
    ]
    return PanelCardState(
        status=meeting.status,
        deadline=deadline,
        today=today,
        meeting_id=meeting.id,
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location,
        video_url=meeting.video_url,
        organiser=meeting.organiser,
        chair=meeting.chair,
        override_by=meeting.override_by,
        answers=answers,
        asked=tuple(m.slack_user_id for m in members),
        unconfirmed=tuple(m.slack_user_id for m in members if m.involvement == "unconfirmed"),
        declared=tuple(m.slack_user_id for m in members if m.involvement == "declared"),
        slots=slots,
        attended=tuple(m.slack_user_id for m in members if m.attended),
    )
