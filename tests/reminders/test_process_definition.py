"""The process definitions: their shape, their deadlines, and the checks on new ones."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.process.bolton import BOLTON_SCR
from bot.process.cspr import CSPR_2023
from bot.process.deadlines import CalendarDays, CalendarMonths, Hours, WorkingDays
from bot.process.definition import (
    AGENCY_ADDED,
    MAX_TITLE_LENGTH,
    STAGE_START,
    AllTasksDone,
    EventRecorded,
    ProcessDefinition,
    StageDefinition,
    TaskDefinition,
)
from bot.process.policy import ReminderPolicy
from bot.process.registry import (
    DEFAULT_PROCESS_KEY,
    DefinitionMismatchError,
    UnknownProcessError,
    check_definitions,
    get_process,
    process_keys,
)
from bot.process.schedule import due_before_event, task_due
from bot.process.states import Stage, TaskKind
from bot.process.working_days import WorkingCalendar

CAL = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_registry():
    assert DEFAULT_PROCESS_KEY == "bolton-scr"
    assert get_process() is BOLTON_SCR
    assert get_process("bolton-scr") is BOLTON_SCR
    assert get_process("cspr") is CSPR_2023
    assert process_keys() == ("bolton-scr", "cspr")
    with pytest.raises(UnknownProcessError):
        get_process("scr-1999")
    with pytest.raises(KeyError):
        get_process("scr-1999")


def test_the_registered_definitions_and_the_enums_agree():
    check_definitions()
    for process in (BOLTON_SCR, CSPR_2023):
        assert all(type(stage.key) is Stage for stage in process.all_stages)
        assert all(type(task.kind) is TaskKind for task in process.all_tasks)


def test_a_definition_naming_a_stage_or_kind_outside_the_enums_is_refused():
    intake = replace(BOLTON_SCR.first_stage, key="intake")
    stray = replace(BOLTON_SCR, stages=(intake, *BOLTON_SCR.stages[1:]))
    with pytest.raises(DefinitionMismatchError, match="stage 'intake' is not a Stage"):
        check_definitions([stray, CSPR_2023])
    task = replace(BOLTON_SCR.first_stage.tasks[0], kind="cpu_extra_check")
    loose = replace(BOLTON_SCR.first_stage, tasks=(*BOLTON_SCR.first_stage.tasks, task))
    with pytest.raises(DefinitionMismatchError, match="'cpu_extra_check' is not a TaskKind"):
        check_definitions([replace(BOLTON_SCR, stages=(loose, *BOLTON_SCR.stages[1:])), CSPR_2023])


def test_an_enum_member_in_no_definition_is_refused():
    with pytest.raises(DefinitionMismatchError) as refused:
        check_definitions([BOLTON_SCR])
    assert "Stage.RAPID_REVIEW is in no process definition" in str(refused.value)
    assert "TaskKind.NOTIFY_NATIONAL_PANEL is in no process definition" in str(refused.value)


def test_the_runtime_refuses_to_start_on_a_mismatch(monkeypatch):
    from bot import runtime
    from bot.settings import Settings, StartupError

    def mismatch() -> None:
        raise DefinitionMismatchError("TaskKind.X is in no process definition")

    monkeypatch.setattr(runtime, "check_definitions", mismatch)
    settings = Settings(environment="development", database_url="sqlite://")
    with pytest.raises(StartupError, match=r"TaskKind\.X"):
        runtime.build_runtime(settings, partnership=object())  # type: ignore[arg-type]


def test_bolton_stages_in_order():
    keys = [stage.key for stage in BOLTON_SCR.stages]
    assert keys == ["referral", "initial_panel", "decision", "review", "monitoring"]
    assert BOLTON_SCR.first_stage.key == "referral"
    walked = []
    stage: StageDefinition | None = BOLTON_SCR.first_stage
    while stage is not None:
        walked.append(stage.key)
        stage = BOLTON_SCR.next_stage(stage.key)
    assert walked == keys
    assert BOLTON_SCR.next_stage("monitoring") is None
    with pytest.raises(KeyError):
        BOLTON_SCR.stage("scope")


def test_bolton_lookups_and_stage_ends():
    assert BOLTON_SCR.stage_of("records_secured").key == "referral"
    assert BOLTON_SCR.stage_of("imr").key == "review"
    assert BOLTON_SCR.stage("referral").ending_kinds() == (
        "cpu_cp_plan_checked",
        "cpu_other_children_considered",
        "cpu_organisations_informed",
        "cpu_chair_informed",
        "schedule_initial_panel",
    )
    assert BOLTON_SCR.stage("decision").ending_kinds() == ("chair_decision",)
    assert BOLTON_SCR.stage("review").ends_when == EventRecorded("report_agreed")
    assert BOLTON_SCR.stage("review").ending_kinds() == ()
    assert BOLTON_SCR.task("chair_decision").records_event == "decision"
    assert BOLTON_SCR.task("schedule_initial_panel").records_event == "panel_date"
    with pytest.raises(KeyError):
        BOLTON_SCR.task("no_such_task")


def test_bolton_owners_and_scopes():
    per_agency = {task.kind for task in BOLTON_SCR.tasks if task.per_agency}
    assert per_agency == {
        "dp_notified",
        "records_secured",
        "chronology_submitted",
        "synopsis_submitted",
        "imr",
    }
    assert BOLTON_SCR.task("progress_return").per == "recommendation"
    assert BOLTON_SCR.task("progress_return").owner == "action_owner"
    assert BOLTON_SCR.task("schedule_initial_panel").owner == "cpu"
    assert BOLTON_SCR.task("chair_decision").owner == "board_chair"
    assert BOLTON_SCR.task("imr").owner == "imr_author"
    assert BOLTON_SCR.task("overview_report").owner == "panel_chair"
    assert {task.kind for task in BOLTON_SCR.stage("review").tasks if task.owner == "admins"} == {
        "notify_board",
        "notify_safeguarding_executive",
        "notify_ofsted",
        "notify_chief_officers",
    }
    other_children = BOLTON_SCR.task("cpu_other_children_considered")
    assert (other_children.owner, other_children.per) == ("designated_persons", "referring_agency")
    assert "cpu" in other_children.reminders.escalate_to
    assert BOLTON_SCR.task("report_copy_sent").per == "recipient"
    assert BOLTON_SCR.stage("no_further_action").closes_case
    assert BOLTON_SCR.task("chronology_submitted").waivable_by == ("cpu",)
    assert not BOLTON_SCR.task("chair_decision").waivable


def test_titles_are_short_single_lines():
    for process in (BOLTON_SCR, CSPR_2023):
        for task in process.tasks:
            assert 0 < len(task.title) <= MAX_TITLE_LENGTH
            assert "\n" not in task.title


REFERRAL = utc(2026, 11, 27, 10)
BOLTON_ANCHORS = {
    "referral": REFERRAL,
    AGENCY_ADDED: REFERRAL,
    "panel_date": utc(2026, 12, 17, 10),
    "decision": utc(2026, 12, 21, 15),
    "report_agreed": utc(2027, 3, 31, 9),
}
BOLTON_DUE = {
    "cpu_cp_plan_checked": utc(2026, 11, 30, 17, 30),
    "cpu_other_children_considered": utc(2026, 11, 30, 17, 30),
    "cpu_organisations_informed": utc(2026, 12, 1, 17, 30),
    "cpu_chair_informed": utc(2026, 12, 1, 17, 30),
    "schedule_initial_panel": utc(2026, 12, 27, 17, 30),
    "dp_notified": utc(2026, 11, 30, 17, 30),
    "records_secured": utc(2026, 12, 1, 17, 30),
    "chronology_submitted": utc(2026, 12, 27, 17, 30),
    "synopsis_submitted": utc(2026, 12, 27, 17, 30),
    "initial_panel_outcome": utc(2026, 12, 18, 17, 30),
    "chair_decision": utc(2026, 12, 24, 17, 30),
    "notify_board": utc(2026, 12, 22, 17, 30),
    "notify_safeguarding_executive": utc(2026, 12, 22, 17, 30),
    "notify_ofsted": utc(2026, 12, 22, 17, 30),
    "notify_chief_officers": utc(2026, 12, 22, 17, 30),
    "terms_of_reference": utc(2027, 1, 7, 17, 30),
    "imr": utc(2027, 2, 21, 17, 30),
    "overview_report": utc(2027, 4, 21, 16, 30),
    "progress_return": utc(2027, 9, 30, 16, 30),
    "report_access_decided": utc(2027, 4, 14, 16, 30),
    "report_staff_debriefed": utc(2027, 4, 30, 16, 30),
    "report_family_debriefed": utc(2027, 4, 30, 16, 30),
    "report_media_briefed": utc(2027, 4, 30, 16, 30),
    "report_sent_to_ofsted": utc(2027, 4, 14, 16, 30),
    "report_copy_sent": utc(2027, 4, 14, 16, 30),
}


def test_every_bolton_deadline_for_a_referral_on_friday_27_november_2026():
    due = {
        task.kind: task_due(task, BOLTON_ANCHORS[task.anchor], CAL)
        for task in BOLTON_SCR.tasks
        if task.kind != "panel_papers_sent"  # created once the panel is booked: due before it
    }
    assert due == BOLTON_DUE


def test_the_papers_fall_due_five_working_days_before_the_panel_once_it_is_booked():
    panel = BOLTON_ANCHORS["panel_date"]  # Thu 17 Dec
    due = {
        task.kind: due_before_event(task, panel, CAL)
        for task in BOLTON_SCR.tasks
        if task.due_before is not None
    }
    assert due == {
        "chronology_submitted": utc(2026, 12, 10, 17, 30),
        "synopsis_submitted": utc(2026, 12, 10, 17, 30),
        "panel_papers_sent": utc(2026, 12, 10, 17, 30),
    }
    papers = BOLTON_SCR.task("panel_papers_sent")
    assert due_before_event(papers, panel, CAL, days=3) == utc(2026, 12, 14, 17, 30)


def test_initial_panel_is_shown_as_due_on_sunday_27_december():
    due = task_due(BOLTON_SCR.task("schedule_initial_panel"), REFERRAL, CAL)
    assert CAL.london_date(due).strftime("%a %d %b %Y") == "Sun 27 Dec 2026"


def test_agency_added_later_counts_from_when_it_joined():
    joined = utc(2026, 11, 30, 14)
    due = task_due(BOLTON_SCR.task("records_secured"), joined, CAL)
    assert due == utc(2026, 12, 2, 17, 30)


def test_progress_returns_every_six_months_without_drift():
    task = BOLTON_SCR.task("progress_return")
    rounds = [
        task_due(task, BOLTON_ANCHORS["report_agreed"], CAL, round_no=k) for k in (1, 2, 3, 4)
    ]
    assert rounds == [
        utc(2027, 9, 30, 16, 30),
        utc(2028, 3, 31, 16, 30),
        utc(2028, 9, 30, 16, 30),
        utc(2029, 3, 31, 16, 30),
    ]
    with pytest.raises(ValueError):
        task_due(BOLTON_SCR.task("imr"), REFERRAL, CAL, round_no=2)
    with pytest.raises(ValueError):
        task_due(task, REFERRAL, CAL, round_no=0)


def test_cspr_deadlines():
    referral = REFERRAL
    notification = utc(2026, 12, 3, 12)
    decision = utc(2026, 12, 18, 12)
    anchors = {
        "referral": referral,
        AGENCY_ADDED: referral,
        "notification": notification,
        "decision": decision,
        "report_published": utc(2027, 6, 18, 12),
    }
    due = {task.kind: task_due(task, anchors[task.anchor], CAL) for task in CSPR_2023.tasks}
    assert due == {
        "notify_national_panel": utc(2026, 12, 4, 17, 30),
        "records_secured": utc(2026, 12, 1, 17, 30),
        "rapid_review_information": utc(2026, 12, 11, 17, 30),
        "rapid_review": utc(2026, 12, 18, 17, 30),
        "rapid_review_meeting": utc(2026, 12, 17, 17, 30),
        "rapid_review_report": utc(2026, 12, 24, 17, 30),
        "reviewer_appointed": utc(2027, 1, 13, 17, 30),
        "terms_of_reference": utc(2027, 1, 6, 17, 30),
        "practitioners_involved": utc(2027, 3, 18, 17, 30),
        "agency_contribution": utc(2027, 2, 18, 17, 30),
        "final_report_sent": utc(2027, 5, 18, 16, 30),
        "review_report": utc(2027, 6, 18, 16, 30),
        "progress_return": utc(2027, 12, 18, 17, 30),
    }
    assert [stage.key for stage in CSPR_2023.stages] == [
        "notification",
        "rapid_review",
        "local_review",
        "monitoring",
    ]


def _task(kind: str, **changes: object) -> TaskDefinition:
    base = TaskDefinition(
        kind=kind, title="Do the thing", owner="cpu", deadline=WorkingDays(1), anchor="opened"
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_third_definition_is_only_data():
    intake = StageDefinition(
        key="intake",
        title="Intake",
        tasks=(
            _task("triage", deadline=Hours(4), records_event="triaged"),
            _task(
                "agency_check",
                owner="designated_persons",
                per="agency",
                anchor=AGENCY_ADDED,
                deadline=WorkingDays(3),
            ),
        ),
        ends_when=AllTasksDone(("triage",)),
    )
    learning = StageDefinition(
        key="learning",
        title="Learning review",
        tasks=(
            _task(
                "learning_note",
                owner="panel_chair",
                anchor="triaged",
                deadline=CalendarDays(10),
                reminders=ReminderPolicy(before=(CalendarDays(3),), escalate_to=("admins",)),
            ),
            _task("close_out", anchor=STAGE_START, deadline=CalendarMonths(1)),
        ),
        ends_when=EventRecorded("closed"),
    )
    process = ProcessDefinition(
        key="rapid-learning",
        title="Rapid learning review",
        stages=(intake, learning),
        events=("opened", "triaged", "closed"),
        start_event="opened",
    )

    opened = utc(2027, 3, 26, 15)
    recorded = {"opened": opened, AGENCY_ADDED: opened}
    timeline: list[tuple[str, str, datetime]] = []
    stage: StageDefinition | None = process.first_stage
    while stage is not None:
        for task in stage.tasks:
            timeline.append((stage.key, task.kind, task_due(task, recorded[task.anchor], CAL)))
        recorded |= {STAGE_START: utc(2027, 3, 30, 9), "triaged": utc(2027, 3, 26, 19)}
        stage = process.next_stage(stage.key)

    assert timeline == [
        ("intake", "triage", utc(2027, 3, 26, 19)),
        ("intake", "agency_check", utc(2027, 4, 1, 16, 30)),
        ("learning", "learning_note", utc(2027, 4, 5, 16, 30)),
        ("learning", "close_out", utc(2027, 4, 30, 16, 30)),
    ]
    assert process.stage("intake").events_certain_at_end() == {"triaged"}
    assert process.task("learning_note").reminders.escalate_to == ("admins",)


def _process(*stages: StageDefinition, events: tuple[str, ...] = ("opened",)) -> ProcessDefinition:
    return ProcessDefinition(
        key="test", title="Test", stages=stages, events=events, start_event="opened"
    )


def _stage(key: str, *tasks: TaskDefinition, ends: object = None) -> StageDefinition:
    return StageDefinition(
        key=key,
        title=key.title(),
        tasks=tasks,
        ends_when=ends if ends is not None else AllTasksDone(),  # type: ignore[arg-type]
    )


def test_an_anchor_must_be_recorded_before_its_stage_begins():
    with pytest.raises(ValueError, match="not sure to be recorded"):
        _process(
            _stage(
                "one", _task("decide", records_event="decided"), _task("tell", anchor="decided")
            ),
            events=("opened", "decided"),
        )
    ok = _process(
        _stage("one", _task("decide", records_event="decided")),
        _stage("two", _task("tell", anchor="decided")),
        events=("opened", "decided"),
    )
    assert ok.next_stage("one") is ok.stage("two")


def test_a_waivable_task_does_not_make_its_event_certain():
    with pytest.raises(ValueError, match="not sure to be recorded"):
        _process(
            _stage("one", _task("decide", records_event="decided", waivable_by=("cpu",))),
            _stage("two", _task("tell", anchor="decided")),
            events=("opened", "decided"),
        )


def test_an_event_outside_the_stage_end_is_not_certain():
    with pytest.raises(ValueError, match="not sure to be recorded"):
        _process(
            _stage(
                "one",
                _task("first"),
                _task("decide", records_event="decided"),
                ends=AllTasksDone(("first",)),
            ),
            _stage("two", _task("tell", anchor="decided")),
            events=("opened", "decided"),
        )


@pytest.mark.parametrize(
    "build",
    [
        lambda: _process(_stage("one", _task("a"), _task("a"))),
        lambda: _process(_stage("one", _task("a")), _stage("two", _task("a"))),
        lambda: _process(_stage("one", _task("a")), _stage("one", _task("b"))),
        lambda: _process(_stage("one", _task("a", records_event="undeclared"))),
        lambda: _process(_stage("one", _task("a"), ends=EventRecorded("undeclared"))),
        lambda: _process(_stage("one", _task("a"), ends=AllTasksDone(("b",)))),
        lambda: _process(_stage("one", ends=AllTasksDone())),
        lambda: _process(),
        lambda: _task("a", owner="imr_author"),
        lambda: _task("a", owner="somebody"),
        lambda: _task("a", per="agency", anchor=AGENCY_ADDED, waivable_by=("imr_author",)),
        lambda: _task("a", anchor=AGENCY_ADDED),
        lambda: _task("Bad Kind"),
        lambda: _task("a", title="x" * (MAX_TITLE_LENGTH + 1)),
        lambda: _task("a", title="two\nlines"),
        lambda: _task("a", repeat=CalendarMonths(0)),
        lambda: ReminderPolicy(escalate_to=("nobody",)),  # type: ignore[arg-type]
        lambda: ReminderPolicy(escalate_to=(), escalate_from=WorkingDays(3)),
        lambda: ReminderPolicy(overdue_every=WorkingDays(0)),
        lambda: ReminderPolicy(overdue=()),
        lambda: ReminderPolicy(overdue=(WorkingDays(3), WorkingDays(1))),
        lambda: ReminderPolicy(overdue=(WorkingDays(0),)),
        lambda: ReminderPolicy(stop_after=0),
    ],
)
def test_invalid_definitions_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_only_the_stages_ahead_of_a_task_can_carry_it():
    referral = BOLTON_SCR.first_stage
    chronology = BOLTON_SCR.task(TaskKind.CHRONOLOGY_SUBMITTED)
    assert chronology.carries_into == (Stage.INITIAL_PANEL,)
    assert BOLTON_SCR.task(TaskKind.DP_NOTIFIED).carries_into == ()
    carried = {t.kind for t in BOLTON_SCR.carried_into(Stage.INITIAL_PANEL)}
    assert carried == {
        TaskKind.RECORDS_SECURED,
        TaskKind.CHRONOLOGY_SUBMITTED,
        TaskKind.SYNOPSIS_SUBMITTED,
    }

    def with_chronology(carries_into):
        task = replace(chronology, carries_into=carries_into)
        tasks = tuple(task if t.kind == task.kind else t for t in referral.tasks)
        return replace(BOLTON_SCR, stages=(replace(referral, tasks=tasks), *BOLTON_SCR.stages[1:]))

    assert with_chronology((Stage.INITIAL_PANEL, Stage.DECISION))
    assert with_chronology((Stage.INITIAL_PANEL, Stage.DECISION, Stage.AUDIT))
    with pytest.raises(ValueError, match="do not follow stage referral"):
        with_chronology((Stage.DECISION,))  # superseded on the way, at the initial panel
    with pytest.raises(ValueError, match="do not follow stage referral"):
        with_chronology((Stage.REFERRAL,))
    with pytest.raises(ValueError, match=r"\['nowhere'\], which do not follow"):
        with_chronology(("nowhere",))
    with pytest.raises(ValueError, match="named twice"):
        replace(chronology, carries_into=(Stage.INITIAL_PANEL, Stage.INITIAL_PANEL))
