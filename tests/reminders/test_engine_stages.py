"""The engine walks any process definition: stages begin and end, tasks follow the data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.crypto import FieldCipher
from bot.process.deadlines import CalendarDays, WorkingDays
from bot.process.definition import (
    AGENCY_ADDED,
    AllTasksDone,
    EventRecorded,
    ProcessDefinition,
    StageDefinition,
    TaskDefinition,
)
from bot.process.working_days import WorkingCalendar
from bot.services.cases.access import sync_partnership
from bot.services.reminders import tasks
from bot.services.reminders.tasks import EngineContext, TaskRefusedError
from bot.testing.seed import seed_partnership
from storage.models import Agency, Case, CaseAssignment, CaseEvent, Reminder, Task

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
CAL = WorkingCalendar()

TINY = ProcessDefinition(
    key="tiny-review",
    title="A two-stage review",
    events=("referral", "met", "closed"),
    stages=(
        StageDefinition(
            key="gather",
            title="Gather",
            tasks=(
                TaskDefinition(
                    kind="check",
                    title="Check",
                    owner="cpu",
                    deadline=WorkingDays(1),
                    anchor="referral",
                ),
                TaskDefinition(
                    kind="records",
                    title="Records",
                    owner="designated_persons",
                    deadline=WorkingDays(2),
                    anchor=AGENCY_ADDED,
                    per="agency",
                    waivable_by=("cpu",),
                ),
                TaskDefinition(
                    kind="meet",
                    title="Meet",
                    owner="cpu",
                    deadline=CalendarDays(10),
                    anchor="referral",
                    records_event="met",
                ),
            ),
            ends_when=AllTasksDone(kinds=("check", "meet")),
        ),
        StageDefinition(
            key="decide",
            title="Decide",
            tasks=(
                TaskDefinition(
                    kind="decide",
                    title="Decide",
                    owner="board_chair",
                    deadline=WorkingDays(3),
                    anchor="met",
                ),
            ),
            ends_when=EventRecorded("closed"),
        ),
    ),
)


@pytest.fixture
def session(database):
    with database.session() as s:
        sync_partnership(s, seed_partnership())
        yield s


def _case(session, process_key: str) -> Case:
    health = session.scalar(select(Agency).where(Agency.name == "Health"))
    case = Case(
        reference="SCR-2026-900",
        year=2026,
        number=900,
        process_key=process_key,
        stage="new",
        referring_agency_id=health.id,
        referred_by="U0DPH",
        referral_date=date(2026, 11, 27),
        created_at=NOW,
        criteria=["death"],
    )
    session.add(case)
    session.flush()
    return case


def _ctx(session, now=NOW) -> EngineContext:
    return EngineContext(session, CAL, now, processes={TINY.key: TINY})


def _task(session, case, kind) -> Task:
    return session.scalar(select(Task).where(Task.case_id == case.id, Task.kind == kind))


@pytest.mark.postgres
def test_a_definition_of_ones_own_runs_without_engine_changes(session) -> None:
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    assert case.stage == "gather"
    kinds = sorted(t.kind for t in tasks.open_tasks(session, case.id))
    assert kinds == ["check", "meet", "records"]
    assert _task(session, case, "check").due_at == datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    assert _task(session, case, "records").agency_id == case.referring_agency_id

    assert tasks.complete_task(_ctx(session), _task(session, case, "check"), actor="U0CPU1")
    assert case.stage == "gather"
    later = NOW + timedelta(days=3)
    tasks.complete_task(_ctx(session, later), _task(session, case, "meet"), actor="U0CPU2")
    assert case.stage == "decide"
    met = session.scalar(select(CaseEvent.at).where(CaseEvent.event == "met"))
    assert met == later
    decide = _task(session, case, "decide")
    assert decide.owner_role == "board_chair"
    assert decide.due_at == CAL.day_end(date(2026, 12, 3))
    records = _task(session, case, "records")
    assert (records.status, records.completed_by) == ("superseded", "bot")
    assert records.completed_at == later


def test_a_task_carried_into_the_next_stage_stays_open_until_the_one_after(session) -> None:
    gather, decide = TINY.stages
    records = replace(gather.tasks[1], carries_into=("decide",))
    carried = replace(
        TINY,
        key="carried-review",
        stages=(
            replace(gather, tasks=(gather.tasks[0], records, gather.tasks[2])),
            replace(decide, ends_when=AllTasksDone()),
            StageDefinition(
                key="report",
                title="Report",
                tasks=(replace(decide.tasks[0], kind="report", anchor="met"),),
                ends_when=EventRecorded("closed"),
            ),
        ),
    )
    ctx = EngineContext(session, CAL, NOW, processes={carried.key: carried})
    case = _case(session, carried.key)
    tasks.start_case(ctx, case, actor="U0DPH", referred_at=NOW)
    tasks.complete_task(ctx, _task(session, case, "check"), actor="U0CPU1")
    tasks.complete_task(ctx, _task(session, case, "meet"), actor="U0CPU1")
    assert case.stage == "decide"
    assert _task(session, case, "records").status == "open"

    decision = _task(session, case, "decide")
    tasks.complete_task(ctx, decision, actor="U0CHAIR", check_permission=False)
    assert case.stage == "report"
    assert _task(session, case, "records").status == "superseded"


def test_a_task_whose_event_is_already_recorded_still_ends_its_stage(session) -> None:
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    tasks.complete_task(_ctx(session), _task(session, case, "check"), actor="U0CPU1")
    assert tasks.record_event(_ctx(session), case, "met", at=NOW, actor="U0CPU1")
    assert case.stage == "gather"
    tasks.complete_task(_ctx(session), _task(session, case, "meet"), actor="U0CPU1")
    assert case.stage == "decide"


def test_completing_twice_has_one_effect_and_strangers_are_refused(session) -> None:
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    records = _task(session, case, "records")
    with pytest.raises(TaskRefusedError):
        tasks.complete_task(_ctx(session), records, actor="U0DPP")
    assert records.status == "open"
    assert tasks.complete_task(_ctx(session), records, actor="U0DPH") is True
    assert tasks.complete_task(_ctx(session), records, actor="U0DPH") is False
    planned = session.scalars(select(Reminder.status).where(Reminder.task_id == records.id))
    assert set(planned) == {"cancelled"}


def test_waiving_needs_a_reason_and_an_allowed_role(session) -> None:
    cipher = FieldCipher(Fernet.generate_key())
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    records = _task(session, case, "records")
    with pytest.raises(TaskRefusedError, match="reason"):
        tasks.waive_task(_ctx(session), records, actor="U0CPU1", reason=" ", cipher=cipher)
    with pytest.raises(TaskRefusedError, match="cannot waive"):
        tasks.waive_task(_ctx(session), records, actor="U0DPH", reason="n/a", cipher=cipher)
    assert tasks.waive_task(
        _ctx(session), records, actor="U0CPU1", reason="no records held", cipher=cipher
    )
    assert records.status == "waived"
    assert (
        cipher.for_case(session, records.case_id).decrypt_text(records.waive_reason)
        == "no records held"
    )


def test_agencies_join_with_their_tasks_and_leave_closing_them(session) -> None:
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    police = session.scalar(select(Agency).where(Agency.name == "Police"))
    joined = NOW + timedelta(days=4)
    tasks.add_agency(_ctx(session, joined), case, police.id, actor="U0CPU1")
    task = session.scalar(select(Task).where(Task.agency_id == police.id))
    assert task.kind == "records"
    assert task.due_at == CAL.day_end(date(2026, 12, 3))
    tasks.remove_agency(_ctx(session, joined), case, police.id, actor="U0CPU1", reason=b"x")
    assert task.status == "waived"
    assert [a.agency_id for a in tasks.involved_agencies(session, case.id)] == [
        case.referring_agency_id
    ]
    with pytest.raises(TaskRefusedError):
        tasks.remove_agency(_ctx(session), case, police.id, actor="U0CPU1", reason=b"x")


def test_a_moved_deadline_replans_the_reminders(session) -> None:
    case = _case(session, TINY.key)
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    meet = _task(session, case, "meet")
    before = sorted(
        r.at
        for r in session.scalars(
            select(Reminder).where(Reminder.task_id == meet.id, Reminder.status == "planned")
        )
    )
    new_due = meet.due_at + timedelta(days=14)
    tasks.move_deadline(_ctx(session), meet, new_due=new_due, actor="U0CPU1", reason="agreed")
    after = sorted(
        r.at
        for r in session.scalars(
            select(Reminder).where(Reminder.task_id == meet.id, Reminder.status == "planned")
        )
    )
    assert meet.due_at == new_due
    assert after and after[-1] > before[-1]
    assert all(at >= NOW for at in after)


def test_the_working_together_template_is_data_the_engine_runs(session) -> None:
    case = _case(session, "cspr")
    tasks.start_case(_ctx(session), case, actor="U0DPH", referred_at=NOW)
    assert case.stage == "notification"
    assert tasks.open_tasks(session, case.id)


def test_the_panel_chair_waives_what_the_definition_lets_them(session) -> None:
    cipher = FieldCipher(Fernet.generate_key())
    chaired = ProcessDefinition(
        key="chaired",
        title="A chaired review",
        events=("referral",),
        stages=(
            StageDefinition(
                key="review",
                title="Review",
                tasks=(
                    TaskDefinition(
                        kind="contribution",
                        title="Contribute",
                        owner="review_leads",
                        deadline=WorkingDays(5),
                        anchor="referral",
                        per="agency",
                        waivable_by=("panel_chair",),
                    ),
                ),
                ends_when=AllTasksDone(),
            ),
        ),
    )
    case = _case(session, chaired.key)
    ctx = EngineContext(session, CAL, NOW, processes={chaired.key: chaired})
    tasks.start_case(ctx, case, actor="U0DPH", referred_at=NOW)
    session.add(
        CaseAssignment(case_id=case.id, role="panel_chair", slack_user_id="U0DPE", assigned_at=NOW)
    )
    session.flush()
    task = _task(session, case, "contribution")
    with pytest.raises(TaskRefusedError, match="cannot waive"):
        tasks.waive_task(ctx, task, actor="U0CPU1", reason="n/a", cipher=cipher)
    assert tasks.waive_task(ctx, task, actor="U0DPE", reason="not involved", cipher=cipher)
    assert task.status == "waived"


def test_what_the_referral_itself_did_is_done_from_the_start_with_nothing_planned(
    session,
) -> None:
    """A task the referral did (a designated person's referral notifies the CPU) is made
    done by the referrer as it is created: no reminder is planned for it, and the stage
    carries on while its other tasks are open."""
    case = _case(session, TINY.key)
    health = case.referring_agency_id
    made = tasks.start_case(
        _ctx(session), case, actor="U0DPH", referred_at=NOW, done={("records", health)}
    )
    records = _task(session, case, "records")
    assert records in made
    assert (records.status, records.completed_by, records.completed_at) == ("done", "U0DPH", NOW)
    assert not session.scalars(select(Reminder).where(Reminder.task_id == records.id)).all()
    check = _task(session, case, "check")
    assert check.status == "open"
    assert session.scalars(select(Reminder).where(Reminder.task_id == check.id)).all()
    assert case.stage == "gather"


def test_tasks_done_from_the_start_record_their_events_and_end_the_stage(session) -> None:
    """Done from the start, the tasks that end the first stage move the case on, and the one
    that records an event records it first, so the next stage's deadlines can be set from
    it: the engine's rules, as when they are completed one by one."""
    case = _case(session, TINY.key)
    tasks.start_case(
        _ctx(session), case, actor="U0CPU1", referred_at=NOW, done={("check", None), ("meet", None)}
    )
    assert case.stage == "decide"
    events = set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case.id)))
    assert events == {"referral", "met"}
    decide = _task(session, case, "decide")
    assert decide is not None and decide.status == "open"
