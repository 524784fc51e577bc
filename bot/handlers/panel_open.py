"""Opening the panel's modals, from `/scr panel ...` or a button alike. Each re-reads the
case and meeting and re-checks who is asking; a refusal comes back as text to show them."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.runtime import Runtime
from bot.services.cases import case_by_channel
from bot.services.panel import (
    NOT_AN_ORGANISER,
    PanelRefusedError,
    active_meeting,
    has_panel,
    load_meeting,
    may_mark_held,
    may_organise,
    panel_deadline,
    require_organiser,
)
from bot.views.panel_modals import (
    PanelDefaults,
    declare_modal,
    find_modal,
    held_modal,
    schedule_modal,
)
from storage.models import Case, Task

NOT_A_CASE_CHANNEL = "Use this in the case channel of the review it is about."


def core_agencies(runtime: Runtime) -> list[str]:
    return [a.name for a in runtime.partnership.agencies if a.core]


def case_id_for_channel(runtime: Runtime, channel_id: str | None) -> int | None:
    if not channel_id:
        return None
    with runtime.db.session() as session:
        case = case_by_channel(session, channel_id)
        return None if case is None else case.id


def case_id_for_task(runtime: Runtime, task_id: int | None) -> int | None:
    """A reminder's button carries the task id: the case is the task's."""
    if task_id is None:
        return None
    with runtime.db.session() as session:
        task = session.get(Task, task_id)
        return None if task is None else task.case_id


def open_schedule(
    runtime: Runtime, client: WebClient, *, user: str, trigger_id: str, case_id: int | None
) -> str | None:
    """The schedule modal for a new panel; None once opened, else why not."""
    return _open_new(runtime, client, user, trigger_id, case_id, schedule_modal)


def open_find(
    runtime: Runtime, client: WebClient, *, user: str, trigger_id: str, case_id: int | None
) -> str | None:
    """The modal proposing times for members to answer; None once opened, else why not."""
    return _open_new(runtime, client, user, trigger_id, case_id, find_modal)


def _open_new(
    runtime: Runtime,
    client: WebClient,
    user: str,
    trigger_id: str,
    case_id: int | None,
    build: Callable[..., View],
) -> str | None:
    if case_id is None:
        return NOT_A_CASE_CHANNEL
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        if case is None or not has_panel(case):
            return NOT_A_CASE_CHANNEL
        if not may_organise(session, user):
            return NOT_AN_ORGANISER
        if active_meeting(session, case.id) is not None:
            return "The Initial Panel is already being arranged: see the case card."
        view = build(
            reference=case.reference,
            case_id=case.id,
            deadline=panel_deadline(session, case),
            core=core_agencies(runtime),
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def open_change(
    runtime: Runtime, client: WebClient, *, user: str, trigger_id: str, meeting_id: int | None
) -> str | None:
    """The schedule modal filled in with the meeting as it stands (organiser only)."""
    if meeting_id is None:
        return "There is no scheduled panel to change."
    with runtime.db.session() as session:
        try:
            meeting = load_meeting(session, meeting_id)
            require_organiser(meeting, user)
        except PanelRefusedError as exc:
            return str(exc)
        if meeting.status != "scheduled":
            return "Only a scheduled panel can be changed."
        case = session.get(Case, meeting.case_id)
        assert case is not None
        members = meeting.current_members()
        view = schedule_modal(
            reference=case.reference,
            case_id=case.id,
            deadline=panel_deadline(session, case),
            core=core_agencies(runtime),
            meeting_id=meeting.id,
            defaults=PanelDefaults(
                start=meeting.start_at,
                end=meeting.end_at,
                location=meeting.location,
                video_url=meeting.video_url,
                members=[m.slack_user_id for m in members if m.role != "chair"],
                chair=meeting.chair,
            ),
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def open_held(
    runtime: Runtime, client: WebClient, *, user: str, trigger_id: str, meeting_id: int | None
) -> str | None:
    if meeting_id is None:
        return "There is no scheduled panel to mark held."
    now = runtime.clock.now()
    with runtime.db.session() as session:
        try:
            meeting = load_meeting(session, meeting_id)
        except PanelRefusedError as exc:
            return str(exc)
        if not may_mark_held(session, meeting, user):
            return "Only the CPU or the panel's organiser can mark it held."
        if meeting.status != "scheduled" or meeting.start_at is None:
            return "Only a scheduled panel can be marked held."
        if meeting.start_at > now:
            return "The panel has not met yet."
        case = session.get(Case, meeting.case_id)
        assert case is not None
        expected = [
            m.slack_user_id
            for m in meeting.current_members()
            if m.partstat in ("ACCEPTED", "TENTATIVE")
        ]
        view = held_modal(
            reference=case.reference, case_id=case.id, meeting_id=meeting.id, expected=expected
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def open_declare(
    runtime: Runtime,
    client: WebClient,
    *,
    user: str,
    trigger_id: str,
    meeting_id: int | None,
    channel: str,
    ts: str,
) -> str | None:
    if meeting_id is None:
        return "That panel no longer exists."
    with runtime.db.session() as session:
        try:
            meeting = load_meeting(session, meeting_id)
        except PanelRefusedError as exc:
            return str(exc)
        if user not in {m.slack_user_id for m in meeting.current_members()}:
            return "You are not on this panel (any more)."
        if meeting.status not in ("proposed", "scheduled"):
            return "This panel is no longer being arranged."
        case = session.get(Case, meeting.case_id)
        assert case is not None
        view = declare_modal(
            reference=case.reference,
            case_id=case.id,
            meeting_id=meeting.id,
            channel=channel,
            ts=ts,
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None
