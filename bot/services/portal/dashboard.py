"""The Board's dashboard in the web case room: for the Board Chair and the business unit only
(their roles in the partnership file), every view and download written to the audit trail.
A refusal is audited too, so that the business unit can see who tried."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.process.working_days import LONDON, WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import Role, roles_of
from bot.services.dashboard import board_figures
from bot.services.dashboard.schema import BoardFigures

VIEWED = "portal.dashboard_viewed"
DOWNLOADED = "portal.dashboard_downloaded"
REFUSED = "portal.dashboard_refused"

CSV_STEM = "scr-board-dashboard"

BOARD_ROLES = frozenset({Role.BOARD_CHAIR, Role.ADMIN})


class NotForYouError(PermissionError):
    """The person is neither the Board Chair nor in the business unit."""


def may_see_dashboard(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & BOARD_ROLES)


def _figures(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar, action: str
) -> BoardFigures:
    if not may_see_dashboard(session, user_id):
        audit.record(session, at=now, actor=user_id, action=REFUSED)
        raise NotForYouError(user_id)
    audit.record(session, at=now, actor=user_id, action=action)
    return board_figures(session, now, cal)


def dashboard_for(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar
) -> BoardFigures:
    """The Board's figures for ``user_id``, the view audited; refused (and audited) for anyone
    without a Board role."""
    return _figures(session, user_id, now, cal, VIEWED)


def dashboard_download(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar
) -> tuple[str, BoardFigures]:
    """The CSV download's file name (the Board's and the day's, nobody's name) and the figures
    to write in it, the download audited; refused as `dashboard_for` is."""
    figures = _figures(session, user_id, now, cal, DOWNLOADED)
    return f"{CSV_STEM}-{now.astimezone(LONDON):%Y-%m-%d}.csv", figures
